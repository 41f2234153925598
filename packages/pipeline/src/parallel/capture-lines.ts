import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Observable, type Subscription } from 'rxjs';
import { ErrorCodes, NetrxError, type CapturedFrame, type ErrorCode } from '@netrx/core';
import { openFrames } from '../open-frames.js';
import type { FrameSourceOptions } from '../pipeline-options.js';
import { addCounters } from './add-counters.js';
import { FrameDispatcher } from './frame-dispatcher.js';
import { JobRunner, type JobStats } from './job-runner.js';
import { loadLineJob, type LineJobSpec } from './line-job.js';
import { LineMerge } from './line-merge.js';
import type { FromWorker, WorkerInit } from './messages.js';
import { compiledModule } from './worker-entry.js';

/** Lines of a run, in the order one thread writes them: whole lines of one channel. */
export interface LineChunk {
  /** `out`: the job's output; `messages`: what it writes for people (standard error). */
  readonly channel: 'out' | 'messages';
  /** Whole lines, UTF-8, each ending in `\n`. Yours to keep. */
  readonly bytes: Uint8Array;
}

/** What a source gets from {@link captureLines} to wait on between chunks. */
export interface LineSourceHooks {
  /**
   * Call after each chunk of frames (a capture file's `beforeNextChunk`) and wait for the promise
   * when it returns one: it hands the chunk's frames to the workers, and holds the reading while a
   * worker is {@link SLOTS_PER_WORKER} batches behind.
   */
  readonly beforeNextChunk: () => Promise<unknown> | undefined;
}

/** Options of {@link captureLines}. */
export interface CaptureLinesOptions extends FrameSourceOptions {
  /** The job every worker runs (see {@link LineJob}). */
  readonly job: LineJobSpec;
  /**
   * Worker threads, a whole number from 1 (default: {@link defaultWorkers}). With 1 the job runs
   * on this thread and no worker is started.
   */
  readonly workers?: number;
  /**
   * Frames from a source of your own instead of `file` or `live`: called once with the hooks it
   * must call between chunks (a source that never waits still works; see {@link FrameDispatcher}).
   */
  readonly frames?: (hooks: LineSourceHooks) => Observable<CapturedFrame>;
  /**
   * Counters to add each worker's to at the end: the `tcp.totals` and `dissect.stats` the job's
   * options had in each worker, and the job's own {@link LineJob.counters}.
   */
  readonly stats?: JobStats;
  /** Frame bytes per batch slot (default 1 MiB). */
  readonly batchBytes?: number;
}

/**
 * Worker threads for a source when none are asked for: the machine's cores
 * (`os.availableParallelism()`) for a capture file, one for a live capture — a live capture's
 * rate rarely needs more than one thread (netrx dissects over 100k packets/s on one), and with
 * one a packet's lines are written as soon as it is dissected, where workers would hold them
 * until every worker has caught up.
 */
export function defaultWorkers(source: FrameSourceOptions): number {
  return source.live !== undefined ? 1 : Math.max(1, availableParallelism());
}

/**
 * Runs a {@link LineJob} over a capture in worker threads and emits its lines — byte for byte
 * the lines one thread writes, in the same order. The main thread reads the capture, splits the
 * frames by connection ({@link FlowRouter}: both directions of a connection, and IP fragments,
 * to one worker) and hands them over in batches through shared memory; each worker runs the
 * job's pipeline (dissect → reassembleTcp → dissectStreams → its stages) for its connections and
 * writes its lines; the main thread merges them in the order of the frames that caused them and
 * renumbers connections in the order the whole capture shows them ({@link LineMerge}).
 *
 * What crosses threads: frames (bytes and header fields), the job's module address and
 * arguments, lines as bytes, and counters. Events and items never do: a job turns them into
 * lines where they are made. The job's own state (pinned dissectors, key stores, caps and
 * timeouts) is per worker: caps such as `tcp.maxConnections` and `maxBufferedTotal` apply to
 * each worker's share, and timeouts run on the packet time of that share (see the README's
 * "Parallel runs" for what that means for output).
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

/** The frames of the options' source, with `hooks.beforeNextChunk` called between chunks. */
function frameSource(options: CaptureLinesOptions, hooks: LineSourceHooks): Observable<CapturedFrame> {
  if (options.frames !== undefined) return options.frames(hooks);
  const mine = options.fileOptions?.beforeNextChunk;
  return openFrames({
    ...options,
    fileOptions: {
      chunkSize: 4 * 1024 * 1024,
      ...options.fileOptions,
      beforeNextChunk: () => {
        const a = hooks.beforeNextChunk();
        const b = mine?.();
        return a === undefined ? b : b === undefined ? a : Promise.all([a, b]);
      },
    },
  });
}

const CHANNELS = ['out', 'messages'] as const;

