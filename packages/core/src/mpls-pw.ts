import type { PacketDissector } from './dissector.js';
import { failure } from './failure.js';
import { byEtherType, ETHERTYPE_TEB } from './tables.js';
import type { PwControlWordLayer } from './tunnel-layers.js';

/**
 * An Ethernet pseudowire's control word (RFC 4448 §4.6 over RFC 4385 §3: first nibble 0, flags,
 * fragment bits, a length, a sequence number), then the Ethernet frame. After an MPLS label
 * stack nothing says whether a control word is there, so this is in the `mpls` heuristic list
 * switched off, and named by decode-as rules: `mpls.label==100,pwethcw`.
 */
export const pwEthCwDissector: PacketDissector<PwControlWordLayer> = {
  protocol: 'pwethcw',
  decode(data, ctx) {
    if (data.length < 4) return failure('pwethcw', 'ERR_PW_TRUNCATED', `pseudowire control word needs 4 bytes, ${data.length} captured`, data, ctx);
    if (data[0]! >> 4 !== 0) {
      return failure('pwethcw', 'ERR_PW_BAD_CONTROL_WORD', `pseudowire control word starts with nibble ${data[0]! >> 4}, not 0`, data, ctx);
    }
    // RFC 4385 §3: a packet (control word included) shorter than 64 bytes carries its length,
    // so link padding can be cut; longer ones say 0.
    const length = data[1]! & 0x3f;
    const end = length >= 4 && length <= data.length ? length : data.length;
    return {
      protocol: 'pwethcw',
      offset: ctx.offset,
      headerLength: 4,
      payload: data.subarray(4, end),
      flags: data[0]! & 0x0f,
      length,
      sequence: (data[2]! << 8) | data[3]!,
    };
  },
  next(_layer, ctx) {
    return byEtherType(ETHERTYPE_TEB, ctx);
  },
};
