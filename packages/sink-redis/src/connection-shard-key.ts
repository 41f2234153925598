/**
 * A hash of a connection's two endpoints that does not depend on their order, so both
 * directions of a connection (and every netrx instance that sees it, whichever side it calls the
 * client) choose the same shard. FNV-1a over each endpoint's text, the two hashes combined in
 * sorted order. Not for security: it only spreads connections over shards.
 *
 * @example
 * ```ts
 * connectionShardKey('127.0.0.1:60653', '127.0.0.1:7272') === connectionShardKey('127.0.0.1:7272', '127.0.0.1:60653'); // true
 * ```
 */
export function connectionShardKey(a: string, b: string): number {
  const ha = fnv1a(a);
  const hb = fnv1a(b);
  const lo = ha < hb ? ha : hb;
  const hi = ha < hb ? hb : ha;
  // FNV-1a over the eight bytes of the two sorted hashes.
  let h = 0x811c9dc5;
  for (let i = 0; i < 4; i++) h = Math.imul(h ^ ((lo >>> (i * 8)) & 0xff), 0x01000193);
  for (let i = 0; i < 4; i++) h = Math.imul(h ^ ((hi >>> (i * 8)) & 0xff), 0x01000193);
  return h >>> 0;
}

/** 32-bit FNV-1a over a string's UTF-16 code units (endpoints are ASCII). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
