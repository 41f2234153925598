import type { CapturedFrame } from '@netrx/core';

/**
 * A bounded FIFO of frames between a capture backend and the pipeline: a ring buffer limited by
 * both a frame count and a byte count (captured bytes). {@link push} never blocks and never grows
 * past the limits; when full, it tells the caller, which applies the policy (drop the oldest, or
 * fail).
 */
export class FrameQueue {
  private ring: (CapturedFrame | undefined)[];
  private head = 0;
  private size = 0;
  private bytesHeld = 0;

  constructor(
    readonly maxFrames: number,
    readonly maxBytes: number,
  ) {
    // Grows by doubling up to maxFrames, so an idle capture holds a small array.
    this.ring = new Array<CapturedFrame | undefined>(Math.min(maxFrames, 1024));
  }

  /** Frames waiting. */
  get length(): number {
    return this.size;
  }

  /** Captured bytes waiting. */
  get bytes(): number {
    return this.bytesHeld;
  }

  /** True when one more frame of `caplen` bytes would exceed a limit. */
  wouldOverflow(caplen: number): boolean {
    return this.size > 0 && (this.size >= this.maxFrames || this.bytesHeld + caplen > this.maxBytes);
  }

  /** Appends a frame; the caller has made room (see {@link wouldOverflow}). */
  push(frame: CapturedFrame): void {
    if (this.size === this.ring.length) this.grow();
    this.ring[(this.head + this.size) % this.ring.length] = frame;
    this.size++;
    this.bytesHeld += frame.caplen;
  }

  /** Removes and returns the oldest frame, or `undefined` when empty. */
  shift(): CapturedFrame | undefined {
    if (this.size === 0) return undefined;
    const frame = this.ring[this.head];
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.ring.length;
    this.size--;
    this.bytesHeld -= frame!.caplen;
    return frame;
  }

  /** Drops everything. */
  clear(): void {
    this.ring = new Array<CapturedFrame | undefined>(Math.min(this.maxFrames, 1024));
    this.head = 0;
    this.size = 0;
    this.bytesHeld = 0;
  }

  private grow(): void {
    const next = new Array<CapturedFrame | undefined>(Math.min(this.ring.length * 2, this.maxFrames));
    for (let i = 0; i < this.size; i++) next[i] = this.ring[(this.head + i) % this.ring.length];
    this.ring = next;
    this.head = 0;
  }
}
