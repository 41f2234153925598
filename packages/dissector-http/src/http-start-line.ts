import type { ClientDecider, ProbeResult } from '@netrx/core';

/**
 * Recognising an HTTP/1.x start line in the first bytes of a stream, for two users that want
 * different answers from the same walk over the bytes:
 *
 * - the dissector's heuristic ({@link probeStartLine}): claims a connection, so it is strict — a
 *   known method and the whole line up to the version, and says when it needs more bytes;
 * - the shape checks ({@link looksLikeHttpRequest}, {@link looksLikeHttpResponse}): only say who
 *   the client is, so any method-shaped token will do and the first byte of the target is enough.
 *
 * Both look only at the bytes given and never throw.
 */

/**
 * Methods the heuristic recognises: RFC 9110 §9 and the WebDAV/CalDAV ones seen on real networks.
 * The parser itself accepts any token as a method; only detection is limited to known ones, so
 * that random text does not look like HTTP.
 */
const KNOWN_METHODS: readonly string[] = [
  'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH',
  'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'REPORT', 'SEARCH', 'MKCALENDAR',
];
const METHOD_BYTES = KNOWN_METHODS.map((m) => Uint8Array.from(m, (c) => c.charCodeAt(0)));
const HTTP1 = Uint8Array.from('HTTP/1.', (c) => c.charCodeAt(0));
const SP = 0x20;
const CR = 0x0d;
const LF = 0x0a;
/** Longest method token the shape check accepts: registered methods are far shorter. */
const MAX_METHOD = 20;
/** Fewest method characters the shape check accepts (GET, PUT). */
const MIN_METHOD = 3;

/** What a walk over a start line requires. */
interface Rules {
  /** Any upper-case token as the method (extension methods: M-SEARCH, PRI), or a known method only. */
  readonly anyMethod: boolean;
  /** Through `HTTP/1.` after the target and the byte after the status code, or stop at the target's first byte and the status code. */
  readonly wholeLine: boolean;
}

/** The dissector's heuristic: known methods, the whole line. */
const STRICT: Rules = { anyMethod: false, wholeLine: true };
/** Who is the client: any method token, the line's first bytes. */
const SHAPE: Rules = { anyMethod: true, wholeLine: false };

const isDigit = (b: number): boolean => b >= 0x30 && b <= 0x39;
/** HTTP methods are tokens (RFC 9110 §9.1); registered ones are upper case, and `-` `_` occur in extension methods. */
const isMethodChar = (b: number): boolean => (b >= 0x41 && b <= 0x5a) || b === 0x2d || b === 0x5f;
/** The first byte of a request target's four forms (RFC 9112 §3.2): `/` origin, `*` asterisk, a letter or digit for absolute and authority. */
const startsTarget = (b: number): boolean => b === 0x2f || b === 0x2a || isDigit(b) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);

/** Whether `bytes` from `at` agree with `lit` as far as both go: 1 all of lit, 0 bytes ran out, -1 differ. */
function prefix(bytes: Uint8Array, at: number, lit: Uint8Array): 1 | 0 | -1 {
  for (let i = 0; i < lit.length; i++) {
    const b = bytes[at + i];
    if (b === undefined) return 0;
    if (b !== lit[i]) return -1;
  }
  return 1;
}

/** Whether the method token `bytes[at, end)` is a known method (`whole`) or the start of one. */
function knownMethod(bytes: Uint8Array, at: number, end: number, whole: boolean): boolean {
  const n = end - at;
  for (const m of METHOD_BYTES) {
    if (whole ? m.length !== n : m.length < n) continue;
    let i = 0;
    while (i < n && bytes[at + i] === m[i]) i++;
    if (i === n) return true;
  }
  return false;
}

