import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Observable, take, type Subscription } from 'rxjs';
import { ErrorCodes, NetrxError, type CapturedFrame, type ErrorCode } from '@netrx/core';
import type { CaptureFileOptions, SecretsSink } from '@netrx/source-file';
import { filterFrames } from '../filter-frames.js';
import { openFrames } from '../open-frames.js';
import type { FrameSourceOptions } from '../pipeline-options.js';
import { addCounters } from './add-counters.js';
import { FrameDispatcher, MAX_TABLES, type WorkerPort } from './frame-dispatcher.js';
import { TUNNEL_PORTS } from './flow-router.js';
import { JobRunner, type JobStats } from './job-runner.js';
import { loadLineJob, type LineJobSpec } from './line-job.js';
import { LineMerge } from './line-merge.js';
import type { FromWorker, WorkerInit } from './messages.js';
import { SharedChunks } from './shared-chunks.js';
import { sharedFileFrames } from './shared-file-frames.js';
import { TableDissector } from './table-dissector.js';
import { PlainOutputPool } from './output-pool.js';
import { ThreadMeter, type ThreadStats } from './thread-stats.js';
import { compiledModule } from './worker-entry.js';

/** Lines of a run, in the order one thread writes them: whole lines of one channel. */
export interface LineChunk {
  /** `out`: the job's output; `messages`: what it writes for people (standard error). */
  readonly channel: 'out' | 'messages';
  /** Whole lines, UTF-8, each ending in `\n`. Yours to keep. */
  readonly bytes: Uint8Array;
}

/** What a source of your own gets from {@link captureLines} (see {@link CaptureLinesOptions.frames}). */
export interface LineSourceHooks {
  /**
   * Call after each chunk of frames (a capture file's `beforeNextChunk`) and wait for the promise
   * when it returns one: it hands the chunk's frames to the workers, and holds the reading while
   * the workers are `TABLES_IN_FLIGHT` (6) chunks behind.
   */
  readonly beforeNextChunk: () => Promise<unknown> | undefined;
  /**
   * The frames of a source as {@link captureLines} reads its own: a capture file read into memory
   * the workers share (no copy of each frame), with `beforeNextChunk` called for you after your
   * own `fileOptions.beforeNextChunk`. Throws as `openFrames` does.
   */
  readonly frames: (source: FrameSourceOptions) => Observable<CapturedFrame>;
}

/** Options of {@link captureLines}. */
export interface CaptureLinesOptions extends FrameSourceOptions {
  /** The job every worker runs (see {@link LineJob}). */
  readonly job: LineJobSpec;
  /**
   * Threads that dissect, a whole number from 1 (default: {@link defaultWorkers}): this thread
   * with a share of the connections and `workers − 1` worker threads (see
   * {@link CaptureLinesOptions.mainShare}). With 1 the job runs on this thread alone.
   */
  readonly workers?: number;
  /**
   * Frames from a source of your own instead of `file` or `live`: called once with the hooks it
   * must call between chunks (a source that never waits still works: past a bound of batches in
   * flight, reading blocks until a worker catches up).
   */
  readonly frames?: (hooks: LineSourceHooks) => Observable<CapturedFrame>;
  /**
   * Counters to add each worker's to at the end: the `tcp.totals` and `dissect.stats` the job's
   * options had in each worker, and the job's own {@link LineJob.counters}.
   */
  readonly stats?: JobStats;
  /** Bytes of frames copied into one table, from a source other than a capture file (default 4 MiB). */
  readonly batchBytes?: number;
  /**
   * The order of the output lines: `frames` (default), as one thread writes them while it reads
   * the capture; `connections`, in the order of their connections' ids, each connection's lines
   * (a line naming one, and the lines after it naming none) once every lower id's are out — for a
   * job whose stages end in that order (`netrx tcp` on a file), since each thread orders only its
   * own connections.
   */
  readonly order?: 'frames' | 'connections';
  /**
   * More UDP ports that carry tunnels (besides VXLAN 4789, Geneve 6081 and GTP-U 2152): their
   * packets are split among threads by their outer addresses alone, since a tunnel endpoint may
   * pick the outer source port per inner flow and direction. Give the ports your decode-as rules
   * make tunnels (`udp.port==8472,vxlan`).
   */
  readonly tunnelPorts?: readonly number[];
  /** Frames in one table at most (default 65,536): smaller tables hand frames over more often. */
  readonly batchFrames?: number;
  /**
   * The share of the connections the main thread dissects itself, 0 to 1, besides reading and
   * merging (default: {@link mainShare} of `workers`); the rest is shared equally by the
   * worker threads. With 0, `workers` worker threads dissect; otherwise `workers − 1`.
   */
  readonly mainShare?: number;
  /**
   * An array to fill at the end with what each thread used ({@link ThreadStats}): this thread
   * first (it reads and merges, and dissects its share), then each worker thread.
   */
  readonly threadStats?: ThreadStats[];
}

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

