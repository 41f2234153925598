import type { ProbeResult } from '@netrx/core';

/**
 * Methods the heuristic recognises: RFC 9110 §9 and the WebDAV/CalDAV ones seen on real networks.
 * The parser itself accepts any token as a method; only detection is limited to known ones, so
 * that random text does not look like HTTP.
 */
export const KNOWN_METHODS: readonly string[] = [
  'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH',
  'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'REPORT', 'SEARCH', 'MKCALENDAR',
];

const METHOD_BYTES = KNOWN_METHODS.map((m) => Uint8Array.from(m, (c) => c.charCodeAt(0)));
const HTTP1 = Uint8Array.from('HTTP/1.', (c) => c.charCodeAt(0));
const SP = 0x20;
const CR = 0x0d;
const LF = 0x0a;

/** Whether `bytes` from `at` agree with `lit` as far as both go: 1 all of lit, 0 bytes ran out, -1 differ. */
function prefix(bytes: Uint8Array, at: number, lit: Uint8Array): 1 | 0 | -1 {
  for (let i = 0; i < lit.length; i++) {
    const b = bytes[at + i];
    if (b === undefined) return 0;
    if (b !== lit[i]) return -1;
  }
  return 1;
}

const isDigit = (b: number | undefined): boolean => b !== undefined && b >= 0x30 && b <= 0x39;

/** `HTTP/1.x SP 3DIGIT (SP | CR | LF)` at `at`. */
function statusLine(bytes: Uint8Array, at: number): ProbeResult {
  const p = prefix(bytes, at, HTTP1);
  if (p < 0) return 'reject';
  if (p === 0) return 'need-more';
  const rest = [isDigit, (b: number | undefined) => b === SP, isDigit, isDigit, isDigit, (b: number | undefined) => b === SP || b === CR || b === LF];
  for (let i = 0; i < rest.length; i++) {
    const b = bytes[at + HTTP1.length + i];
    if (b === undefined) return 'need-more';
    if (!rest[i]!(b)) return 'reject';
  }
  return 'match';
}

/** `METHOD SP target SP HTTP/1.` at `at`, for a known method. */
function requestLine(bytes: Uint8Array, at: number): ProbeResult {
  let needMore = false;
  for (const m of METHOD_BYTES) {
    const p = prefix(bytes, at, m);
    if (p === 0) {
      needMore = true;
      continue;
    }
    if (p < 0) continue;
    let i = at + m.length;
    if (i >= bytes.length) {
      needMore = true;
      continue;
    }
    if (bytes[i] !== SP) continue;
    i++;
    const targetStart = i;
    // request-target: visible characters up to the next SP (RFC 9112 §3.2).
    while (i < bytes.length && bytes[i]! > SP && bytes[i]! < 0x7f) i++;
    if (i >= bytes.length) {
      needMore = true;
      continue;
    }
    if (i === targetStart || bytes[i] !== SP) continue;
    const v = prefix(bytes, i + 1, HTTP1);
    if (v > 0) return 'match';
    if (v === 0) needMore = true;
  }
  return needMore ? 'need-more' : 'reject';
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
  const r = kind === 'response' ? 'reject' : requestLine(bytes, at);
  if (r === 'match') return r;
  const s = kind === 'request' ? 'reject' : statusLine(bytes, at);
  if (s === 'match') return s;
  return r === 'need-more' || s === 'need-more' ? 'need-more' : 'reject';
}
