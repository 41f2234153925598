// TCP sequence-number arithmetic. Sequence numbers are 32-bit and compared modulo 2^32 (RFC 9293
// §3.4): they are kept as unsigned 32-bit values in a number, and a difference is taken as a
// signed 32-bit number, which is right across a wrap as long as the two are within 2^31.

/** Stream offset differences beyond this are taken as garbage, not a hole (half the int32 range). */
export const MAX_AHEAD = 0x40000000;

/** `a − b` modulo 2^32 as a signed 32-bit number: positive when `a` comes after `b`. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** `seq + n` modulo 2^32, unsigned. */
export function seqAdd(seq: number, n: number): number {
  return (seq + n) >>> 0;
}
