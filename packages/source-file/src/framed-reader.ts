import type { CapturedFrame } from '@netrx/core';
import type { CaptureProblem } from './capture-problem.js';

/** Receives each frame a reader decodes, synchronously, in file order. */
export type FrameSink = (frame: CapturedFrame) => void;

/**
 * An I/O-free capture file parser: feed it the file's bytes in chunks of any size; it calls its
 * {@link FrameSink} once per record, in order, before `write` returns.
 *
 * Bad input is a value: `write` and `end` return the {@link CaptureProblem} that stopped the
 * reader (and keep returning it), never throw.
 */
export interface CaptureReader {
  /**
   * Parses the next bytes of the file. Frames whose bytes lie inside `chunk` get views of it
   * (`subarray`), so `chunk` must not be written to afterwards; a record split across chunks is
   * copied into a buffer of its own.
   */
  write(chunk: Uint8Array): CaptureProblem | undefined;
  /** The file ended: returns a problem when it ended inside a header, record or block. */
  end(): CaptureProblem | undefined;
  /** Frames delivered so far. */
  readonly frames: number;
  /** Bytes of the file fully parsed so far (the offset of the next header). */
  readonly offset: number;
}

/**
 * The framing both formats share: a file is a sequence of units (a header, a record, a block)
 * whose total length is known from a fixed-size prefix. Subclasses say how long the prefix is,
 * how long a unit is, and what a unit means; this class walks a chunk unit by unit with views and
 * carries only a unit that straddles chunks, in a buffer allocated once its length has been
 * checked against the caps.
 *
 * @internal
 */
export abstract class FramedReader implements CaptureReader {
  frames = 0;
  offset = 0;
  protected failed: CaptureProblem | undefined;
  /** A unit split across chunks: its bytes so far, how many, and how many it needs. */
  private carry: Uint8Array | undefined;
  private carryLength = 0;
  private carryNeed = 0;
  private carryKnown = false;

  constructor(protected readonly sink: FrameSink) {}

  /** Bytes needed at the start of a unit to know its length. */
  protected abstract prefixLength(): number;
  /** The whole unit's length from its prefix at `off`, checked against what is allowed, or why not. */
  protected abstract unitLength(bytes: Uint8Array, view: DataView, off: number): number | CaptureProblem;
  /** Handles one complete unit of `length` bytes at `off`; `this.offset` is its file offset. */
  protected abstract unit(bytes: Uint8Array, view: DataView, off: number, length: number): CaptureProblem | undefined;
  /** Why the input ended inside a unit (`have` of `need` bytes; `known`: `need` is its full length). */
  protected abstract truncated(have: number, need: number, known: boolean): CaptureProblem;

  /** Bytes held for a unit that straddles chunks (what this reader allocated beyond the input). */
  get carried(): number {
    return this.carry?.length ?? 0;
  }

  write(input: Uint8Array): CaptureProblem | undefined {
    if (this.failed) return this.failed;
    // A plain Uint8Array view (not a Buffer) so that every frame's `subarray` is cheap and alike.
    const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    let off = 0;
    if (this.carry) {
      off = this.fillCarry(bytes);
      if (off < 0) return this.failed;
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const end = bytes.length;
    for (;;) {
      const rest = end - off;
      if (rest === 0) return undefined;
      if (rest < this.prefixLength()) {
        this.startCarry(bytes.subarray(off), this.prefixLength(), false);
        return undefined;
      }
      const length = this.unitLength(bytes, view, off);
      if (typeof length !== 'number') return this.fail(length);
      if (rest < length) {
        this.startCarry(bytes.subarray(off), length, true);
        return undefined;
      }
      const p = this.unit(bytes, view, off, length);
      if (p) return this.fail(p);
      off += length;
      this.offset += length;
    }
  }

  end(): CaptureProblem | undefined {
    if (this.failed) return this.failed;
    return this.carry ? this.fail(this.truncated(this.carryLength, this.carryNeed, this.carryKnown)) : undefined;
  }

  protected fail(p: CaptureProblem): CaptureProblem {
    this.failed = p;
    this.carry = undefined;
    return p;
  }

  private startCarry(rest: Uint8Array, need: number, known: boolean): void {
    this.carry = new Uint8Array(need);
    this.carry.set(rest);
    this.carryLength = rest.length;
    this.carryNeed = need;
    this.carryKnown = known;
  }

  /** Completes the carried unit from the start of `bytes`; returns how many bytes it took, or -1. */
  private fillCarry(bytes: Uint8Array): number {
    let off = 0;
    for (;;) {
      const carry = this.carry!;
      const take = Math.min(this.carryNeed - this.carryLength, bytes.length - off);
      carry.set(bytes.subarray(off, off + take), this.carryLength);
      this.carryLength += take;
      off += take;
      if (this.carryLength < this.carryNeed) return -1;
      const view = new DataView(carry.buffer, carry.byteOffset, carry.byteLength);
      if (!this.carryKnown) {
        const length = this.unitLength(carry, view, 0);
        if (typeof length !== 'number') {
          this.fail(length);
          return -1;
        }
        this.carryKnown = true;
        if (length > carry.length) {
          this.startCarry(carry, length, true);
          continue;
        }
      }
      this.carry = undefined;
      const p = this.unit(carry, view, 0, this.carryNeed);
      if (p) {
        this.fail(p);
        return -1;
      }
      this.offset += this.carryNeed;
      return off;
    }
  }
}
