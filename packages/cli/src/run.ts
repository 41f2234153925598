import { EMPTY, catchError, identity, lastValueFrom, tap, type Observable, type OperatorFunction } from 'rxjs';
import { NetrxError, type AppEvent, type CapturedFrame } from '@netrx/core';
import { reportDrops, warningJson, warningText } from './drops-report.js';
import { textViewFor } from './text-view.js';
import { RunFacts, reportUnshown, tlsLookoutPlugin } from './honest.js';
import { loadPlugins } from './plugins.js';
import { selectItems, type Selectable } from './select.js';
import { createPipeline, memoryBytes, type Pipeline, type PipelineOptions } from '@netrx/pipeline';
import type { RedisRecordInput } from '@netrx/sink-redis';
import type { CliArgs } from './args.js';
import { governHeap } from './heap-governor.js';
import { keyLogFiles } from './keylog.js';
import { lineWriterFor, type CliIO, type LineWriter } from './output.js';
import { runParallel } from './parallel-run.js';
import { openFrames } from './source.js';
import { ShownCounter } from './summary.js';

/** What a command adds to the run every command shares ({@link runCommand}). */
export interface CommandRun<T> extends Selectable<T> {
  /** Options of the command's pipeline besides the command line's decode-as rules (TCP totals…). */
  readonly options?: Omit<PipelineOptions, 'decodeAs'>;
  /**
   * The stages after the frames, from the command's pipeline; `facts` is what the run's last
   * stderr line reports (a command that reads application events hands TLS's to `facts.seeTls`).
   */
  readonly stages: (pipeline: Pipeline, facts: RunFacts) => OperatorFunction<CapturedFrame, T>;
  /** Writes one item; adds the connection of what it shows to `shown`. */
  readonly each: (item: T, out: LineWriter, shown: ShownCounter) => void;
  /** What the summary after a live capture calls the items shown (`WebSocket messages`); none when omitted. */
  readonly shown?: string;
  /** Runs after that summary, before a source failure is reported: the command's own stderr lines. */
  readonly after?: () => void;
  /** Told the time of the first frame read (for `-t r`). */
  readonly firstFrame?: (ts: bigint) => void;
  /**
   * Whether the command shows a finding that belongs to no message as a record of its own
   * (`netrx ws` its `ws.warning`s, `netrx tls` its `tls.connection`s): those are neither written
   * again by `--warnings` nor counted as not shown.
   */
  readonly showsWarning?: (e: AppEvent) => boolean;
  /**
   * For `--sink`: an item as a record, its JSON line exactly as `--format jsonl` prints it with
   * the line's head fields, or `undefined` for an item that is not a record (an HTTP
   * `stream.error`). A command without it refuses `--sink`.
   */
  readonly record?: (item: T) => RedisRecordInput | undefined;
}

/**
 * Runs a command: its pipeline (the default plugins, `--decode-as`, `--keylog`) over the frames its
 * arguments name (`-r`/`-i`, `-c`, `-w`), each item through `run.each` into the output writer
 * (which `-q` silences), then the live summary, what was there but not shown, and what was
 * dropped (`drops-report.ts`: one stderr line when anything was; `--summary`'s last JSON line;
 * `--warnings` writes findings that belong to no message among the items). Returns exit status 0; a source that failed
 * part-way is thrown after everything read before the failure was written, for `main()` to report
 * (exit status 1).
 *
 * `--sink URL` also writes each item `run.record` makes a record of to Redis Streams. The sink
 * connects before anything is read (an unreachable Redis is exit status 1 with nothing read); a
 * file is read only as fast as Redis takes the records; a line on stderr says at the end what was
 * written and resent; a sink that fails for good stops the run and is thrown.
 */
