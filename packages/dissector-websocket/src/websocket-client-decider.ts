import type { ClientDecider } from '@netrx/core';

/**
 * Whether `b` starts with a plausible client-to-server WebSocket frame header (RFC 6455 §5.2):
 * a known opcode, RSV2/RSV3 clear (RSV1 only on data frames, for permessage-deflate), the MASK
 * bit set (§5.3: clients mask every frame), a minimally encoded length, and control frames
 * unfragmented and at most 125 bytes (§5.5).
 */
export function looksLikeMaskedWebSocketFrame(b: Uint8Array): boolean {
  if (b.length < 6) return false;
  const b0 = b[0]!;
  const b1 = b[1]!;
  const opcode = b0 & 0x0f;
  if ((b0 & 0x30) !== 0 || (b1 & 0x80) === 0) return false;
  if (opcode > 2 && opcode < 8) return false;
  if (opcode > 10) return false;
  const control = opcode >= 8;
  if (control && ((b0 & 0x80) === 0 || (b0 & 0x40) !== 0)) return false;
  if (opcode === 0 && (b0 & 0x40) !== 0) return false;
  const len7 = b1 & 0x7f;
  if (control && len7 > 125) return false;
  if (len7 === 126) {
    if (b.length < 8) return false;
    return ((b[2]! << 8) | b[3]!) >= 126;
  }
  if (len7 === 127) {
    if (b.length < 14) return false;
    // §5.2: the most significant bit must be 0; a 64-bit length must not fit in 16 bits.
    if (b[2]! & 0x80) return false;
    const hi = ((b[2]! << 24) | (b[3]! << 16) | (b[4]! << 8) | b[5]!) >>> 0;
    const lo = ((b[6]! << 24) | (b[7]! << 16) | (b[8]! << 8) | b[9]!) >>> 0;
    return hi > 0 || lo > 0xffff;
  }
  return true;
}

/** The `tcp.client` entry of WebSocket: the side that sends masked frames is the client (§5.3). */
export const websocketClientDecider: ClientDecider = {
  name: 'ws-mask',
  decide: (b) => (looksLikeMaskedWebSocketFrame(b) ? 'sender' : undefined),
};
