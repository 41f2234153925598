import type { Diagnostic } from './diagnostic.js';
import type { PacketDissector } from './dissector.js';
import { diagnostic, failure } from './failure.js';
import { pppDissector } from './ppp.js';
import type { PppoeLayer } from './tunnel-layers.js';
import { NumberTexts } from './tunnel-identity.js';

/** Ethertype of the PPPoE session stage (RFC 2516 §4; discovery, 0x8863, is not decoded). */
export const ETHERTYPE_PPPOE_SESSION = 0x8864;

const names = new NumberTexts((id) => `pppoe session ${id}`);

/**
 * A PPPoE session-stage header (RFC 2516 §4): version and type (both 1), code (0 in a session),
 * session ID and the length of the PPP payload, which bounds it (link padding cut; less captured
 * decodes what is there, with `WARN_PPPOE_TRUNCATED`). A PPP frame without address and control
 * bytes follows. The tunnel is the session ID, which both directions share.
 */
export const pppoeDissector: PacketDissector<PppoeLayer> = {
  protocol: 'pppoe',
  decode(data, ctx) {
    if (data.length < 6) return failure('pppoe', 'ERR_PPPOE_TRUNCATED', `PPPoE header needs 6 bytes, ${data.length} captured`, data, ctx);
    if (data[0] !== 0x11) {
      return failure('pppoe', 'ERR_PPPOE_BAD_VERSION', `PPPoE version ${data[0]! >> 4} type ${data[0]! & 15} (both must be 1)`, data, ctx);
    }
    const length = (data[4]! << 8) | data[5]!;
    let end = 6 + length;
    let diags: Diagnostic[] | undefined;
    if (end > data.length) {
      diags = [diagnostic('WARN_PPPOE_TRUNCATED', `PPPoE length ${length}, ${data.length - 6} bytes captured`, ctx.offset + 4)];
      end = data.length;
    }
    return {
      protocol: 'pppoe',
      offset: ctx.offset,
      headerLength: 6,
      payload: data.subarray(6, end),
      code: data[1]!,
      sessionId: (data[2]! << 8) | data[3]!,
      length,
      diagnostics: diags,
    };
  },
  next(layer) {
    return layer.payload.length > 0 ? pppDissector : undefined;
  },
  tunnel(layer) {
    return names.get(layer.sessionId);
  },
};
