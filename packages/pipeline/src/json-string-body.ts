/** Input bytes a caller escapes per capacity check: at most 6 output bytes each (`\u001f`). */
export const JSON_ESCAPE_BLOCK = 16 * 1024;
/** Runs at least this long are copied natively (`set`), shorter ones byte by byte. */
const NATIVE_COPY_MIN = 48;
/** A run of one escaped byte at least this long is written by doubling copies (a 63 MiB message of NULs). */
const FILL_RUN_MIN = 16;

/**
 * What JSON.stringify writes for each byte below 0x80 that needs escaping (ECMA-262
 * `QuoteJSONString`: the short escapes, else `\u00xx` in lower case), empty for the rest.
 */
const JSON_ESCAPES: readonly Uint8Array[] = Array.from({ length: 256 }, (_, b) =>
  b < 0x20 || b === 0x22 || b === 0x5c ? Buffer.from(JSON.stringify(String.fromCharCode(b)).slice(1, -1), 'latin1') : new Uint8Array(0),
);
/** 1 where a byte needs escaping inside a JSON string. */
const NEEDS_ESCAPE = Uint8Array.from(JSON_ESCAPES, (e) => (e.length > 0 ? 1 : 0));

/**
 * Whether none of the 4 bytes of `x` needs escaping in a JSON string: no byte below 0x20, no `"`
 * (0x22), no `\` (0x5c). The bit tricks of "Bit Twiddling Hacks" (hasless, haszero): exact for
 * whether any byte matches, which is all that is asked.
 */
function isCleanWord(x: number): boolean {
  const q = x ^ 0x22222222;
  const s = x ^ 0x5c5c5c5c;
  return ((((x - 0x20202020) & ~x) | ((q - 0x01010101) & ~q) | ((s - 0x01010101) & ~s)) & 0x80808080) === 0;
}

/**
 * Writes `utf8[start, end)` — valid UTF-8 — into `buf` at `pos` as the inside of a JSON string,
 * escaped exactly as `JSON.stringify` escapes the text it encodes: `"`, `\` and control
 * characters; everything else is copied (valid UTF-8 holds no lone surrogates, the only other
 * thing JSON.stringify escapes). `buf` must have `(end - start) * 6` bytes of room from `pos`
 * (callers go {@link JSON_ESCAPE_BLOCK} bytes at a time). Returns the position after what it wrote.
 *
 * @example
 * ```ts
 * const out = new Uint8Array(6 * 5);
 * const end = writeJsonStringBody(out, 0, Buffer.from('a"b\n'), 0, 4);
 * Buffer.from(out.subarray(0, end)).toString(); // 'a\\"b\\n'
 * ```
 */
export function writeJsonStringBody(buf: Uint8Array, pos: number, utf8: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const b = utf8[i]!;
    if (NEEDS_ESCAPE[b] !== 0) {
      // `"` and `\`, many in text that is JSON itself: a backslash before them, nothing to look up.
      if (b === 0x22 || b === 0x5c) {
        buf[pos] = 0x5c;
        buf[pos + 1] = b;
        pos += 2;
        i++;
        continue;
      }
      const e = JSON_ESCAPES[b]!;
      for (let k = 0; k < e.length; k++) buf[pos + k] = e[k]!;
      // A run of one byte that needs escaping (NULs, as a deflate bomb inflates to): the first
      // escape copied onto what follows it, doubling.
      let r = i + 1;
      while (r < end && utf8[r] === b) r++;
      const total = r - i >= FILL_RUN_MIN ? (r - i) * e.length : e.length;
      for (let done = e.length; done < total; done *= 2) buf.copyWithin(pos + done, pos, pos + Math.min(done, total - done));
      pos += total;
      i = total === e.length ? i + 1 : r;
      continue;
    }
    // Find the run of bytes that need no escaping, 4 at a time while they are clean.
    let j = i + 1;
    while (j + 4 <= end && isCleanWord(utf8[j]! | (utf8[j + 1]! << 8) | (utf8[j + 2]! << 16) | (utf8[j + 3]! << 24))) j += 4;
    while (j < end && NEEDS_ESCAPE[utf8[j]!] === 0) j++;
    // Short runs (between the quotes of a JSON envelope) byte by byte: a view per run costs more.
    if (j - i < NATIVE_COPY_MIN) for (let k = i; k < j; k++) buf[pos++] = utf8[k]!;
    else {
      buf.set(utf8.subarray(i, j), pos);
      pos += j - i;
    }
    i = j;
  }
  return pos;
}
