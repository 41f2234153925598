/** WebSocket opcodes (RFC 6455 §5.2). */
export const Opcode = { CONT: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;

/**
 * Encodes one WebSocket frame (RFC 6455 §5.2): FIN, RSV1 (permessage-deflate's "compressed" bit,
 * RFC 7692 §6), opcode, the shortest of the 7/16/64-bit lengths, and, when `maskKey` is given
 * (client to server, §5.3), the key and the payload XORed with it. `payload` is not modified.
 */
export function encodeFrame(opcode: number, fin: boolean, rsv1: boolean, payload: Uint8Array, maskKey?: Uint8Array): Uint8Array {
  const n = payload.length;
  const lenBytes = n < 126 ? 0 : n < 0x10000 ? 2 : 8;
  const head = 2 + lenBytes + (maskKey ? 4 : 0);
  const out = new Uint8Array(head + n);
  out[0] = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode;
  out[1] = (maskKey ? 0x80 : 0) | (lenBytes === 0 ? n : lenBytes === 2 ? 126 : 127);
  if (lenBytes === 2) {
    out[2] = n >> 8;
    out[3] = n & 0xff;
  } else if (lenBytes === 8) {
    // Payloads here stay far below 2^32, so the upper four bytes are zero.
    new DataView(out.buffer).setUint32(6, n);
  }
  if (maskKey) {
    const k = 2 + lenBytes;
    out.set(maskKey, k);
    for (let i = 0; i < n; i++) out[head + i] = payload[i]! ^ maskKey[i & 3]!;
  } else {
    out.set(payload, head);
  }
  return out;
}
