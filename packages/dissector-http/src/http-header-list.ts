import type { HttpHeader } from './types.js';

const COMMA = 0x2c;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const SP = 0x20;
const HTAB = 0x09;

/**
 * Splits a header value with list syntax (RFC 9110 §5.6.1: `#element`) into its elements:
 * separated by commas, optional whitespace (SP, HTAB) around each trimmed, empty elements
 * ignored ("a recipient MUST accept empty elements"), and a comma inside a quoted-string
 * (§5.6.4, with its `\` escapes) not a separator. Elements are returned as written: case kept,
 * quotes and parameters left in place. Never throws; an unclosed quote runs to the end.
 *
 * @example
 * ```ts
 * splitHeaderList('keep-alive, Upgrade');            // ['keep-alive', 'Upgrade']
 * splitHeaderList(' , gzip ,, chunked');              // ['gzip', 'chunked']
 * splitHeaderList('a;p="x, y", b');                   // ['a;p="x, y"', 'b']
 * ```
 */
export function splitHeaderList(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  const n = value.length;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? value.charCodeAt(i) : COMMA;
    if (quoted) {
      if (c === BACKSLASH) i++; // quoted-pair: the next character is literal
      else if (c === DQUOTE) quoted = false;
      if (i < n) continue;
      // An unclosed quote: the element runs to the end.
    } else if (c === DQUOTE) {
      quoted = true;
      continue;
    } else if (c !== COMMA) continue;
    let s = start;
    let e = Math.min(i, n);
    while (s < e && isOws(value.charCodeAt(s))) s++;
    while (e > s && isOws(value.charCodeAt(e - 1))) e--;
    if (e > s) out.push(value.slice(s, e));
    start = i + 1;
  }
  return out;
}

function isOws(c: number): boolean {
  return c === SP || c === HTAB;
}

/**
 * The list elements of every header named `name` (lower case), in order and lower-cased: a list
 * header may be sent as several lines, and they form one list (RFC 9110 §5.3).
 */
export function headerListValues(headers: readonly HttpHeader[], name: string): string[] {
  const out: string[] = [];
  for (const h of headers) {
    if (h.name.toLowerCase() !== name) continue;
    for (const v of splitHeaderList(h.value)) out.push(v.toLowerCase());
  }
  return out;
}
