import { copyBytes, type MemoryBudget } from '@netrx/core';
import type { TlsSide } from './tls-side.js';

/** What a held record costs besides its fragment (the object and its slot), an estimate for the memory budget. */
const RECORD_COST = 96;

/** A record waiting for its key or for the ServerHello (its fragment a copy). */
export interface HeldRecord {
  readonly side: TlsSide;
  readonly type: number;
  readonly version: number;
  readonly fragment: Uint8Array;
  /** Stream offset of its header. */
  readonly offset: number;
  readonly ts: bigint;
  readonly frame: number;
}

/**
 * The records of a connection that arrived before they could be read — before the ServerHello
 * chose the keys' suite, or before the key log had the connection's secrets (a browser writes
 * its key log while the capture runs) — in arrival order over both directions, with a cap on the
 * bytes held. They are read in that order once what they wait for comes. With the pipeline's
 * memory budget, each record held draws its bytes on it, given back when it is read or dropped.
 *
 * @internal
 */
export class HeldRecords {
  private items: HeldRecord[] = [];
  private head = 0;
  /** Fragment bytes held. */
  bytes = 0;
  /** Bytes drawn from the budget for the records held. */
  private drawn = 0;

  constructor(
    /** Most fragment bytes held (see {@link HeldRecords.fits}). */
    readonly maxBytes: number,
    /** The pipeline's memory budget (`StreamContext.budget`), if any. */
    private readonly budget?: MemoryBudget,
  ) {}

  /** Number of records held. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** Whether `length` more fragment bytes stay within the cap. */
  fits(length: number): boolean {
    return this.bytes + length <= this.maxBytes;
  }

  /**
   * Holds a record; copies `fragment` (a view valid only during the caller's call). Returns false,
   * holding nothing, when the memory budget refused the bytes.
   */
  push(side: TlsSide, type: number, version: number, fragment: Uint8Array, offset: number): boolean {
    if (this.budget !== undefined) {
      if (!this.budget.take(fragment.length + RECORD_COST)) return false;
      this.drawn += fragment.length + RECORD_COST;
    }
    this.items.push({ side, type, version, fragment: copyBytes(fragment), offset, ts: side.ts, frame: side.frame });
    this.bytes += fragment.length;
    return true;
  }

  /** The oldest record held, or undefined. */
  peek(): HeldRecord | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  /** Removes and returns the oldest record held. */
  shift(): HeldRecord | undefined {
    const h = this.peek();
    if (h === undefined) return undefined;
    this.head++;
    this.bytes -= h.fragment.length;
    if (this.budget !== undefined) {
      this.budget.release(h.fragment.length + RECORD_COST);
      this.drawn -= h.fragment.length + RECORD_COST;
    }
    if (this.head === this.items.length) this.clear();
    return h;
  }

  /** Drops every record held; each counts as not decrypted in its direction's stats. */
  drop(): void {
    for (let i = this.head; i < this.items.length; i++) this.items[i]!.side.stats.undecrypted++;
    this.clear();
  }

  private clear(): void {
    this.items = [];
    this.head = 0;
    this.bytes = 0;
    if (this.drawn > 0) this.budget?.release(this.drawn);
    this.drawn = 0;
  }
}
