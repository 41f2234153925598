import type { PacketDissector } from './dissector.js';
import { failure } from './failure.js';
import { MAX_8023_LENGTH, read8023 } from './ieee8023.js';
import type { VlanLayer } from './layers.js';
import { byEtherType } from './tables.js';

/** The TPIDs that introduce a VLAN tag: 802.1Q, 802.1ad (QinQ service tag), and the older 0x9100. */
export const VLAN_TPIDS = [0x8100, 0x88a8, 0x9100] as const;

/**
 * One 802.1Q / 802.1ad tag (4 bytes: PCP, DEI, VID, then the inner type). Registered in the
 * `ethertype` table under each TPID, so stacked tags (QinQ) decode as one layer each, outermost
 * first. The TPID is read from the two bytes before the tag.
 */
export const vlanDissector: PacketDissector<VlanLayer> = {
  protocol: 'vlan',
  decode(data, ctx) {
    if (data.length < 4) {
      return failure('vlan', 'ERR_VLAN_TRUNCATED', `802.1Q tag needs 4 bytes, ${data.length} captured`, data, ctx);
    }
    // The TPID sits just before this view in the frame (the previous layer's type field).
    const f = ctx.frame.data;
    const tpid =
      data.buffer === f.buffer && ctx.offset >= 2 && ctx.offset <= f.length ? (f[ctx.offset - 2]! << 8) | f[ctx.offset - 1]! : 0x8100;
    const tci = (data[0]! << 8) | data[1]!;
    const type = (data[2]! << 8) | data[3]!;
    const pcp = tci >> 13;
    const dei = (tci & 0x1000) !== 0;
    const vid = tci & 0x0fff;
    if (type > MAX_8023_LENGTH) {
      return { protocol: 'vlan', offset: ctx.offset, headerLength: 4, payload: data.subarray(4), tpid, pcp, dei, vid, etherType: type };
    }
    const llc = read8023(data.subarray(4), type, ctx.offset + 4);
    if (!llc) return failure('vlan', 'ERR_LLC_TRUNCATED', 'LLC/SNAP header cut off', data, ctx, 4);
    return {
      protocol: 'vlan',
      offset: ctx.offset,
      headerLength: 4 + llc.llcLength,
      payload: llc.payload,
      tpid,
      pcp,
      dei,
      vid,
      etherType: llc.etherType,
      ...(llc.diagnostics && { diagnostics: llc.diagnostics }),
    };
  },
  next(layer, ctx) {
    return layer.etherType === 0 ? undefined : byEtherType(layer.etherType, ctx);
  },
};
