/**
 * Joins byte arrays into one buffer, for parsers that collect a message from several chunks.
 * A single part is returned as it is (no copy): callers pass parts they own.
 *
 * @param total the summed length of the parts, when the caller already knows it.
 */
export function concatBytes(parts: readonly Uint8Array[], total?: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let n = total ?? 0;
  if (total === undefined) for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * A copy of `bytes` that nobody else holds. Use it, not `bytes.slice()`: on a Node `Buffer`
 * (capture sources hand out Buffer views) `slice` is a view, and a kept view also keeps the whole
 * read chunk behind it alive. Small copies come from Node's buffer pool.
 */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(bytes.length);
  out.set(bytes);
  return out;
}

/**
 * `bytes[start, end)` as a view, like `bytes.subarray(start, end)` but about twice as fast on a
 * plain `Uint8Array` (measured on Node 20: 30 ns against 62 ns), which matters for the views made
 * for every packet. The typed-array constructor skips `subarray`'s species lookup; other kinds of
 * view (a Node `Buffer`) keep their class through `subarray`. Unlike `subarray`, the bounds are
 * not clamped: the caller has checked `0 <= start <= end <= bytes.length`.
 */
export function byteView(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return bytes.constructor === Uint8Array ? new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start) : bytes.subarray(start, end);
}
