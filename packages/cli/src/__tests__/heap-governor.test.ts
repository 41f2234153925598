import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { governHeap } from '../heap-governor.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const MiB = 1024 * 1024;

test('tightens V8 heap growth once the heap passes half the budget, and only once', () => {
  let size = 60 * MiB;
  const tighten = vi.fn();
  const stop = governHeap(256 * MiB, { size: () => size, tighten });
  vi.advanceTimersByTime(1000);
  expect(tighten).not.toHaveBeenCalled();
  size = 128 * MiB;
  vi.advanceTimersByTime(1000);
  expect(tighten).not.toHaveBeenCalled();
  size = 129 * MiB;
  vi.advanceTimersByTime(1000);
  expect(tighten).toHaveBeenCalledTimes(1);
  size = 500 * MiB;
  vi.advanceTimersByTime(1000);
  expect(tighten).toHaveBeenCalledTimes(1);
  stop();
});

test('leaves a heap of 64 MiB or less alone, however small the budget (a thread\'s share of it)', () => {
  let size = 64 * MiB;
  const tighten = vi.fn();
  const stop = governHeap(32 * MiB, { size: () => size, tighten });
  vi.advanceTimersByTime(1000);
  expect(tighten).not.toHaveBeenCalled();
  size = 65 * MiB;
  vi.advanceTimersByTime(1000);
  expect(tighten).toHaveBeenCalledTimes(1);
  stop();
});

test('stops watching when told', () => {
  const tighten = vi.fn();
  const stop = governHeap(1, { size: () => 1024 * MiB, tighten });
  stop();
  vi.advanceTimersByTime(1000);
  expect(tighten).not.toHaveBeenCalled();
});
