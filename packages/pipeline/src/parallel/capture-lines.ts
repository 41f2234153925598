import type { Observable } from 'rxjs';
import { NetrxError } from '@netrx/core';
import type { CaptureLinesOptions, LineChunk } from './capture-lines-options.js';
import { inProcess } from './in-process.js';
import { inWorkers } from './in-workers.js';
import { defaultWorkers } from './thread-count.js';

export type { CaptureLinesOptions, LineChunk, LineSourceHooks } from './capture-lines-options.js';
export { PARALLEL_FILE_BYTES, defaultWorkers, mainShare } from './thread-count.js';

/**
 * Runs a {@link LineJob} over a capture in worker threads and emits its lines — byte for byte
 * the lines one thread writes, in the same order. The main thread reads the capture, splits the
 * frames by connection (a symmetric hash: both directions of a connection, and IP fragments,
 * to one worker) and hands them over in batches through shared memory; each worker runs the
 * job's pipeline (dissect → reassembleTcp → dissectStreams → its stages) for its connections and
 * writes its lines; the main thread merges them in the order of the frames that caused them and
 * renumbers connections in the order the whole capture shows them.
 *
 * What crosses threads: frames (bytes and header fields; to the other workers, each frame's time
 * and number only, which keeps every worker's packet clock, and so its timeouts, on the whole
 * capture's time), the job's module address and arguments, lines as bytes, and counters. Events
 * and items never do: a job turns them into lines where they are made. Caps are per worker:
 * `tcp.maxConnections`, `maxBufferedTotal` and the IP fragment caps apply to each worker's share,
 * so output differs from one thread's only where one thread would have hit a cap.
 *
 * Errors: a source that fails part-way (a corrupt file) ends the input there; every line for the
 * frames before it is emitted, then the source's error. A job that cannot be made or a pipeline
 * that throws errors the observable. Unsubscribing stops the reading and the workers.
 *
 * @example
 * ```ts
 * import { captureLines } from '@netrx/pipeline';
 *
 * captureLines({ file: 'big.pcap', workers: 4, job: { module: new URL('./ws-lines.js', import.meta.url) } })
 *   .subscribe((chunk) => (chunk.channel === 'out' ? process.stdout : process.stderr).write(chunk.bytes));
 * ```
 */
export function captureLines(options: CaptureLinesOptions): Observable<LineChunk> {
  const workers = options.workers ?? defaultWorkers(options);
  if (!Number.isInteger(workers) || workers < 1) {
    throw new NetrxError('ERR_INVALID_OPTION', `workers must be a whole number from 1, not ${String(options.workers)}`);
  }
  return workers === 1 ? inProcess(options) : inWorkers(options, workers);
}
