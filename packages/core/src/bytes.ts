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
