/**
 * The Huffman codes of raw DEFLATE (RFC 1951): the tables a decoder looks symbols up in, built from
 * code lengths (canonical codes, §3.2.2), the fixed codes (§3.2.6), and the base values and extra
 * bits of the length and distance codes (§3.2.5). The decoder that reads them is
 * `TrackingInflater` (`tracking-inflater.ts`), whose hot loop indexes the tables directly.
 */

/** RFC 1951 §3.2.5: base lengths of length codes 257..285. */
export const LEN_BASE = Uint16Array.of(3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258);
/** RFC 1951 §3.2.5: extra bits of length codes 257..285. */
export const LEN_EXTRA = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0);
/** RFC 1951 §3.2.5: base distances of distance codes 0..29. */
export const DIST_BASE = Uint16Array.of(
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
);
/** RFC 1951 §3.2.5: extra bits of distance codes 0..29. */
export const DIST_EXTRA = Uint8Array.of(0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13);
/** RFC 1951 §3.2.7: the order in which code length code lengths are sent. */
export const CL_ORDER = Uint8Array.of(16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15);

const MAX_BITS = 15;
/** Bits of the literal/length code's first-level lookup table; longer codes go through a second level. */
export const LIT_ROOT = 10;
/** Bits of the distance code's first-level lookup table. */
export const DIST_ROOT = 8;
/** Bits of the code length code's lookup table (its codes are at most 7 bits: one level). */
export const CL_ROOT = 7;
// Room for the root table and one second-level table (of at most 2^(15-root) entries) per code.
/** Entries of a literal/length table. */
export const LIT_TABLE_SIZE = (1 << LIT_ROOT) + 288 * (1 << (MAX_BITS - LIT_ROOT));
/** Entries of a distance table. */
export const DIST_TABLE_SIZE = (1 << DIST_ROOT) + 32 * (1 << (MAX_BITS - DIST_ROOT));
/** Entries of a code length code table. */
export const CL_TABLE_SIZE = 1 << CL_ROOT;

/**
 * A decoding table: entries `symbol << 4 | length` (length 1-15; 0 = no such code), or, in the root
 * part, `-(offset of a second-level table)`, indexed by the next `sub` bits.
 */
export interface HuffTable {
  readonly t: Int32Array;
  /** Index bits of the second-level tables. */
  sub: number;
}

/** An empty table of `size` entries (one of the `*_TABLE_SIZE`s), for {@link buildTable} to fill. */
export function huffTable(size: number): HuffTable {
  return { t: new Int32Array(size), sub: 0 };
}

/**
 * Which code a table is for, as far as what zlib accepts differs: the code length code (§3.2.7)
 * must be complete; the literal/length and distance codes may be incomplete in zlib's two ways.
 */
export type HuffKind = 'code-lengths' | 'literal-lengths' | 'distances';

const REV8 = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let r = 0;
  for (let b = 0; b < 8; b++) if (i & (1 << b)) r |= 0x80 >> b;
  REV8[i] = r;
}
/** The `len` low bits of `code`, reversed (Huffman codes are sent most significant bit first, RFC 1951 §3.1.1). */
function reverse(code: number, len: number): number {
  return ((REV8[code & 0xff]! << 8) | REV8[(code >>> 8) & 0xff]!) >>> (16 - len);
}

// Scratch of buildTable (one decoder runs at a time: JavaScript is single-threaded).
const COUNT = new Uint16Array(MAX_BITS + 1);
const NEXT = new Uint16Array(MAX_BITS + 2);
const SUB_AT = new Int32Array(1 << LIT_ROOT);

/**
 * Builds a canonical Huffman decoding table (RFC 1951 §3.2.2) from the code lengths
 * `lens[off .. off+n)`, with a first level of `root` bits. Returns false for a set zlib rejects:
 * over-subscribed, or incomplete (allowed only for a literal/length or distance code whose codes
 * all have length 1, as zlib allows; a distance code with no codes at all is allowed too, and
 * fails only if used).
 */
export function buildTable(lens: Uint8Array, off: number, n: number, root: number, table: HuffTable, kind: HuffKind): boolean {
  const t = table.t;
  COUNT.fill(0);
  for (let s = 0; s < n; s++) COUNT[lens[off + s]!]!++;
  COUNT[0] = 0;
  let max = MAX_BITS;
  while (max >= 1 && COUNT[max] === 0) max--;
  t.fill(0, 0, 1 << root);
  table.sub = 0;
  if (max === 0) return kind !== 'code-lengths';
  let left = 1;
  for (let len = 1; len <= MAX_BITS; len++) {
    left = (left << 1) - COUNT[len]!;
    if (left < 0) return false;
  }
  if (left > 0 && (kind === 'code-lengths' || max !== 1)) return false;
  // First code of each length (§3.2.2 step 2).
  let code = 0;
  for (let len = 1; len <= MAX_BITS; len++) {
    code = (code + COUNT[len - 1]!) << 1;
    NEXT[len] = code;
  }
  const rootSize = 1 << root;
  const sub = max > root ? max - root : 0;
  table.sub = sub;
  let nextSub = rootSize;
  if (sub > 0) SUB_AT.fill(0, 0, rootSize);
  for (let s = 0; s < n; s++) {
    const len = lens[off + s]!;
    if (len === 0) continue;
    const r = reverse(NEXT[len]!++, len);
    const entry = (s << 4) | len;
    if (len <= root) {
      for (let i = r; i < rootSize; i += 1 << len) t[i] = entry;
    } else {
      const low = r & (rootSize - 1);
      let at = SUB_AT[low]!;
      if (at === 0) {
        at = nextSub;
        nextSub += 1 << sub;
        SUB_AT[low] = at;
        t.fill(0, at, at + (1 << sub));
        t[low] = -at;
      }
      for (let i = r >>> root; i < 1 << sub; i += 1 << (len - root)) t[at + i] = entry;
    }
  }
  return true;
}

/** The fixed literal/length code (RFC 1951 §3.2.6). */
export const FIXED_LIT: HuffTable = huffTable(LIT_TABLE_SIZE);
/** The fixed distance code (RFC 1951 §3.2.6): 32 codes of 5 bits. */
export const FIXED_DIST: HuffTable = huffTable(DIST_TABLE_SIZE);
{
  const l = new Uint8Array(288);
  l.fill(8, 0, 144);
  l.fill(9, 144, 256);
  l.fill(7, 256, 280);
  l.fill(8, 280, 288);
  buildTable(l, 0, 288, LIT_ROOT, FIXED_LIT, 'literal-lengths');
  buildTable(new Uint8Array(32).fill(5), 0, 32, DIST_ROOT, FIXED_DIST, 'distances');
}
