import type { PacketDissector } from './dissector.js';
import { failure } from './failure.js';
import type { PppLayer } from './tunnel-layers.js';

/** Ethertype of PPP (GRE version 1, PPTP, carries it under this protocol type). */
export const ETHERTYPE_PPP = 0x880b;

/**
 * PPP (RFC 1661 §2): the protocol field, one byte when compressed (RFC 1661 §6.5: an odd first
 * byte ends the field), after the HDLC-like address and control bytes 0xff 0x03 when they are
 * there (RFC 1662 §3; PPTP keeps them, PPPoE drops them). The payload goes through the
 * `ppp.proto` table (0x0021 IPv4, 0x0057 IPv6, 0x0281 MPLS).
 */
export const pppDissector: PacketDissector<PppLayer> = {
  protocol: 'ppp',
  decode(data, ctx) {
    let off = data.length >= 2 && data[0] === 0xff && data[1] === 0x03 ? 2 : 0;
    if (off >= data.length) return failure('ppp', 'ERR_PPP_TRUNCATED', 'PPP protocol field cut off', data, ctx, off);
    let pppProtocol = data[off]!;
    if ((pppProtocol & 1) === 0) {
      if (off + 2 > data.length) return failure('ppp', 'ERR_PPP_TRUNCATED', 'PPP protocol field cut off', data, ctx, off);
      pppProtocol = (pppProtocol << 8) | data[off + 1]!;
      off += 2;
    } else off += 1;
    return { protocol: 'ppp', offset: ctx.offset, headerLength: off, payload: data.subarray(off), pppProtocol };
  },
  next(layer, ctx) {
    return ctx.registry.table('ppp.proto').get(layer.pppProtocol);
  },
};
