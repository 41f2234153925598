// Copies use core's `copyBytes` (Node's `Buffer#slice` is a view, not a copy).

/**
 * A new buffer of `n` bytes, not zeroed: small ones come from Node's shared pool, which is much
 * cheaper than a typed array of its own per message. The caller writes every byte.
 */
export function allocBytes(n: number): Uint8Array {
  return Buffer.allocUnsafe(n);
}
