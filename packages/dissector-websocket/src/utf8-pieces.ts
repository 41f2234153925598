import { isUtf8 } from 'node:buffer';
import { utf8Text } from './bytes.js';

/** Whether `b` is a UTF-8 continuation byte (10xxxxxx). */
function isContinuation(b: number): boolean {
  return (b & 0xc0) === 0x80;
}

/**
 * The first offset at or after `at` where `bytes` may be cut so that decoding the two sides
 * apart gives the same text as decoding them together: a byte that is not a continuation byte
 * ends whatever sequence came before it, valid or not (the decoder replaces a maximal invalid
 * subpart with one U+FFFD and reads that byte afresh, WHATWG Encoding §4.1), and no sequence is
 * longer than 4 bytes, so after 3 continuation bytes in a row any sequence before them is over.
 */
export function utf8CutAt(bytes: Uint8Array, at: number): number {
  const n = bytes.length;
  if (at >= n) return n;
  for (let i = at; i < at + 3 && i < n; i++) if (!isContinuation(bytes[i]!)) return i;
  return Math.min(n, at + 3);
}

/**
 * Calls `each` with the text of `bytes` (decoded as UTF-8, invalid sequences as U+FFFD, as
 * {@link utf8Text}) in pieces of about `size` bytes each, cut where the pieces decode to exactly
 * the whole's text: a large payload is never one string.
 */
export function forEachUtf8Piece(bytes: Uint8Array, size: number, each: (text: string) => void): void {
  let o = 0;
  while (o < bytes.length) {
    const end = utf8CutAt(bytes, o + size);
    each(utf8Text(bytes.subarray(o, end)));
    o = end;
  }
}

/**
 * The length in UTF-16 code units (`string.length`) of `bytes` decoded as UTF-8, without decoding
 * them: valid UTF-8 has one unit per sequence and two for a 4-byte one; otherwise counted piece by
 * piece.
 */
export function utf8TextLength(bytes: Uint8Array): number {
  if (isUtf8(bytes)) {
    let units = 0;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (!isContinuation(b)) units += b >= 0xf0 ? 2 : 1;
    }
    return units;
  }
  let units = 0;
  forEachUtf8Piece(bytes, 64 * 1024, (t) => (units += t.length));
  return units;
}

/**
 * A bounded preview of `bytes` as UTF-8 text: `text` holds at least the first `units` UTF-16 code
 * units of the decoded whole (all of it when it is that short), `length` is the whole's length.
 * Decodes only a prefix: what a one-line view of a 63 MiB message needs is a few hundred bytes.
 *
 * @example
 * ```ts
 * utf8TextPreview(new TextEncoder().encode('hello world'), 5); // { text: 'hello world', length: 11 } (short: whole)
 * ```
 */
export function utf8TextPreview(bytes: Uint8Array, units: number): { readonly text: string; readonly length: number } {
  // Each byte makes at most one code unit, and 3 bytes at least one (a 4-byte sequence makes 2).
  const prefixEnd = utf8CutAt(bytes, (units + 1) * 3);
  if (prefixEnd >= bytes.length) {
    const text = utf8Text(bytes);
    return { text, length: text.length };
  }
  return { text: utf8Text(bytes.subarray(0, prefixEnd)), length: utf8TextLength(bytes) };
}
