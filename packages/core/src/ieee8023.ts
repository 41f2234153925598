import type { Diagnostic } from './diagnostic.js';
import { diagnostic } from './failure.js';

/** Largest value of an Ethernet type/length field that is a length (IEEE 802.3 clause 3.2.6). */
export const MAX_8023_LENGTH = 1500;

/** What an 802.3 length field and the LLC/SNAP header after it say. */
export interface Ieee8023 {
  /** The SNAP protocol id, or 0 when the LLC payload carries none. */
  readonly etherType: number;
  /** Bytes of LLC/SNAP header consumed after the length field (8 with SNAP, 0 without). */
  readonly llcLength: number;
  /** The LLC payload, cut to the length field (dropping Ethernet padding). */
  readonly payload: Uint8Array;
  readonly diagnostics?: readonly Diagnostic[];
}

/**
 * Reads an 802.3 frame's LLC data: `data` starts right after the length field. With an
 * LLC/SNAP header (DSAP = SSAP = 0xaa, UI control, RFC 1042) the SNAP protocol id is an ethertype
 * and dissection goes on; plain LLC (STP, NetBIOS…) ends the layer list. Returns undefined when
 * the SNAP header is cut off.
 */
export function read8023(data: Uint8Array, length: number, frameOffset: number): Ieee8023 | undefined {
  let diagnostics: Diagnostic[] | undefined;
  let end = length;
  if (length > data.length) {
    // A length past the captured bytes: a snaplen cut or a lying field; use what is there.
    diagnostics = [diagnostic('WARN_802_3_BAD_LENGTH', `802.3 length ${length} but only ${data.length} bytes follow`, frameOffset - 2)];
    end = data.length;
  }
  if (end >= 3 && data[0] === 0xaa && data[1] === 0xaa && data[2] === 0x03) {
    if (end < 8) return undefined;
    const etherType = (data[6]! << 8) | data[7]!;
    return { etherType, llcLength: 8, payload: data.subarray(8, end), diagnostics };
  }
  return { etherType: 0, llcLength: 0, payload: data.subarray(0, end), diagnostics };
}