/** The frames of the options' source: its own (`options.frames`), or a file or live capture. */
function frameSource(options: CaptureLinesOptions, hooks: LineSourceHooks): Observable<CapturedFrame> {
  return options.frames !== undefined ? options.frames(hooks) : hooks.frames(options);
}

/** Bytes read at a time into shared memory: larger chunks than one thread reads, for fewer tables. */
const CHUNK_BYTES = 2 * 1024 * 1024;

/** {@link LineSourceHooks.frames}: `openFrames`, with a regular file read into `chunks` when given. */
function framesWith(
  beforeNextChunk: () => Promise<unknown> | undefined,
  chunks: SharedChunks | undefined,
  secrets: SecretsSink,
): (source: FrameSourceOptions) => Observable<CapturedFrame> {
  return (source) => {
    const theirs = source.fileOptions?.beforeNextChunk;
    const theirSecrets = source.fileOptions?.onSecrets;
    const fileOptions: CaptureFileOptions = {
      ...source.fileOptions,
      beforeNextChunk: () => {
        const theirWait = theirs?.();
        const ours = beforeNextChunk();
        return theirWait === undefined ? ours : ours === undefined ? theirWait : Promise.all([theirWait, ours]);
      },
      // Keys a pcapng carries go to every dissecting thread's pipeline, as one pipeline takes them.
      onSecrets: (s) => {
        secrets(s);
        theirSecrets?.(s);
      },
    };
    if (chunks === undefined || typeof source.file !== 'string' || source.live !== undefined) return openFrames({ ...source, fileOptions });
    const { count } = source;
    if (count !== undefined && (!Number.isInteger(count) || count < 1)) {
      throw new NetrxError('ERR_INVALID_OPTION', `count must be a whole number from 1, not ${count}`);
    }
    // As openFrames: the capture filter, then the count.
    let frames = sharedFileFrames(source.file, fileOptions, chunks);
    if (source.filter !== undefined) frames = frames.pipe(filterFrames(source.filter));
    return count === undefined ? frames : frames.pipe(take(count));
  };
}

const CHANNELS = ['out', 'messages'] as const;
/** Output buffers a worker keeps for its batches' lines (more are made, not kept, when all are in use). */
const OUTPUT_BUFFERS = 32;

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

function inWorkers(options: CaptureLinesOptions, n: number): Observable<LineChunk> {
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

function inProcess(options: CaptureLinesOptions): Observable<LineChunk> {
  return new Observable<LineChunk>((subscriber) => {
    let sub: Subscription | undefined;
    let stopped = false;
    const memory = new PlainOutputPool();
    const meter = options.threadStats === undefined ? undefined : new ThreadMeter(0, true, 1);
    const merge = new LineMerge(
      1,
      (channel, bytes) => subscriber.next({ channel: CHANNELS[channel]!, bytes }),
      (_worker, id) => memory.give(id),
      options.order === 'connections',
    );
    const start = async (): Promise<void> => {
      // Copied as for a worker, so that a job behaves the same on one thread and on many.
      const runner = new JobRunner(await loadLineJob({ ...options.job, args: structuredClone(options.job.args) }), memory);
      if (stopped) return;
      let lastFrame = 0;
      let emitQueued = false;
      const emit = (): void => {
        const { bytes, lines, memory: id } = runner.lines.take();
        merge.add(0, bytes, lines, runner.takeCreations(), lastFrame, false, id);
        merge.drain();
        meter?.sample();
      };
      const finish = (err?: unknown): void => {
        if (stopped) return;
        stopped = true;
        try {
          emit();
          runner.end();
          const { bytes, lines, memory: id } = runner.lines.take();
          merge.add(0, bytes, lines, runner.takeCreations(), Infinity, true, id);
          merge.drain();
          if (options.stats !== undefined) addStats(options.stats, runner.stats());
          if (meter !== undefined) options.threadStats!.push(meter.stats());
        } catch (e) {
          return subscriber.error(e);
        }
        if (err !== undefined) subscriber.error(err);
        else subscriber.complete();
      };
      const beforeNextChunk = (): undefined => void emit();
      sub = frameSource(options, { beforeNextChunk, frames: framesWith(beforeNextChunk, undefined, (x) => runner.addSecrets(x)) }).subscribe({
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
