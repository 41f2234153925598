import { getHeapStatistics, setFlagsFromString } from 'node:v8';

/** How often the heap is looked at, ms (the timer fires between read chunks; it keeps no run alive). */
const LOOK_EVERY_MS = 50;

/**
 * The heap growth V8 is held to once the heap is large: each full collection lets the heap grow
 * to 1.25 times what it kept alive.
 */
const TIGHT_GROWING_PERCENT = 25;

/**
 * The heap it takes before anything is done, whatever the budget. A thread of `--workers N` has
 * `--memory / N`, so half its budget can be below what an ordinary run holds (~50 MB a thread on
 * the 1M bench captures with 2 or 4): tightening there cost 3–4% in collections and saved nothing.
 */
const MIN_THRESHOLD = 64 * 1024 * 1024;

/** What `governHeap` reads and does (V8's own, or a test's). */
export interface HeapControl {
  /** Bytes the heap holds now, garbage included. */
  size(): number;
  /** Holds heap growth to `TIGHT_GROWING_PERCENT` for the rest of the process. */
  tighten(): void;
}

const V8_HEAP: HeapControl = {
  size: () => getHeapStatistics().total_heap_size,
  tighten: () => setFlagsFromString(`--heap-growing-percent=${TIGHT_GROWING_PERCENT}`),
};

/**
 * Keeps the V8 heap of a run near what its memory budget lets it hold.
 *
 * The budget (`--memory`) bounds what netrx keeps; it cannot bound the garbage. V8 lets a heap grow
 * to up to four times what its last full collection kept alive when the program allocates fast,
 * which is what a flood of connections closed by the budget does: 200,000 SYN + 8 byte connections
 * kept ~200 MB alive and peaked at 755 MB RSS. Once this thread's heap passes half the budget
 * (and 64 MiB at least), V8 is told (`--heap-growing-percent`, which it reads at each collection)
 * to grow heaps by a quarter of what is alive: that flood then peaks at ~370 MB, for ~60% more CPU. An ordinary run
 * keeps a heap of ~60 MB and is never touched.
 *
 * The setting is the process's (every thread's) and is never undone, so threads that each watch
 * their own heap cannot undo each other's decision. Returns a function that stops watching.
 */
export function governHeap(budgetBytes: number, heap: HeapControl = V8_HEAP): () => void {
  const threshold = Math.max(budgetBytes / 2, MIN_THRESHOLD);
  const timer = setInterval(() => {
    if (heap.size() <= threshold) return;
    heap.tighten();
    clearInterval(timer);
  }, LOOK_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
