import type { PacketDissector } from './dissector.js';
import { failure } from './failure.js';
import { MAX_8023_LENGTH, read8023 } from './ieee8023.js';
import type { EthernetLayer } from './layers.js';
import { byEtherType } from './tables.js';

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
    if (type > MAX_8023_LENGTH) {
      return {
        protocol: 'ethernet',
        offset: ctx.offset,
        headerLength: 14,
        payload: data.subarray(14),
        dst: data.subarray(0, 6),
        src: data.subarray(6, 12),
        etherType: type,
      };
    }
    const llc = read8023(data.subarray(14), type, ctx.offset + 14);
    if (!llc) return failure('ethernet', 'ERR_LLC_TRUNCATED', 'LLC/SNAP header cut off', data, ctx, 14);
    return {
      protocol: 'ethernet',
      offset: ctx.offset,
      headerLength: 14 + llc.llcLength,
      payload: llc.payload,
      dst: data.subarray(0, 6),
      src: data.subarray(6, 12),
      etherType: llc.etherType,
      length8023: type,
      ...(llc.diagnostics && { diagnostics: llc.diagnostics }),
    };
  },
  next(layer, ctx) {
    return layer.etherType === 0 ? undefined : byEtherType(layer.etherType, ctx);
  },
};
