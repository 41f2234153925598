import { availableParallelism } from 'node:os';
import { captureLines, createPipeline, mainShare } from '@netrx/pipeline';
import type { CliArgs } from './args.js';
import type { CliIO } from './output.js';
import type { CommandRun } from './run.js';
import { openFrames } from './source.js';
import { ShownCounter } from './summary.js';

/** The commands that run in worker threads; the others run in one. */
export const PARALLEL_COMMANDS: ReadonlySet<string> = new Set(['packets', 'tcp', 'http', 'ws']);

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

/** Worker threads for a command line: `--workers`, else the machine's cores for a file and 1 for live capture. */
export function workersFor(args: Pick<CliArgs, 'workers' | 'interface'>): number {
  return args.workers ?? (args.interface !== undefined ? 1 : availableParallelism());
}

/** The job module workers load: the compiled one (`dist/`) also when this runs from its TypeScript source (tests). */
function jobModule(): string {
  const url = new URL('./parallel-job.js', import.meta.url).href;
  return import.meta.url.endsWith('.ts') ? url.replace('/src/parallel-job.js', '/dist/parallel-job.js') : url;
}

/**
 * Runs a command in worker threads when it should ({@link workersFor} over 1, a command of
 * {@link PARALLEL_COMMANDS}); returns undefined when it should not, for the caller to run it in
 * one. The output is what one thread writes, byte for byte and in the same order
 * (`captureLines` of `@netrx/pipeline`): each worker builds the same run from the same command
 * line (`parallel-job.ts`), writes its share of the connections' lines, and this thread merges
 * them. The counters the command reads afterwards (`tcp`'s totals, the live summary) are added
 * up from every worker before `run.after`. As in one thread, a source that failed part-way is
 * thrown after everything read before the failure was written.
 */
export async function runParallel<T>(args: CliArgs, io: CliIO, run: CommandRun<T>): Promise<number | undefined> {
  if (workerHandOff !== undefined) {
    workerHandOff(run as CommandRun<unknown>);
    return 0;
  }
  const workers = workersFor(args);
  if (workers <= 1 || !PARALLEL_COMMANDS.has(args.command)) return undefined;
  // Built here too: a bad decode-as rule fails before any worker starts, and it opens the source.
  const pipeline = createPipeline({ ...run.options, decodeAs: args.decodeAs });
  const shown = { connections: 0, items: 0 };
  let failure: unknown;
  await new Promise<void>((resolve) => {
    captureLines({
      workers,
      job: { module: jobModule(), export: 'cliLineJob', args: { ...args } },
      frames: (hooks) => openFrames(args, io, pipeline, { open: hooks.frames }),
      stats: { tcp: run.options?.tcp?.totals, dissect: run.options?.dissect?.stats, counters: shown },
      // `netrx packets` dissects little per line: reading and merging weigh more (see mainShare).
      mainShare: mainShare(workers, args.command === 'packets' ? 0.8 : undefined),
    }).subscribe({
      next: (chunk) => (chunk.channel === 'out' ? io.stdout : io.stderr).write(chunk.bytes),
      error: (err: unknown) => {
        failure = err;
        resolve();
      },
      complete: resolve,
    });
  });
  await drained(io);
  if (run.shown !== undefined) {
    const counter = new ShownCounter();
    counter.addCounts(shown);
    counter.report(args, io, run.shown);
  }
  run.after?.();
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
