import { Opcode } from './types.js';
import {
  isConsistentSuccessor,
  isControlOpcode,
  isPlausibleHeader,
  readFrameHeader,
  type FramePlausibility,
} from './websocket-frame-header.js';

/** Where a run of frames starts, or that more bytes are needed to decide, or that none starts here. */
export type FrameRunResult =
  | { readonly kind: 'found'; readonly offset: number }
  | { readonly kind: 'wait'; readonly offset: number }
  | { readonly kind: 'none' };

const NONE: FrameRunResult = { kind: 'none' };

/** Limits of a search for frames. */
export interface FrameRunRules extends FramePlausibility {
  /** Largest frame (header and payload) a candidate may have and still be waited for. */
  readonly maxFrame: number;
}

/**
 * Finds where frames start in bytes that begin at an unknown point of a WebSocket stream (a
 * capture that starts mid-connection, or after a gap), by scanning forward for a run of
 * plausible frame headers: a candidate is believed when the header after it is plausible and
 * consistent with it, or when its frame ends exactly at the end of `buf` (the end of what was
 * received: a segment boundary, where senders usually end frames). Zeek stops after a gap; this
 * resynchronises instead, and demands two agreeing headers to keep false starts rare.
 *
 * Returns `wait` when the candidate at `offset` needs bytes beyond `buf` to be decided.
 */
export function findFrameRun(buf: Uint8Array, from: number, rules: FrameRunRules): FrameRunResult {
  for (let i = from; i < buf.length; i++) {
    const h = readFrameHeader(buf, i);
    if (h === undefined) return { kind: 'wait', offset: i };
    if (!isPlausibleHeader(h, rules)) continue;
    const end = i + h.headerLength + h.payloadLength;
    if (end === buf.length) return { kind: 'found', offset: i };
    if (end > buf.length) {
      if (end - i > rules.maxFrame) continue;
      return { kind: 'wait', offset: i };
    }
    const next = readFrameHeader(buf, end);
    if (next === undefined) return { kind: 'wait', offset: i };
    // A control frame says nothing about whether a fragmented message is open: let the successor decide.
    const fragmented = isControlOpcode(h.opcode) ? next.opcode === Opcode.CONTINUATION : !h.fin;
    if (isPlausibleHeader(next, rules) && isConsistentSuccessor(h, next, fragmented)) return { kind: 'found', offset: i };
  }
  return NONE;
}
