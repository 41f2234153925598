import { tap } from 'rxjs';
import { captureLines, createPipeline, defaultWorkers, memoryBytes, type ThreadStats } from '@netrx/pipeline';
import { dropsFromCounters, reportDrops } from './drops-report.js';
import { governHeap } from './heap-governor.js';
import type { CliArgs } from './args.js';
import { RunFacts, reportUnshown } from './honest.js';
import { keyLogFiles } from './keylog.js';
import type { CliIO } from './output.js';
import type { ParallelJobArgs } from './parallel-job.js';
import { loadPlugins } from './plugins.js';
import type { CommandRun } from './run.js';
import { openFrames } from './source.js';
import { ShownCounter } from './summary.js';

/** The commands that run in worker threads; the others run in one. */
export const PARALLEL_COMMANDS: ReadonlySet<string> = new Set(['packets', 'tcp', 'http', 'ws']);

/** Counters of a worker's `RunFacts` (`parallel-job.ts`): TLS connections that looked like TLS, and not decrypted by reason. */
export const TLS_LOOKING = 'tlsLooking';
export const TLS_NOT_DECRYPTED = 'tlsNotDecrypted:';

/** In a worker thread: where {@link runParallel} hands the command's run instead of running it. */
let workerHandOff: ((run: CommandRun<unknown>) => void) | undefined;

/**
 * In a worker thread (the job module, `parallel-job.ts`): makes {@link runParallel} give the
 * next command's run to `take` instead of running it, so a worker builds the very run the command
 * builds on the main thread.
 */
export function handOffCommandRuns(take: (run: CommandRun<unknown>) => void): void {
  workerHandOff = take;
}

/**
 * Threads for a command line: `--workers`, else `defaultWorkers` of `@netrx/pipeline` — for a
 * capture file, one per 64 MiB of it up to the machine's cores (a thread with less to do costs
 * about what it saves), one for standard input and a live capture.
 */
export function workersFor(args: Pick<CliArgs, 'workers' | 'interface' | 'read'>): number {
  if (args.workers !== undefined) return args.workers;
  return defaultWorkers(args.interface !== undefined ? { live: { device: args.interface } } : { file: args.read === '-' ? process.stdin : args.read });
}

/**
 * Why a command line runs in one thread whatever `--workers` says, or undefined when it may run
 * in several: a command other than `packets`, `tcp`, `http`, `ws`; `--sink` (its records are
 * made of items, which stay in the threads); and what needs the whole capture's connection ids or
 * order while items are chosen or written — `--stream`, `-z follow`, `-Y` (its records name their
 * connection), `--max-messages`, `-t d` (seconds since the previous line).
 */
export function oneThreadReason(args: CliArgs): string | undefined {
  if (!PARALLEL_COMMANDS.has(args.command)) return `netrx ${args.command}`;
  if (args.sink !== undefined) return '--sink';
  if (args.stream !== undefined) return '--stream';
  if (args.follow !== undefined) return '-z follow';
  if (args.displayFilter !== undefined) return '-Y';
  if (args.maxMessages !== undefined) return '--max-messages';
  if (args.time === 'd') return '-t d';
  // Its lines are written as the pipeline finds them, outside the command's items.
  if (args.warnings) return '--warnings';
  return undefined;
}

/** The job module workers load: the compiled one (`dist/`) also when this runs from its TypeScript source (tests). */
function jobModule(): string {
  const url = new URL('./parallel-job.js', import.meta.url).href;
  return import.meta.url.endsWith('.ts') ? url.replace('/src/parallel-job.js', '/dist/parallel-job.js') : url;
}

/**
 * Runs a command in several threads when it should ({@link workersFor} over 1, and no
 * {@link oneThreadReason}); returns undefined when it should not, for the caller to run it in one.
 * The output is what one thread writes, byte for byte and in the same order (`captureLines` of
 * `@netrx/pipeline`): each thread builds the same run from the same command line
 * (`parallel-job.ts`), writes its share of the connections' lines, and this thread merges them
 * (`netrx tcp` on a file: in connection order, as it writes them). What the run says at the end
 * (the live summary, what was there but not shown, `tcp`'s totals) adds up every thread's
 * counters. As in one thread, a source that failed part-way is thrown after everything read
 * before the failure was written.
 */
