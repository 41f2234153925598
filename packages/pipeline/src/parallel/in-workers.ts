// captureLines on several threads: starting the workers, handing them frames, merging their lines
// and ending the run when every dissector has reported its last.
import { Worker } from 'node:worker_threads';
import { Observable, type Subscription } from 'rxjs';
import { ErrorCodes, NetrxError, type ErrorCode } from '@netrx/core';
import type { SecretsSink } from '@netrx/source-file';
import { addStats } from './add-job-stats.js';
import { CHANNELS, type CaptureLinesOptions, type LineChunk } from './capture-lines-options.js';
import { FrameDispatcher, MAX_TABLES, type WorkerPort } from './frame-dispatcher.js';
import { TUNNEL_PORTS } from './flow-router.js';
import { JobRunner, type JobStats } from './job-runner.js';
import { loadLineJob } from './line-job.js';
import { LineMerge } from './line-merge.js';
import { frameSource, framesWith } from './line-source.js';
import type { FromWorker, WorkerInit } from './messages.js';
import { PlainOutputPool } from './output-pool.js';
import { SharedChunks } from './shared-chunks.js';
import { TableDissector } from './table-dissector.js';
import { mainShare } from './thread-count.js';
import { ThreadMeter, type ThreadStats } from './thread-stats.js';
import { compiledModule } from './worker-entry.js';

/** Bytes read at a time into shared memory: larger chunks than one thread reads, for fewer tables. */
const CHUNK_BYTES = 2 * 1024 * 1024;

/** Output buffers a worker keeps for its batches' lines (more are made, not kept, when all are in use). */
const OUTPUT_BUFFERS = 32;

/**
 * `captureLines` on `n` threads: this one reads, dispatches frames by connection through
 * shared memory, dissects its share when it takes one and merges every thread's lines.
 */
