import { EMPTY, catchError, lastValueFrom, tap, type Observable, type OperatorFunction } from 'rxjs';
import { RunFacts, reportUnshown, tlsLookoutPlugin } from './honest.js';
import { loadPlugins } from './plugins.js';
import { selectItems, type Selectable } from './select.js';
import type { CapturedFrame } from '@netrx/core';
import { createPipeline, type Pipeline, type PipelineOptions } from '@netrx/pipeline';
import type { CliArgs } from './args.js';
import { lineWriterFor, type CliIO, type LineWriter } from './output.js';
import { openFrames } from './source.js';
import { ShownCounter } from './summary.js';

/** What a command adds to the run every command shares ({@link runCommand}). */
export interface CommandRun<T> extends Selectable<T> {
  /** Options of the command's pipeline besides the command line's decode-as rules (TCP totals…). */
  readonly options?: Omit<PipelineOptions, 'decodeAs'>;
  /** The stages after the frames, from the command's pipeline. */
  readonly stages: (pipeline: Pipeline) => OperatorFunction<CapturedFrame, T>;
  /** Writes one item; adds the connection of what it shows to `shown`. */
  readonly each: (item: T, out: LineWriter, shown: ShownCounter) => void;
  /** What the summary after a live capture calls the items shown (`WebSocket messages`); none when omitted. */
  readonly shown?: string;
  /** Runs after that summary, before a source failure is reported: the command's own stderr lines. */
  readonly after?: () => void;
  /** Told the time of the first frame read (for `-t r`). */
  readonly firstFrame?: (ts: bigint) => void;
}

/**
 * Runs a command: its pipeline (the default plugins and `--decode-as`) over the frames its
 * arguments name (`-r`/`-i`, `-c`, `-w`), each item through `run.each` into the output writer,
 * then the live summary. Returns exit status 0; a source that failed part-way is thrown after
 * everything read before the failure was written, for `main()` to report (exit status 1).
 */
export async function runCommand<T>(args: CliArgs, io: CliIO, run: CommandRun<T>): Promise<number> {
  // What was there but not shown is said at the end (honest.ts); -Y is compiled before anything is read.
  const facts = new RunFacts();
  const select = selectItems(args, run, facts);
  facts.totals = run.options?.tcp?.totals ?? facts.totals;
  const plugins = await loadPlugins(args.plugins);
  const pipeline = createPipeline({
    ...run.options,
    tcp: { ...run.options?.tcp, totals: facts.totals },
    decodeAs: args.decodeAs,
    extraPlugins: [...(run.options?.extraPlugins ?? []), ...plugins, tlsLookoutPlugin(facts)],
  });
  const out = lineWriterFor(args, io.stdout);
  const shown = new ShownCounter();
  const frames = openFrames(args, io, pipeline).pipe(
    tap((f) => {
      if (facts.frames++ === 0) run.firstFrame?.(f.timestamp);
    }),
  );
  const stages = run.stages(pipeline);
  const failure = await runPipeline(frames, (f) => f.pipe(stages, select), (item) => run.each(item, out, shown), out);
  if (run.shown !== undefined) shown.report(args, io, run.shown);
  if (failure === undefined) reportUnshown(args, io, facts, shown.count, run.shown);
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
