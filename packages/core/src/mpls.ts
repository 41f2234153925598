import type { DissectContext, PacketDissector } from './dissector.js';
import { failure } from './failure.js';
import { byIpVersion, firstAccepting } from './tables.js';
import type { MplsLayer } from './tunnel-layers.js';

/** Ethertypes of MPLS unicast and multicast (RFC 5332). */
export const ETHERTYPE_MPLS = 0x8847;
export const ETHERTYPE_MPLS_MULTICAST = 0x8848;

/** Most label stack entries read; a longer stack is malformed rather than real (RFC 3032 sets no limit). */
export const MAX_MPLS_LABELS = 16;

/**
 * An MPLS label stack (RFC 3032 §2.1): 4-byte entries (label, traffic class, bottom-of-stack
 * bit, TTL) down to the one with the S bit, as one layer. What follows has no type field
 * (§2.2: the bottom label's owner knows it): a decode-as rule on the bottom label
 * (`mpls.label==100,ethernet` for an Ethernet pseudowire, `mpls.label==100,pwethcw` for one with
 * a control word) decides first; then a first nibble of 4 or 6 is IPv4 or IPv6; then the `mpls`
 * heuristics. MPLS names no tunnel: labels change at every hop and differ by direction, so they
 * cannot name the path the same way both ways.
 */
export const mplsDissector: PacketDissector<MplsLayer> = {
  protocol: 'mpls',
  decode(data, ctx) {
    let off = 0;
    for (;;) {
      if (off + 4 > data.length) {
        return failure('mpls', 'ERR_MPLS_TRUNCATED', `MPLS label stack entry ${off >> 2} cut off before the bottom of the stack`, data, ctx, off);
      }
      off += 4;
      if (data[off - 2]! & 1) break;
      if (off >> 2 >= MAX_MPLS_LABELS) {
        return failure('mpls', 'ERR_MPLS_TOO_MANY_LABELS', `more than ${MAX_MPLS_LABELS} MPLS labels without a bottom of stack`, data, ctx, off);
      }
    }
    const labels = new Array<number>(off >> 2);
    for (let i = 0; i < off; i += 4) labels[i >> 2] = (data[i]! << 12) | (data[i + 1]! << 4) | (data[i + 2]! >> 4);
    return { protocol: 'mpls', offset: ctx.offset, headerLength: off, payload: data.subarray(off), labels, stack: data.subarray(0, off) };
  },
  next(layer, ctx) {
    const registry = ctx.registry;
    const bottom = layer.labels[layer.labels.length - 1]!;
    if (registry.hasDecodeAs('mpls.label')) {
      const forced = registry.decodeAs('mpls.label', bottom);
      if (forced) return forced;
    }
    const byTable = registry.table('mpls.label').get(bottom);
    if (byTable) return byTable;
    const ip = byIpVersion(layer.payload, ctx);
    if (ip) return ip;
    return firstAccepting(registry.heuristics('mpls').active, layer.payload, layer.offset + layer.headerLength, ctx);
  },
};