function inWorkers(options: CaptureLinesOptions, n: number): Observable<LineChunk> {
  return new Observable<LineChunk>((subscriber) => {
    const controls = Array.from({ length: n }, () => FrameDispatcher.controlBlock());
    const job = { ...options.job, module: options.job.module instanceof URL ? options.job.module.href : options.job.module };
    const entry = compiledModule('worker-main.js');
    const threads = controls.map((control, index) => new Worker(entry, { workerData: { job, index, control } satisfies WorkerInit }));
    const merge = new LineMerge(n, (channel, bytes) => subscriber.next({ channel: CHANNELS[channel]!, bytes }));
    const dispatcher = new FrameDispatcher(threads, controls, options.batchBytes);
    let finals = 0;
    let finished = false;
    let sourceError: unknown;
    let sourceDone = false;
    let dirty = false;
    let flushQueued = false;
    let sub: Subscription | undefined;

    const stop = (): void => {
      finished = true;
      sub?.unsubscribe();
      for (const t of threads) void t.terminate();
    };
    const abort = (err: unknown): void => {
      if (finished) return;
      stop();
      subscriber.error(err);
    };
    const flush = (): void => {
      if (!dirty) return;
      dirty = false;
      dispatcher.flush();
    };
    const endInput = (): void => {
      if (sourceDone) return;
      sourceDone = true;
      dirty = true;
      flush();
      dispatcher.end();
    };

    threads.forEach((thread, i) => {
      thread.on('message', (m: FromWorker) => {
        if (finished) return;
        if (m.t === 'error') return abort(workerError(i, m));
        merge.add(i, m.bytes, m.lines, m.creations, m.upTo, m.final);
        if (m.final) {
          if (options.stats !== undefined && m.stats !== undefined) addStats(options.stats, m.stats);
          finals++;
        }
        merge.drain();
        if (finals === n) {
          stop();
          if (sourceError !== undefined) subscriber.error(sourceError);
          else subscriber.complete();
        }
      });
      thread.on('error', abort);
      thread.on('exit', (code) => {
        // Its last messages may still be on their way: look again after them.
        setImmediate(() => {
          if (!finished && !merge.isFinal(i)) abort(new Error(`netrx worker ${i} exited (code ${code}) before the end of its work`));
        });
      });
    });

    const hooks: LineSourceHooks = {
      beforeNextChunk: () => {
        flush();
        return dispatcher.ready();
      },
    };
    try {
      sub = frameSource(options, hooks).subscribe({
        next: (frame) => {
          dispatcher.add(frame);
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
    } catch (err) {
      abort(err);
    }
    return stop;
  });
}

function inProcess(options: CaptureLinesOptions): Observable<LineChunk> {
  return new Observable<LineChunk>((subscriber) => {
    let sub: Subscription | undefined;
    let stopped = false;
    const merge = new LineMerge(1, (channel, bytes) => subscriber.next({ channel: CHANNELS[channel]!, bytes }));
    const start = async (): Promise<void> => {
      // Copied as for a worker, so that a job behaves the same on one thread and on many.
      const runner = new JobRunner(await loadLineJob({ ...options.job, args: structuredClone(options.job.args) }));
      if (stopped) return;
      let lastFrame = 0;
      let emitQueued = false;
      const emit = (): void => {
        const { bytes, lines } = runner.lines.take();
        merge.add(0, bytes, lines, runner.takeCreations(), lastFrame, false);
        merge.drain();
      };
      const finish = (err?: unknown): void => {
        if (stopped) return;
        stopped = true;
        try {
          emit();
          runner.end();
          const { bytes, lines } = runner.lines.take();
          merge.add(0, bytes, lines, runner.takeCreations(), Infinity, true);
          merge.drain();
          if (options.stats !== undefined) addStats(options.stats, runner.stats());
        } catch (e) {
          return subscriber.error(e);
        }
        if (err !== undefined) subscriber.error(err);
        else subscriber.complete();
      };
      sub = frameSource(options, { beforeNextChunk: () => void emit() }).subscribe({
        next: (frame) => {
          if (stopped) return;
          lastFrame = frame.frameNumber;
          try {
            runner.push(frame);
          } catch (err) {
            stopped = true;
            sub?.unsubscribe();
            return subscriber.error(err);
          }
          // A source that does not call the hook (a live capture): lines go out each turn of the event loop.
          if (!emitQueued) {
            emitQueued = true;
            setImmediate(() => {
              emitQueued = false;
              if (!stopped) emit();
            });
          }
        },
        error: (err: unknown) => finish(err),
        complete: () => finish(),
      });
    };
    start().catch((err: unknown) => subscriber.error(err));
    return () => {
      stopped = true;
      sub?.unsubscribe();
    };
  });
}

/** A worker's error as this thread throws it: a `NetrxError` with its code when it had one. */
function workerError(worker: number, m: Extract<FromWorker, { t: 'error' }>): Error {
  if (m.code !== undefined && m.code in ErrorCodes) return new NetrxError(m.code as ErrorCode, m.message);
  const err = new Error(`netrx worker ${worker}: ${m.message}`);
  if (m.stack !== undefined) err.stack = `${err.message}\n${m.stack}`;
  return err;
}

function addStats(into: JobStats, from: JobStats): void {
  if (into.tcp !== undefined && from.tcp !== undefined) addCounters(into.tcp, from.tcp);
  if (into.dissect !== undefined && from.dissect !== undefined) addCounters(into.dissect, from.dissect);
  if (into.counters !== undefined && from.counters !== undefined) addCounters(into.counters, from.counters);
}
