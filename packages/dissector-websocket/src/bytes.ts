/**
 * Byte helpers. Node's `Buffer#slice` is a view, not a copy, so code that may be handed Buffers
 * (capture sources use them) copies with these instead.
 */

/**
 * A new buffer of `n` bytes, not zeroed: small ones come from Node's shared pool, which is much
 * cheaper than a typed array of its own per message. The caller writes every byte.
 */
export function allocBytes(n: number): Uint8Array {
  return Buffer.allocUnsafe(n);
}

/** A copy of `src` that nobody else holds. */
export function copyBytes(src: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(src.length);
  out.set(src);
  return out;
}
