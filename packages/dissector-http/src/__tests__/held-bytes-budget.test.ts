import { describe, expect, it } from 'vitest';
import { MemoryBudget } from '@netrx/core';
import { HeldBytes } from '../http-upgrade-hold.js';

describe('client bytes held across an upgrade, on the memory budget', () => {
  it('draw while held, are given back when taken out', () => {
    const budget = new MemoryBudget(1000);
    const held = new HeldBytes(256 * 1024, budget);
    held.hold(new Uint8Array(300), 1n, 1);
    held.hold(new Uint8Array(200), 2n, 2);
    expect(budget.used).toBe(500);
    const chunks = held.take();
    expect(chunks.map((c) => c.bytes?.length)).toEqual([300, 200]);
    expect(budget.used).toBe(0);
  });

  it('a refused draw becomes a hole told onwards, and the budget is never exceeded', () => {
    const budget = new MemoryBudget(1000);
    const held = new HeldBytes(256 * 1024, budget);
    held.hold(new Uint8Array(800), 1n, 1);
    held.hold(new Uint8Array(300), 2n, 2);
    held.hold(new Uint8Array(100), 3n, 3);
    expect(budget.peak).toBeLessThanOrEqual(1000);
    expect(budget.refused).toBe(1);
    const chunks = held.take();
    expect(chunks.map((c) => [c.bytes?.length, c.gap])).toEqual([
      [800, 0],
      [undefined, 300],
      [100, 0],
    ]);
    expect(budget.used).toBe(0);
  });
});
