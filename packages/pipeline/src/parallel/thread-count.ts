// How many threads dissect, and the main thread's share of the connections when several do.
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { FrameSourceOptions } from '../pipeline-options.js';

/**
 * Bytes of capture file each thread gets at least by default: a file of twice this size or more
 * is dissected in several threads (see {@link defaultWorkers}).
 */
export const PARALLEL_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Threads for a source when none are asked for: for a capture file, one per
 * {@link PARALLEL_FILE_BYTES} (64 MiB) of it, up to the machine's cores
 * (`os.availableParallelism()`) — so from 128 MiB on, several; one for a stream and a live
 * capture. Each thread beyond the first costs a fixed ~0.5 s of CPU (loading its modules,
 * compiling the hot code again in its own heap) besides ~20% more work per packet (see
 * docs/parallel.md), and one thread dissects 64 MiB of a typical capture in about half a second:
 * with less per thread, starting it costs what it saves. A live capture's rate rarely needs
 * more than one thread (one dissects well over 100k packets/s), and with one a packet's lines
 * are written as soon as it is dissected, where workers hold them until every worker has
 * reported on the same stretch of packets.
 */
export function defaultWorkers(source: FrameSourceOptions): number {
  if (source.live !== undefined || typeof source.file !== 'string') return 1;
  try {
    const perThread = Math.floor(statSync(source.file).size / PARALLEL_FILE_BYTES);
    return Math.max(1, Math.min(availableParallelism(), perThread));
  } catch {
    return 1;
  }
}

/**
 * The main thread's share of the connections when `n` threads dissect: it also reads the input and
 * merges the lines, which cost it about `mainLoad` of what dissecting the whole capture costs one
 * thread, so it takes less than a worker. Measured per thread (`netrx ws`, 10M packets, 2 cores):
 * 0.15 with 2 threads, 0.2 with 4 — merging more threads' lines costs more — hence the default
 * 0.1 + 0.025·n: 0.43 of two threads' work, 0.22 of three, 0.1 of four, none from 6 threads on
 * (it is then busy enough reading and merging).
 */
export function mainShare(n: number, mainLoad = 0.1 + 0.025 * n): number {
  return n <= 1 ? 1 : Math.max(0, (1 - mainLoad * (n - 1)) / n);
}
