import type { Diagnostic } from './diagnostic.js';
import type { PacketDissector } from './dissector.js';
import { failure } from './failure.js';
import { MAX_8023_LENGTH, read8023 } from './ieee8023.js';
import type { EthernetLayer } from './layers.js';
import { byEtherType } from './tables.js';

/**
 * An Ethernet header. The MAC addresses are views made when read (a typed-array view costs about
 * as much as the rest of the layer, and most consumers never look at MACs).
 */
class EthernetHeader implements EthernetLayer {
  readonly protocol = 'ethernet';
  readonly #bytes: Uint8Array;

  constructor(
    bytes: Uint8Array,
    readonly offset: number,
    readonly headerLength: number,
    readonly payload: Uint8Array,
    readonly etherType: number,
    readonly length8023: number | undefined,
    readonly diagnostics: readonly Diagnostic[] | undefined,
  ) {
    this.#bytes = bytes;
  }

  /** Destination MAC: a 6-byte view of the frame. */
  get dst(): Uint8Array {
    return this.#bytes.subarray(0, 6);
  }

  /** Source MAC: a 6-byte view of the frame. */
  get src(): Uint8Array {
    return this.#bytes.subarray(6, 12);
  }
}

/**
 * Ethernet II, and IEEE 802.3 frames with a length instead of an ethertype (LLC/SNAP carries the
 * ethertype on; plain LLC ends the layer list). VLAN tags are their own layers ({@link vlanDissector}).
 * The MAC addresses and payload are views of the frame.
 */
export const ethernetDissector: PacketDissector<EthernetLayer> = {
  protocol: 'ethernet',
  decode(data, ctx) {
    if (data.length < 14) {
      return failure('ethernet', 'ERR_ETHERNET_TRUNCATED', `Ethernet header needs 14 bytes, ${data.length} captured`, data, ctx);
    }
    const type = (data[12]! << 8) | data[13]!;
    if (type > MAX_8023_LENGTH) return new EthernetHeader(data, ctx.offset, 14, data.subarray(14), type, undefined, undefined);
    const llc = read8023(data.subarray(14), type, ctx.offset + 14);
    if (!llc) return failure('ethernet', 'ERR_LLC_TRUNCATED', 'LLC/SNAP header cut off', data, ctx, 14);
    return new EthernetHeader(data, ctx.offset, 14 + llc.llcLength, llc.payload, llc.etherType, type, llc.diagnostics);
  },
  next(layer, ctx) {
    return layer.etherType === 0 ? undefined : byEtherType(layer.etherType, ctx);
  },
};
