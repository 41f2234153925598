// Copies and joins use core's `copyBytes` and `concatBytes` (Node's `Buffer#slice` is a view, not a copy).

/** No bytes: the payload of every empty message and frame (nothing ever writes into it). */
export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

/**
 * A new buffer of `n` bytes, not zeroed: small ones come from Node's shared pool, which is much
 * cheaper than a typed array of its own per message. The caller writes every byte.
 */
export function allocBytes(n: number): Uint8Array {
  return Buffer.allocUnsafe(n);
}

/**
 * `bytes` decoded as UTF-8, invalid sequences as U+FFFD, a leading BOM kept (the text is exactly
 * what was sent). Node's `Buffer#toString` on a view of the same memory: no copy.
 */
export function utf8Text(bytes: Uint8Array): string {
  return (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString('utf8');
}