export function inWorkers(options: CaptureLinesOptions, n: number): Observable<LineChunk> {
  return new Observable<LineChunk>((subscriber) => {
    const share = options.mainShare ?? mainShare(n);
    // The dissectors: this thread (index 0) when it takes a share, and worker threads.
    const here = share > 0 ? 1 : 0;
    const shares = here ? [share, ...Array.from({ length: n - 1 }, () => (1 - share) / (n - 1))] : undefined;
    const workerShare = here ? (1 - share) / (n - 1) : 1 / n;
    const meter = options.threadStats === undefined ? undefined : new ThreadMeter(here ? 0 : -1, true, here ? share : 0);
    const threadStats: ThreadStats[] = [];
    const control = FrameDispatcher.controlBlock();
    const spec = { ...options.job, module: options.job.module instanceof URL ? options.job.module.href : options.job.module };
    const entry = compiledModule('worker-main.js');
    /** Per worker thread (by dissector index): its output buffers' flags, and the buffers as this thread sees them. */
    const outputs: Int32Array[] = [];
    const outputViews: Uint8Array[][] = [];
    const threads: Worker[] = [];
    /** This thread's own output buffers, when it dissects a share. */
    let ownMemory: PlainOutputPool | undefined;
    for (let i = here; i < n; i++) {
      outputs[i] = new Int32Array(new SharedArrayBuffer(OUTPUT_BUFFERS * 4));
      outputViews[i] = [];
      const workerData: WorkerInit = { job: spec, index: i, writesShared: i === n - 1, control, share: workerShare, output: outputs[i]!.buffer as SharedArrayBuffer };
      threads[i] = new Worker(entry, { workerData });
    }
    const merge = new LineMerge(
      n,
      // The merge copies lines out of the workers' buffers: what it hands on is this thread's own.
      (channel, bytes) => subscriber.next({ channel: CHANNELS[channel]!, bytes }),
      (worker, memory) => {
        if (worker === 0 && here) ownMemory?.give(memory);
        else if (memory >= 0) Atomics.store(outputs[worker]!, memory, 1);
      },
      options.order === 'connections',
    );
    let finals = 0;
    let finished = false;
    let sourceError: unknown;
    let sourceDone = false;
    let dirty = false;
    let flushQueued = false;
    let sub: Subscription | undefined;
    let dispatcher: FrameDispatcher | undefined;

    const stop = (): void => {
      finished = true;
      sub?.unsubscribe();
      for (const t of threads) void t?.terminate();
    };
    const abort = (err: unknown): void => {
      if (finished) return;
      stop();
      subscriber.error(err);
    };
    /** A dissector's lines: merged, and the run ends with the last one's end-of-input lines. */
    const report = (
      i: number,
      bytes: Uint8Array,
      lines: Float64Array,
      creations: readonly number[],
      upTo: number,
      final: boolean,
      memory: number,
      stats: JobStats | undefined,
      thread?: ThreadStats,
    ): void => {
      merge.add(i, bytes, lines, creations, upTo, final, memory);
      meter?.sample();
      if (thread !== undefined) threadStats.push(thread);
      // A dissector releases its tables before it reports: take them (and their chunks) back.
      dispatcher?.reclaim();
      if (final) {
        if (options.stats !== undefined && stats !== undefined) addStats(options.stats, stats);
        finals++;
      }
      merge.drain();
      if (finals === n) {
        stop();
        if (meter !== undefined) options.threadStats!.push(meter.stats(), ...threadStats.sort((a, b) => a.index - b.index));
        if (sourceError !== undefined) subscriber.error(sourceError);
        else subscriber.complete();
      }
    };

    threads.forEach((thread, i) => {
      thread.on('message', (m: FromWorker) => {
        if (finished) return;
        if (m.t === 'error') return abort(workerError(i, m));
        const views = outputViews[i]!;
        let view = m.memory >= 0 ? views[m.memory] : undefined;
        if (m.buffer !== undefined) {
          view = new Uint8Array(m.buffer);
          if (m.memory >= 0) views[m.memory] = view;
        }
        report(i, view!.subarray(0, m.length), m.lines, m.creations, m.upTo, m.final, m.memory, m.stats, m.thread);
      });
      thread.on('error', abort);
      thread.on('exit', (code) => {
        // Its last messages may still be on their way: look again after them.
        setImmediate(() => {
          if (!finished && !merge.isFinal(i)) abort(new Error(`netrx worker ${i} exited (code ${code}) before the end of its work`));
        });
      });
    });

    const start = async (): Promise<void> => {
      const ports: WorkerPort[] = [...threads];
      if (here) {
        // This thread's own share: the same job (its arguments copied, as for a worker), fed the
        // same tables, right after the workers are told of each.
        const memory = new PlainOutputPool();
        ownMemory = memory;
        const runner = new JobRunner(await loadLineJob({ ...options.job, args: structuredClone(options.job.args) }), memory);
        const own = new TableDissector(runner, 0, false, new Int32Array(control), ({ bytes, lines, memory }, creations, upTo, final, stats) =>
          report(0, bytes, lines, creations, upTo, final, memory, stats),
        );
        ports[0] = {
          postMessage: (m) => {
            if (finished) return;
            try {
              own.onMessage(m);
            } catch (err) {
              abort(err);
            }
          },
        };
      }
      if (finished) return;
      const chunks = new SharedChunks(CHUNK_BYTES, MAX_TABLES + 2, (chunk, buffer) => {
        for (const p of ports) p.postMessage({ t: 'chunk', chunk, buffer });
      });
      const d = new FrameDispatcher(ports, control, chunks, shares, options.tunnelPorts === undefined ? undefined : [...TUNNEL_PORTS, ...options.tunnelPorts], options.batchBytes, options.batchFrames);
      dispatcher = d;
      const flush = (): void => {
        if (!dirty) return;
        dirty = false;
        d.flush();
      };
      const endInput = (): void => {
        if (sourceDone) return;
        sourceDone = true;
        dirty = true;
        flush();
        d.end();
      };
      const beforeNextChunk = (): Promise<void> | undefined => {
        flush();
        return d.ready();
      };
      const secrets: SecretsSink = (x) => d.secrets(x.type, x.data);
      sub = frameSource(options, { beforeNextChunk, frames: framesWith(beforeNextChunk, chunks, secrets) }).subscribe({
        next: (frame) => {
          d.add(frame);
          dirty = true;
          // A source that does not call the hook (a live capture): frames arriving within one
          // turn of the event loop go together.
          if (!flushQueued) {
            flushQueued = true;
            setImmediate(() => {
              flushQueued = false;
              if (!finished) flush();
            });
          }
        },
        error: (err: unknown) => {
          sourceError = err;
          endInput();
        },
        complete: endInput,
      });
    };
    start().catch(abort);
    return stop;
  });
}

/** A worker's error as this thread throws it: a `NetrxError` with its code when it had one. */
function workerError(worker: number, m: Extract<FromWorker, { t: 'error' }>): Error {
  if (m.code !== undefined && m.code in ErrorCodes) return new NetrxError(m.code as ErrorCode, m.message);
  const err = new Error(`netrx worker ${worker}: ${m.message}`);
  if (m.stack !== undefined) err.stack = `${err.message}\n${m.stack}`;
  return err;
}
