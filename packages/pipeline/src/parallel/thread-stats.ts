import { readFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';

/** What one thread of a parallel run used (see {@link CaptureLinesOptions.threadStats}). */
export interface ThreadStats {
  /** The dissector's index: 0 is the thread that called `captureLines` (it reads and merges too). */
  readonly index: number;
  /** Whether this is the thread that called `captureLines` (reads, routes, merges; dissects `share`). */
  readonly main: boolean;
  /** Its share of the connections (0 for a main thread that only reads and merges). */
  readonly share: number;
  /**
   * CPU time of the thread itself (user + system), seconds, from its start to its end — not the
   * garbage collector's and compiler's helper threads, which the process shares. Undefined where
   * a thread's own CPU time cannot be read (it is read from `/proc/thread-self/stat`, Linux).
   */
  readonly cpuSeconds: number | undefined;
  /** The most its V8 heap held (`total_heap_size`), sampled after each batch, bytes. */
  readonly heapPeakBytes: number;
  /** The most memory outside the heap its objects held (`external_memory`: buffers), sampled likewise, bytes. */
  readonly externalPeakBytes: number;
}

/** Clock ticks per second of `/proc/…/stat` times (USER_HZ, 100 on every Linux architecture Node runs on). */
const USER_HZ = 100;

/** The calling thread's own CPU seconds so far, or undefined where the system does not say. */
export function threadCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'latin1');
    // Fields after the command name (which may hold spaces and parentheses): utime is the 12th, stime the 13th.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / USER_HZ;
  } catch {
    return undefined;
  }
}

/**
 * Keeps one thread's peaks ({@link ThreadStats}): {@link sample} after each batch (a V8 call of a
 * few microseconds), {@link stats} at the end. CPU time is read at the start and the end.
 */
export class ThreadMeter {
  private heapPeak = 0;
  private externalPeak = 0;
  private readonly cpuAtStart = threadCpuSeconds();

  constructor(
    private readonly index: number,
    private readonly main: boolean,
    private readonly share: number,
  ) {}

  sample(): void {
    const h = getHeapStatistics();
    if (h.total_heap_size > this.heapPeak) this.heapPeak = h.total_heap_size;
    const external = (h as { external_memory?: number }).external_memory ?? 0;
    if (external > this.externalPeak) this.externalPeak = external;
  }

  /** The thread's figures so far; `fromStart`: its CPU time since the thread began rather than since this meter was made. */
  stats(fromStart = false): ThreadStats {
    this.sample();
    const now = threadCpuSeconds();
    const cpuSeconds = now === undefined ? undefined : fromStart || this.cpuAtStart === undefined ? now : now - this.cpuAtStart;
    return { index: this.index, main: this.main, share: this.share, cpuSeconds, heapPeakBytes: this.heapPeak, externalPeakBytes: this.externalPeak };
  }
}
