/**
 * The history window of a raw DEFLATE stream (RFC 1951 §3.2: a back-reference reaches at most 32 KiB
 * back, RFC 7692 §7.1.2.1 may make it smaller) that knows, byte by byte, which bytes were not
 * captured. `TrackingInflater` (`tracking-inflater.ts`) copies from it in its hot loop, reading the
 * fields directly, and hands each message's output to {@link TrackingWindow.remember}.
 */

/**
 * The last `size` bytes of a decoder's output, circular, with a mark per byte that is unknown.
 * The decoder reads the fields; only the methods change them.
 */
export class TrackingWindow {
  /** The history bytes (unknown ones read as 0); `head` is where the next byte goes. */
  readonly bytes: Uint8Array;
  /** How far a back-reference may reach: the window's length. */
  readonly size: number;
  /** Where the next byte goes in {@link bytes}. */
  head = 0;
  /** How many bytes of {@link bytes} are history (unknown ones included). */
  have = 0;
  /** 1 per unknown byte of {@link bytes}; maintained only while {@link tracking}. */
  unknown: Uint8Array | undefined;
  /** Whether the window may hold unknown bytes. */
  tracking = false;
  /** Bytes output since the last unknown one (the window is clean once this reaches `size`). */
  private sinceUnknown = 0;

  /** An empty window of `size` bytes (2^windowBits). */
  constructor(size: number) {
    this.size = size;
    this.bytes = new Uint8Array(size);
  }

  /** The history was not captured: the window is full of unknown bytes. */
  resetUnknown(): void {
    this.have = this.size;
    this.head = 0;
    this.tracking = true;
    this.sinceUnknown = 0;
    (this.unknown ??= new Uint8Array(this.size)).fill(1);
  }

  /** A new deflate stream: the history is empty and known. */
  resetEmpty(): void {
    this.have = 0;
    this.head = 0;
    this.tracking = false;
    this.sinceUnknown = 0;
  }

  /** A copy of the history (oldest first) when every byte of it is known; undefined while some are unknown. */
  known(): Uint8Array | undefined {
    if (this.tracking) return undefined;
    const n = this.have;
    const out = new Uint8Array(n);
    const start = (this.head - n + this.size) % this.size;
    const first = Math.min(n, this.size - start);
    out.set(this.bytes.subarray(start, start + first), 0);
    out.set(this.bytes.subarray(0, n - first), first);
    return out;
  }

  /**
   * Appends a message's output: its bytes, their unknown marks (undefined: all known), and the
   * index of its last unknown byte (-1: none).
   */
  remember(data: Uint8Array, unknown: Uint8Array | undefined, lastUnknown: number): void {
    const n = data.length;
    const size = this.size;
    const win = this.bytes;
    const keep = Math.min(n, size);
    const src = data.subarray(n - keep);
    const first = Math.min(keep, size - this.head);
    win.set(src.subarray(0, first), this.head);
    win.set(src.subarray(first), 0);
    if (this.tracking) {
      const wu = this.unknown!;
      if (unknown === undefined) {
        wu.fill(0, this.head, this.head + first);
        wu.fill(0, 0, keep - first);
      } else {
        const u = unknown.subarray(n - keep);
        wu.set(u.subarray(0, first), this.head);
        wu.set(u.subarray(first), 0);
      }
      this.sinceUnknown = lastUnknown >= 0 ? n - 1 - lastUnknown : this.sinceUnknown + n;
      // Once a whole window has passed since the last unknown byte, nothing unknown is left.
      if (this.sinceUnknown >= size) this.tracking = false;
    }
    this.head = (this.head + keep) % size;
    this.have = Math.min(size, this.have + n);
  }
}
