import type { ClientDecider } from '@netrx/core';

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

/** The `tcp.client` entry of HTTP: a request line is the client's, a status line the server's. */
export const httpClientDecider: ClientDecider = {
  name: 'http',
  decide: (b) => (looksLikeHttpRequest(b) ? 'sender' : looksLikeHttpResponse(b) ? 'receiver' : undefined),
};
