import { EMPTY, catchError, lastValueFrom, tap, type Observable, type OperatorFunction } from 'rxjs';
import type { CapturedFrame } from '@netrx/core';
import { createPipeline, type LineSink, type Pipeline, type PipelineOptions } from '@netrx/pipeline';
import type { CliArgs } from './args.js';
import { lineWriterFor, type CliIO, type LineWriter } from './output.js';
import { runParallel } from './parallel-run.js';
import { openFrames } from './source.js';
import { ShownCounter } from './summary.js';

/** What a command adds to the run every command shares ({@link runCommand}). */
export interface CommandRun<T> {
  /** Options of the command's pipeline besides the command line's decode-as rules (TCP totals…). */
  readonly options?: Omit<PipelineOptions, 'decodeAs'>;
  /** The stages after the frames, from the command's pipeline. */
  readonly stages: (pipeline: Pipeline) => OperatorFunction<CapturedFrame, T>;
  /** Writes one item; adds the connection of what it shows to `shown`. */
  readonly each: (item: T, out: LineSink, shown: ShownCounter) => void;
  /** What the summary after a live capture calls the items shown (`WebSocket messages`); none when omitted. */
  readonly shown?: string;
  /** Runs after that summary, before a source failure is reported: the command's own stderr lines. */
  readonly after?: () => void;
}

/**
 * Runs a command: its pipeline (the default plugins and `--decode-as`) over the frames its
 * arguments name (`-r`/`-i`, `-c`, `-w`), each item through `run.each` into the output writer,
 * then the live summary. Returns exit status 0; a source that failed part-way is thrown after
 * everything read before the failure was written, for `main()` to report (exit status 1).
 */
export async function runCommand<T>(args: CliArgs, io: CliIO, run: CommandRun<T>): Promise<number> {
  // `--workers N` (the default for a file: the machine's cores) runs in worker threads.
  const parallel = await runParallel(args, io, run);
  if (parallel !== undefined) return parallel;
  const pipeline = createPipeline({ ...run.options, decodeAs: args.decodeAs });
  const out = lineWriterFor(args, io.stdout);
  const shown = new ShownCounter();
  const failure = await runPipeline(openFrames(args, io, pipeline), run.stages(pipeline), (item) => run.each(item, out, shown), out);
  if (run.shown !== undefined) shown.report(args, io, run.shown);
  run.after?.();
  if (failure !== undefined) throw failure;
  return 0;
}

/**
 * Runs a pipeline over its frames to the end, calling `each` for every item, then flushes the
 * output. When the source fails part-way (a corrupt capture file), the pipeline still ends as at
 * the end of input — reassembly flushes what it holds, so everything read before the break is
 * shown — and the failure is returned.
 */
async function runPipeline<T>(
  frames: Observable<CapturedFrame>,
  pipeline: OperatorFunction<CapturedFrame, T>,
  each: (item: T) => void,
  out: LineWriter,
): Promise<unknown> {
  let failure: unknown;
  const source = frames.pipe(
    catchError((err: unknown) => {
      failure = err;
      return EMPTY;
    }),
  );
  try {
    await lastValueFrom(source.pipe(pipeline, tap(each)), { defaultValue: undefined });
  } finally {
    await out.end();
  }
  return failure;
}