export async function runParallel<T>(args: CliArgs, io: CliIO, run: CommandRun<T>): Promise<number | undefined> {
  if (workerHandOff !== undefined) {
    workerHandOff(run as CommandRun<unknown>);
    return 0;
  }
  const workers = workersFor(args);
  if (workers <= 1 || oneThreadReason(args) !== undefined) return undefined;
  // As runCommand: plugins, key logs (which say on stderr where keys come from) and the pipeline
  // are made here too, so a bad option fails before any thread starts; the threads get the key
  // log files found here.
  const facts = new RunFacts();
  facts.totals = run.options?.tcp?.totals ?? facts.totals;
  const plugins = await loadPlugins(args.plugins);
  const keylog = keyLogFiles(args, io);
  const pipeline = createPipeline({
    ...run.options,
    tcp: { ...run.options?.tcp, totals: facts.totals },
    decodeAs: args.decodeAs,
    keylog,
    extraPlugins: [...(run.options?.extraPlugins ?? []), ...plugins],
  });
  const counters: Record<string, number> = {};
  // NETRX_THREAD_STATS=1: what each thread used, on stderr at the end (for measuring scaling; see docs/parallel.md).
  const threadStats: ThreadStats[] | undefined = process.env['NETRX_THREAD_STATS'] ? [] : undefined;
  // --memory is the run's, not each thread's: every thread dissects its share of the connections
  // within its share of the budget.
  const memory = Math.max(1, Math.floor(memoryBytes(args.memory) / workers));
  const jobArgs: ParallelJobArgs = { args: { ...args, keylog, memory }, tty: (io.stdout as { isTTY?: boolean }).isTTY === true };
  let failure: unknown;
  // This thread's heap (it reads, merges, and may dissect a share); each worker watches its own.
  const stopGoverning = governHeap(memory);
  await new Promise<void>((resolve) => {
    captureLines({
      workers,
      job: { module: jobModule(), export: 'cliLineJob', args: jobArgs },
      frames: (hooks) =>
        openFrames(args, io, pipeline, undefined, hooks.frames).pipe(
          tap(() => {
            facts.frames++;
          }),
        ),
      stats: { tcp: facts.totals, dissect: run.options?.dissect?.stats, counters },
      threadStats,
      // netrx tcp writes a capture file's connections in the order of their ids (inStreamOrder).
      order: args.command === 'tcp' && args.interface === undefined ? 'connections' : 'frames',
      // UDP ports decode-as rules give a dissector may carry tunnels: routed by address.
      tunnelPorts: args.decodeAs.flatMap((rule) => {
        const m = /^\s*udp\.port\s*==\s*(\d+)\s*,/.exec(rule);
        return m ? [Number(m[1])] : [];
      }),
    }).subscribe({
      next: (chunk) => {
        // -q: the threads' lines are counted, not shown (as in one thread).
        if (chunk.channel === 'out' && args.quiet) return;
        (chunk.channel === 'out' ? io.stdout : io.stderr).write(chunk.bytes);
      },
      error: (err: unknown) => {
        failure = err;
        resolve();
      },
      complete: resolve,
    });
  });
  stopGoverning();
  await drained(io);
  for (const t of threadStats ?? []) io.stderr.write(`${threadStatsLine(t)}\n`);
  const shown = new ShownCounter();
  shown.addCounts({ connections: counters['connections'] ?? 0, items: counters['items'] ?? 0 });
  for (let i = 0; i < (counters[TLS_LOOKING] ?? 0); i++) facts.tlsLooking.add(-1 - i);
  for (const [name, n] of Object.entries(counters)) if (name.startsWith(TLS_NOT_DECRYPTED)) facts.tlsNotDecrypted.set(name.slice(TLS_NOT_DECRYPTED.length), n);
  if (run.shown !== undefined) shown.report(args, io, run.shown);
  if (failure === undefined) reportUnshown(args, io, facts, shown.count, run.shown);
  run.after?.();
  // What the threads dropped, added up: the same line as one thread's.
  const { drops, hidden } = dropsFromCounters(counters, memoryBytes(args.memory));
  reportDrops(args, io, drops, hidden);
  if (failure !== undefined) throw failure;
  return 0;
}

/** Waits until stdout has taken everything (or failed: `netrx … | head`). */
async function drained(io: CliIO): Promise<void> {
  if (!io.stdout.writableNeedDrain) return;
  await new Promise<void>((res) => {
    const done = (): void => {
      io.stdout.off('drain', done).off('error', done).off('close', done);
      res();
    };
    io.stdout.on('drain', done).on('error', done).on('close', done);
  });
}

/** One thread's {@link ThreadStats} as a line for people. */
export function threadStatsLine(t: ThreadStats): string {
  const mb = (n: number): string => (n / 2 ** 20).toFixed(0);
  const role = t.main ? `main thread (reads, merges${t.share > 0 ? `, dissects ${t.share.toFixed(2)}` : ''})` : `worker ${t.index} (dissects ${t.share.toFixed(2)})`;
  const cpu = t.cpuSeconds === undefined ? 'cpu ?' : `cpu ${t.cpuSeconds.toFixed(2)} s`;
  return `netrx: ${role}: ${cpu}, heap peak ${mb(t.heapPeakBytes)} MB, buffers peak ${mb(t.externalPeakBytes)} MB`;
}
