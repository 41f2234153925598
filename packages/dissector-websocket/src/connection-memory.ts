import type { MemoryBudget } from '@netrx/core';

/** Draws on a memory budget and gives back (a {@link ConnectionMemory}, or a test's counter). */
export interface MemoryDraw {
  /** Draws `bytes`; false when the budget refused (nothing was drawn). */
  take(bytes: number): boolean;
  /** Gives back `bytes` drawn earlier. */
  release(bytes: number): void;
}

/**
 * One WebSocket connection's share of the pipeline's {@link MemoryBudget} (`ctx.budget`): what its
 * parts draw (inflate contexts, messages being inflated or assembled from fragments, frames split
 * across packets, events held until the connection is confirmed) goes through here, so that
 * whatever is still drawn when the connection ends is given back at once ({@link releaseAll}),
 * whoever forgot it. Without a budget every draw is granted and only counted.
 */
export class ConnectionMemory implements MemoryDraw {
  /** Bytes drawn now by this connection. */
  held = 0;
  /** Draws refused. */
  refused = 0;

  constructor(private readonly budget: MemoryBudget | undefined) {}

  take(bytes: number): boolean {
    if (bytes <= 0) return true;
    if (this.budget !== undefined && !this.budget.take(bytes)) {
      this.refused++;
      return false;
    }
    this.held += bytes;
    return true;
  }

  release(bytes: number): void {
    if (bytes <= 0) return;
    // Never more than was drawn: a double release must not hand other holders' bytes back.
    const n = Math.min(bytes, this.held);
    this.held -= n;
    this.budget?.release(n);
  }

  /** Gives back everything still drawn (the connection ended). */
  releaseAll(): void {
    this.release(this.held);
  }
}
