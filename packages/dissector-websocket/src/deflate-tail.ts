import { allocBytes } from './bytes.js';

/** RFC 7692 §7.2.2: the receiver appends these four bytes to a message's payload before inflating. */
const TAIL = Uint8Array.of(0x00, 0x00, 0xff, 0xff);

/**
 * A message's compressed bytes (one array, or its frames' payloads in order) joined, with the
 * `00 00 ff ff` tail of RFC 7692 §7.2.2 after them: one input for an inflater, read during the call
 * only. Not core's `concatBytes`: that one needs the tail in a new array of parts and allocates a
 * typed array of its own, where this takes the bytes from Node's pool; for a 40-120-byte message,
 * measured 55-60 ns here against 190-250 ns (about a fifth of inflating it).
 */
export function withDeflateTail(message: Uint8Array | readonly Uint8Array[]): Uint8Array {
  if (message instanceof Uint8Array) {
    const input = allocBytes(message.length + TAIL.length);
    input.set(message);
    input.set(TAIL, message.length);
    return input;
  }
  let n = TAIL.length;
  for (const p of message) n += p.length;
  const input = allocBytes(n);
  let o = 0;
  for (const p of message) {
    input.set(p, o);
    o += p.length;
  }
  input.set(TAIL, o);
  return input;
}