/** `method SP target [SP HTTP/1.]` at `at` (RFC 9112 §3). */
function requestLine(bytes: Uint8Array, at: number, rules: Rules): ProbeResult {
  let i = at;
  while (i < bytes.length && i - at <= MAX_METHOD && isMethodChar(bytes[i]!)) i++;
  const method = i - at;
  if (method > MAX_METHOD) return 'reject';
  if (i >= bytes.length) {
    // The token may go on: only a method it could still become is worth more bytes.
    return rules.anyMethod || knownMethod(bytes, at, i, false) ? 'need-more' : 'reject';
  }
  if (rules.anyMethod ? method < MIN_METHOD : !knownMethod(bytes, at, i, true)) return 'reject';
  if (bytes[i] !== SP) return 'reject';
  i++;
  if (i >= bytes.length) return 'need-more';
  if (!rules.wholeLine) return startsTarget(bytes[i]!) ? 'match' : 'reject';
  // request-target: visible characters up to the next SP (RFC 9112 §3.2).
  const targetStart = i;
  while (i < bytes.length && bytes[i]! > SP && bytes[i]! < 0x7f) i++;
  if (i >= bytes.length) return 'need-more';
  if (i === targetStart || bytes[i] !== SP) return 'reject';
  const v = prefix(bytes, i + 1, HTTP1);
  return v > 0 ? 'match' : v === 0 ? 'need-more' : 'reject';
}

/** `HTTP/1.DIGIT SP 3DIGIT` at `at`, then `SP | CR | LF` for the whole line (RFC 9112 §4). */
function statusLine(bytes: Uint8Array, at: number, rules: Rules): ProbeResult {
  const p = prefix(bytes, at, HTTP1);
  if (p < 0) return 'reject';
  if (p === 0) return 'need-more';
  const end = rules.wholeLine ? 6 : 5;
  for (let k = 0; k < end; k++) {
    const b = bytes[at + HTTP1.length + k];
    if (b === undefined) return 'need-more';
    const ok = k === 1 ? b === SP : k === 5 ? b === SP || b === CR || b === LF : isDigit(b);
    if (!ok) return 'reject';
  }
  return 'match';
}

/**
 * Whether `bytes` begin with an HTTP/1.x request line (a known method) or status line, or only
 * the one of `kind`. Empty lines before it are allowed (RFC 9112 §2.2). Looks only at `bytes`;
 * never throws.
 *
 * @example
 * ```ts
 * const ascii = (s: string) => new TextEncoder().encode(s);
 * probeStartLine(ascii('GET / HTTP/1.1\r\n'));              // 'match'
 * probeStartLine(ascii('GET / HTTP/1.1\r\n'), 'response');  // 'reject'
 * probeStartLine(ascii('GET /ind'));                        // 'need-more'
 * probeStartLine(ascii('SSH-2.0-OpenSSH'));                 // 'reject'
 * ```
 */
export function probeStartLine(bytes: Uint8Array, kind?: 'request' | 'response'): ProbeResult {
  let at = 0;
  while (at < bytes.length && at < 4 && (bytes[at] === CR || bytes[at] === LF)) at++;
  if (at >= bytes.length) return 'need-more';
  const r = kind === 'response' ? 'reject' : requestLine(bytes, at, STRICT);
  if (r === 'match') return r;
  const s = kind === 'request' ? 'reject' : statusLine(bytes, at, STRICT);
  if (s === 'match') return s;
  return r === 'need-more' || s === 'need-more' ? 'need-more' : 'reject';
}

/**
 * Whether `b` starts like an HTTP/1.x request line (RFC 9112 §3): an upper-case method token of
 * 3 to 20 characters (any, not only known ones: `M-SEARCH`, `PRI`), a space, then the first byte
 * of a request target (`/`, `*`, or a letter or digit for the absolute and authority forms).
 *
 * @example
 * ```ts
 * looksLikeHttpRequest(new TextEncoder().encode('M-SEARCH * HTTP/1.1\r\n')); // true
 * ```
 */
export function looksLikeHttpRequest(b: Uint8Array): boolean {
  return requestLine(b, 0, SHAPE) === 'match';
}

/**
 * Whether `b` starts like an HTTP/1.x status line (RFC 9112 §4): `HTTP/1.x NNN`.
 *
 * @example
 * ```ts
 * looksLikeHttpResponse(new TextEncoder().encode('HTTP/1.1 101 Switching Protocols')); // true
 * ```
 */
export function looksLikeHttpResponse(b: Uint8Array): boolean {
  return statusLine(b, 0, SHAPE) === 'match';
}

/** The `tcp.client` entry of HTTP: a request line is the client's, a status line the server's. */
export const httpClientDecider: ClientDecider = {
  name: 'http',
  decide: (b) => (looksLikeHttpRequest(b) ? 'sender' : looksLikeHttpResponse(b) ? 'receiver' : undefined),
};
