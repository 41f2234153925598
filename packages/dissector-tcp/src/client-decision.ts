/**
 * Shape checks on a connection's first payload, used to decide which side is the client when no
 * SYN was seen. They look at a few bytes only and never throw.
 */

/** HTTP methods are tokens (RFC 9110 §9.1); registered ones are upper case, and so are PRI (h2c). */
const MAX_METHOD = 20;

/**
 * Whether `b` starts like an HTTP/1.x request line (RFC 9112 §3): an upper-case method token, a
 * space, then a request target (`/`, `*`, or an absolute or authority form).
 */
export function looksLikeHttpRequest(b: Uint8Array): boolean {
  let i = 0;
  while (i < b.length && i <= MAX_METHOD) {
    const c = b[i]!;
    if (c >= 0x41 && c <= 0x5a) i++;
    else if (c === 0x2d || c === 0x5f) i++; // '-' '_' occur in extension methods (M-SEARCH)
    else break;
  }
  if (i < 3 || i > MAX_METHOD || i + 1 >= b.length || b[i] !== 0x20) return false;
  const t = b[i + 1]!;
  // '/' origin form, '*' asterisk form, a letter or digit for absolute or authority form.
  return t === 0x2f || t === 0x2a || (t >= 0x30 && t <= 0x39) || (t >= 0x41 && t <= 0x5a) || (t >= 0x61 && t <= 0x7a);
}

const HTTP1 = [0x48, 0x54, 0x54, 0x50, 0x2f, 0x31, 0x2e]; // "HTTP/1."

/** Whether `b` starts like an HTTP/1.x status line (RFC 9112 §4): `HTTP/1.x NNN`. */
export function looksLikeHttpResponse(b: Uint8Array): boolean {
  if (b.length < 12) return false;
  for (let i = 0; i < HTTP1.length; i++) if (b[i] !== HTTP1[i]) return false;
  if (b[8] !== 0x20) return false;
  for (let i = 9; i < 12; i++) if (b[i]! < 0x30 || b[i]! > 0x39) return false;
  return true;
}

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
