import { NetrxError } from './errors.js';

/** The budget of a pipeline when none is given: 128 MiB. */
export const DEFAULT_MEMORY_BUDGET = 128 * 1024 * 1024;

/**
 * Frees memory when a {@link MemoryBudget} is reached: asked for `bytes`, it frees what it can
 * (the TCP reassembler closes its least recently active connections, each flushing its buffers as
 * gaps and ending its dissectors, which give back what they drew) and returns the bytes freed.
 * It must not free what the caller of {@link MemoryBudget.take} is working on.
 */
export type MemoryReclaimer = (bytes: number) => number;

/**
 * One memory budget for everything a pipeline holds between packets: the connection table,
 * out-of-order and fragment buffers, inflate contexts, held TLS records and WebSocket and HTTP
 * bytes. Each holder draws what it keeps with {@link MemoryBudget.take} and gives it back with
 * {@link MemoryBudget.release}. When a draw would go past the limit the reclaimers are asked to
 * free memory first; a draw still refused is the holder's to drop (flush as a gap, give up the
 * message) and to report. The figures are the holders' estimates of what they keep, not the
 * process's RSS.
 *
 * @example
 * ```ts
 * const budget = new MemoryBudget(64 * 1024 * 1024);
 * if (budget.take(segment.length)) held.push(copyBytes(segment));
 * else gaps++; // reported, never silent
 * ```
 */
export class MemoryBudget {
  /** Bytes drawn now. */
  used = 0;
  /** Most bytes drawn at once. */
  peak = 0;
  /** Draws refused after the reclaimers had their turn. */
  refused = 0;
  /** Bytes the reclaimers freed. */
  reclaimed = 0;
  private readonly reclaimers: MemoryReclaimer[] = [];
  private reclaiming = false;

  constructor(
    /** Most bytes drawn at once ({@link DEFAULT_MEMORY_BUDGET} when not given). */
    readonly limit: number = DEFAULT_MEMORY_BUDGET,
  ) {
    if (!(limit > 0) || !Number.isFinite(limit)) throw new NetrxError('ERR_INVALID_OPTION', `memory budget must be a positive number of bytes, not ${String(limit)}`);
  }

  /**
   * Draws `bytes` (≥ 0). Past the limit the reclaimers are asked to free the difference first
   * (not again while they run: a draw made while reclaiming only fits or not). Returns whether
   * the bytes were drawn; when not, nothing was.
   */
  take(bytes: number): boolean {
    if (this.used + bytes > this.limit && !this.reclaiming) this.reclaim(this.used + bytes - this.limit);
    if (this.used + bytes > this.limit) {
      this.refused++;
      return false;
    }
    this.used += bytes;
    if (this.used > this.peak) this.peak = this.used;
    return true;
  }

  /** Gives back `bytes` drawn earlier. */
  release(bytes: number): void {
    this.used -= bytes;
  }

  /** Adds a reclaimer, asked in the order added; returns a function that removes it. */
  onPressure(reclaimer: MemoryReclaimer): () => void {
    this.reclaimers.push(reclaimer);
    return () => {
      const i = this.reclaimers.indexOf(reclaimer);
      if (i >= 0) this.reclaimers.splice(i, 1);
    };
  }

  private reclaim(bytes: number): void {
    this.reclaiming = true;
    try {
      for (const r of this.reclaimers) {
        const freed = r(bytes);
        this.reclaimed += freed;
        bytes -= freed;
        if (bytes <= 0) return;
      }
    } finally {
      this.reclaiming = false;
    }
  }
}