export async function runCommand<T>(args: CliArgs, io: CliIO, run: CommandRun<T>): Promise<number> {
  if (args.sink === undefined && args.sinkSource !== undefined) throw new NetrxError('ERR_INVALID_OPTION', '--sink-source names the records of --sink URL: give --sink too');
  if (args.sink !== undefined && run.record === undefined) throw new NetrxError('ERR_INVALID_OPTION', `--sink writes the records of netrx ws, http and tcp, not of netrx ${args.command}`);
  // `--workers N` (the default for a file: the machine's cores) runs in worker threads.
  const parallel = await runParallel(args, io, run);
  if (parallel !== undefined) return parallel;
  // What was there but not shown is said at the end (honest.ts); -Y is compiled before anything is read.
  const facts = new RunFacts();
  const select = selectItems(args, run, facts);
  facts.totals = run.options?.tcp?.totals ?? facts.totals;
  const plugins = await loadPlugins(args.plugins);
  const pipeline = createPipeline({
    ...run.options,
    tcp: { ...run.options?.tcp, totals: facts.totals },
    decodeAs: args.decodeAs,
    keylog: keyLogFiles(args, io),
    extraPlugins: [...(run.options?.extraPlugins ?? []), ...plugins, tlsLookoutPlugin(facts)],
    memory: args.memory,
  });
  const sink = args.sink === undefined ? undefined : await (await import('./redis-sink.js')).openCommandSink({ ...args, sink: args.sink });
  const out = lineWriterFor(args, io.stdout);
  const shown = new ShownCounter();
  // --warnings: findings that belong to no message, written where they happen among the items.
  const view = args.warnings && args.format !== 'jsonl' ? textViewFor(args, io.stdout) : undefined;
  const line = view === undefined ? warningJson : (e: AppEvent) => warningText(e, view);
  // --stream N keeps connection N's findings only (they are counted all the same).
  const writeWarning = !args.warnings ? undefined : (e: AppEvent) => void ((args.stream === undefined || e.connection.id === args.stream) && out.line(line(e)));
  facts.watch(pipeline, io.stderr, args.command, run.showsWarning, writeWarning);
  let failure: unknown;
  const stopGoverning = governHeap(memoryBytes(args.memory));
  try {
    const frames = openFrames(args, io, pipeline, sink?.ready).pipe(
      tap((f) => {
        if (facts.frames++ === 0) {
          run.firstFrame?.(f.timestamp);
          view?.time.start(f.timestamp);
        }
      }),
    );
    const stages = run.stages(pipeline, facts);
    failure = await runPipeline(frames, (f) => f.pipe(stages, select), (item) => run.each(item, out, shown), out, sink && run.record ? sink.end(run.record) : identity);
  } catch (err) {
    sink?.destroy();
    throw err;
  } finally {
    stopGoverning();
  }
  if (run.shown !== undefined) shown.report(args, io, run.shown);
  if (failure === undefined) reportUnshown(args, io, facts, shown.count, run.shown);
  run.after?.();
  reportDrops(args, io, facts.dropsNow()!, facts.hiddenWarnings);
  if (sink) io.stderr.write(`netrx ${args.command}: ${sink.summary()}\n`);
  if (failure !== undefined) throw failure;
  return 0;
}

/**
 * Runs a pipeline over its frames to the end, calling `each` for every item, then through `end`
 * (the sink, or nothing), then flushes the output. When the source fails part-way (a corrupt
 * capture file), the pipeline still ends as at the end of input — reassembly flushes what it
 * holds, so everything read before the break is shown and written — and the failure is returned.
 */
async function runPipeline<T>(
  frames: Observable<CapturedFrame>,
  pipeline: OperatorFunction<CapturedFrame, T>,
  each: (item: T) => void,
  out: LineWriter,
  end: OperatorFunction<T, unknown>,
): Promise<unknown> {
  let failure: unknown;
  const source = frames.pipe(
    catchError((err: unknown) => {
      failure = err;
      return EMPTY;
    }),
  );
  try {
    await lastValueFrom(source.pipe(pipeline, tap(each), end), { defaultValue: undefined });
  } finally {
    await out.end();
  }
  return failure;
}
