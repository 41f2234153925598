import { describe, expect, it } from 'vitest';
import { MemoryBudget } from '../memory-budget.js';

describe('MemoryBudget', () => {
  it('draws up to its limit, refuses past it, and counts', () => {
    const b = new MemoryBudget(100);
    expect(b.take(60)).toBe(true);
    expect(b.take(50)).toBe(false);
    expect(b).toMatchObject({ used: 60, peak: 60, refused: 1 });
    b.release(20);
    expect(b.take(50)).toBe(true);
    expect(b).toMatchObject({ used: 90, peak: 90, refused: 1 });
  });

  it('asks its reclaimers, in order, for what a draw lacks, and not again while they run', () => {
    const b = new MemoryBudget(100);
    const asked: number[] = [];
    b.take(90);
    b.onPressure((n) => {
      asked.push(n);
      // A holder closed by the reclaimer draws while it runs: fits or not, no second reclaim.
      expect(b.take(1000)).toBe(false);
      b.release(5);
      return 5;
    });
    const off = b.onPressure((n) => {
      asked.push(n);
      b.release(n);
      return n;
    });
    expect(b.take(30)).toBe(true);
    expect(asked).toEqual([20, 15]);
    expect(b).toMatchObject({ used: 100, reclaimed: 20 });
    off();
    expect(b.take(10)).toBe(false);
    expect(asked).toEqual([20, 15, 10]);
  });

  it('takes only a positive limit', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => new MemoryBudget(bad)).toThrow(/positive/);
  });
});
