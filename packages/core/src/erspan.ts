import type { DissectContext, PacketDissector } from './dissector.js';
import { failure } from './failure.js';
import type { Layer } from './layer.js';
import { byEtherType, byIpVersion, ETHERTYPE_TEB } from './tables.js';
import type { ErspanLayer } from './tunnel-layers.js';
import { NumberTexts } from './tunnel-identity.js';

/** GRE protocol type of ERSPAN types I and II. */
export const ETHERTYPE_ERSPAN = 0x88be;
/** GRE protocol type of ERSPAN type III. */
export const ETHERTYPE_ERSPAN3 = 0x22eb;

const names = new NumberTexts((id) => `erspan session ${id}`);

/**
 * ERSPAN types I and II (GRE protocol type 0x88be; draft-foschiano-erspan §4.1–4.2). Type I has
 * no header of its own: the mirrored Ethernet frame follows the GRE header, which then carries
 * no sequence number; type II's GRE header has one, and an 8-byte header (version 1, VLAN, COS,
 * T, session ID, index) comes first. The GRE layer outside tells them apart, as Wireshark does;
 * without it, a version nibble of 1 means type II. The tunnel is the session ID.
 */
export const erspanDissector: PacketDissector<ErspanLayer> = {
  protocol: 'erspan',
  decode(data, ctx) {
    if (isTypeOne(data, ctx)) return { protocol: 'erspan', offset: ctx.offset, headerLength: 0, payload: data, type: 1 };
    if (data.length < 8) return failure('erspan', 'ERR_ERSPAN_TRUNCATED', `ERSPAN type II header needs 8 bytes, ${data.length} captured`, data, ctx);
    const version = data[0]! >> 4;
    if (version !== 1) return failure('erspan', 'ERR_ERSPAN_BAD_VERSION', `ERSPAN version ${version} after a GRE header with a sequence number (type II is version 1)`, data, ctx);
    return {
      protocol: 'erspan',
      offset: ctx.offset,
      headerLength: 8,
      payload: data.subarray(8),
      type: 2,
      vlan: ((data[0]! & 0x0f) << 8) | data[1]!,
      cos: data[2]! >> 5,
      truncated: (data[2]! & 0x04) !== 0,
      sessionId: ((data[2]! & 0x03) << 8) | data[3]!,
      index: ((data[5]! & 0x0f) << 16) | (data[6]! << 8) | data[7]!,
    };
  },
  next(_layer, ctx) {
    return byEtherType(ETHERTYPE_TEB, ctx);
  },
  tunnel(layer) {
    return layer.sessionId === undefined ? undefined : names.get(layer.sessionId);
  },
};

/**
 * ERSPAN type III (GRE protocol type 0x22eb; draft-foschiano-erspan §4.3): a 12-byte header
 * (version 2, VLAN, COS, BSO, T, session ID, timestamp, SGT, P, frame type, hardware ID, D,
 * granularity, O) and, when O is set, an 8-byte platform-specific subheader. Frame type 0 is an
 * Ethernet frame, 2 an IP packet; others end the layer list. The tunnel is the session ID.
 */
export const erspan3Dissector: PacketDissector<ErspanLayer> = {
  protocol: 'erspan',
  decode(data, ctx) {
    if (data.length < 12) return failure('erspan', 'ERR_ERSPAN_TRUNCATED', `ERSPAN type III header needs 12 bytes, ${data.length} captured`, data, ctx);
    const version = data[0]! >> 4;
    if (version !== 2) return failure('erspan', 'ERR_ERSPAN_BAD_VERSION', `ERSPAN version ${version} under protocol type 0x22eb (type III is version 2)`, data, ctx);
    const headerLength = data[11]! & 1 ? 20 : 12;
    if (headerLength > data.length) {
      return failure('erspan', 'ERR_ERSPAN_TRUNCATED', `ERSPAN type III platform subheader needs ${headerLength} bytes, ${data.length} captured`, data, ctx, 12);
    }
    return {
      protocol: 'erspan',
      offset: ctx.offset,
      headerLength,
      payload: data.subarray(headerLength),
      type: 3,
      vlan: ((data[0]! & 0x0f) << 8) | data[1]!,
      cos: data[2]! >> 5,
      truncated: (data[2]! & 0x04) !== 0,
      sessionId: ((data[2]! & 0x03) << 8) | data[3]!,
      timestamp: ((data[4]! << 24) | (data[5]! << 16) | (data[6]! << 8) | data[7]!) >>> 0,
      frameType: (data[10]! >> 2) & 0x1f,
    };
  },
  next(layer, ctx) {
    if (layer.frameType === 0) return byEtherType(ETHERTYPE_TEB, ctx);
    return layer.frameType === 2 ? byIpVersion(layer.payload, ctx) : undefined;
  },
  tunnel(layer) {
    return layer.sessionId === undefined ? undefined : names.get(layer.sessionId);
  },
};

/** Type I: the GRE header outside carries no sequence number (or, alone, no version-1 header follows). */
function isTypeOne(data: Uint8Array, ctx: DissectContext): boolean {
  const outer: Layer | undefined = ctx.layers !== undefined && ctx.depth !== undefined && ctx.depth > 0 ? ctx.layers[ctx.depth - 1] : undefined;
  if (outer?.protocol === 'gre') return outer.sequence === undefined;
  return data.length === 0 || data[0]! >> 4 !== 1;
}
