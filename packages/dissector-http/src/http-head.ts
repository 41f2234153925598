import type { Diagnostic } from '@netrx/core';
import { httpDiagnostic } from './http-codes.js';
import type { HttpHeader } from './types.js';

/** The start line and headers of a request. */
export interface HttpRequestHead {
  readonly kind: 'request';
  readonly method: string;
  readonly target: string;
  readonly version: string;
  readonly headers: readonly HttpHeader[];
}

/** The start line and headers of a response. */
export interface HttpResponseHead {
  readonly kind: 'response';
  readonly status: number;
  readonly reason: string;
  readonly version: string;
  readonly headers: readonly HttpHeader[];
}

/** A parsed head: a request's or a response's. */
export type HttpHead = HttpRequestHead | HttpResponseHead;

/** The result of {@link parseHead}: a head with its warnings, or the diagnostic that stopped it. */
export type ParseHeadResult =
  | { readonly head: HttpHead; readonly warnings: readonly Diagnostic[] }
  | { readonly error: Diagnostic };

const CR = 0x0d;

/**
 * Decodes bytes as ISO-8859-1: lossless, one char per byte. Header fields are octets (RFC 9110
 * §5.5: non-ASCII is `obs-text`, historically Latin-1); `rawHead` keeps the exact bytes.
 */
export function latin1(bytes: Uint8Array, start = 0, end = bytes.length): string {
  // Buffer's native decoder over the same memory: no copy.
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1', start, end);
}

/** `tchar` of RFC 9110 §5.6.2: the characters of a method or header name. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VERSION = /^HTTP\/\d\.\d$/;

/**
 * Splits header lines (`name: value`, one per line, LF or CRLF) into headers. Lines folded with
 * leading whitespace (`obs-fold`, RFC 9112 §5.2) are joined to the previous value with a space;
 * lines without a colon are skipped. Both are reported as warnings, never refused: a passive
 * observer records what the peers exchanged.
 */
export function parseHeaderLines(
  lines: readonly string[],
  baseOffset: number,
  warnings: Diagnostic[],
): HttpHeader[] {
  const headers: HttpHeader[] = [];
  for (const line of lines) {
    if (line === '') continue;
    const c0 = line.charCodeAt(0);
    if ((c0 === 0x20 || c0 === 0x09) && headers.length > 0) {
      const prev = headers[headers.length - 1]!;
      headers[headers.length - 1] = { name: prev.name, value: `${prev.value} ${line.trim()}`.trim() };
      warnings.push(httpDiagnostic('WARN_HTTP_OBS_FOLD', `header "${prev.name}" is folded over lines (obs-fold)`, baseOffset));
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      warnings.push(httpDiagnostic('WARN_HTTP_HEADER_SYNTAX', `header line without a name and colon skipped: ${JSON.stringify(line.slice(0, 40))}`, baseOffset));
      continue;
    }
    const rawName = line.slice(0, colon);
    const name = rawName.trim();
    if (name !== rawName || !TOKEN.test(name)) {
      warnings.push(httpDiagnostic('WARN_HTTP_HEADER_NAME', `header name ${JSON.stringify(rawName)} is not a token`, baseOffset));
    }
    headers.push({ name, value: line.slice(colon + 1).trim() });
  }
  return headers;
}

/** Splits bytes into lines at LF, dropping a CR before it (RFC 9112 §2.2 lets a recipient accept a bare LF). */
export function splitLines(bytes: Uint8Array): string[] {
  const lines = latin1(bytes).split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.charCodeAt(l.length - 1) === CR) lines[i] = l.slice(0, -1);
  }
  return lines;
}

/**
 * Parses a complete head (start line, header lines and the blank line) of the given kind.
 * `offset` is the head's stream offset, for diagnostics. Never throws.
 */
export function parseHead(bytes: Uint8Array, kind: 'request' | 'response', offset: number, maxHeaders: number): ParseHeadResult {
  const lines = splitLines(bytes);
  const start = lines[0] ?? '';
  while (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length - 1 > maxHeaders) {
    return { error: httpDiagnostic('ERR_HTTP_TOO_MANY_HEADERS', `${lines.length - 1} header lines, more than the cap of ${maxHeaders}`, offset) };
  }
  const warnings: Diagnostic[] = [];
  const headers = parseHeaderLines(lines.slice(1), offset, warnings);
  if (kind === 'request') {
    // request-line = method SP request-target SP HTTP-version (RFC 9112 §3)
    const parts = start.split(' ');
    const [method = '', target = '', version = ''] = parts;
    if (parts.length !== 3 || !TOKEN.test(method) || target === '' || !VERSION.test(version)) {
      return { error: httpDiagnostic('ERR_HTTP_REQUEST_LINE', `not an HTTP request line: ${JSON.stringify(start.slice(0, 80))}`, offset) };
    }
    return { head: { kind, method, target, version, headers }, warnings };
  }
  // status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4); the SP before
  // an empty reason is often missing in practice.
  const m = /^(HTTP\/\d\.\d) (\d{3})(?: (.*))?$/.exec(start);
  if (!m) {
    return { error: httpDiagnostic('ERR_HTTP_STATUS_LINE', `not an HTTP status line: ${JSON.stringify(start.slice(0, 80))}`, offset) };
  }
  return { head: { kind, version: m[1]!, status: Number(m[2]), reason: m[3] ?? '', headers }, warnings };
}
