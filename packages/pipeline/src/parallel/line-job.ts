import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { OperatorFunction } from 'rxjs';
import type { CapturedFrame } from '@netrx/core';
import type { Pipeline } from '../composition-root.js';
import type { PipelineOptions, FrameSourceOptions } from '../pipeline-options.js';
import type { LineSink } from './line-sink.js';

/** A pipeline's options without its source: what a {@link LineJob} builds its pipeline from. */
export type StageOptions = Omit<PipelineOptions, keyof FrameSourceOptions | 'container'>;

/**
 * What every worker of a parallel run runs on its share of the connections, from frames to lines:
 * the pipeline's options, the stages after the frames, and how each item becomes lines. A job is
 * made in each worker by a {@link LineJobFactory} from a module, because functions and plugins
 * cannot cross threads; what crosses is the module's address and the factory's arguments
 * ({@link LineJobSpec}).
 *
 * Items are written in the worker that made them (encoding is most of the work); only bytes go
 * back to the main thread, which merges them into the order one thread writes them.
 */
export interface LineJob<T = unknown> {
  /**
   * The pipeline's options (plugins, decode-as rules, stage options); `tcp.totals` and
   * `dissect.stats` given here are counted in each worker and added up on the main thread.
   */
  readonly options?: StageOptions;
  /** The stages after the frames, from the worker's pipeline: `(p) => p.events()`, `(p) => (f) => f.pipe(p.streams(), …)`. */
  readonly stages: (pipeline: Pipeline) => OperatorFunction<CapturedFrame, T>;
  /** Writes one item as lines into `out` (standard output) or `messages` (standard error). */
  readonly write: (item: T, out: LineSink, messages: LineSink) => void;
  /**
   * Where a line names its TCP connection, per channel (`[output, messages]`): the text the
   * connection id follows (`"stream":` for JSON lines, `#` for `#3` in text). Connection ids are
   * given in each worker; the main thread rewrites the first id after the marker in each line to
   * the id one thread gives (connections numbered in the order the whole capture shows them),
   * and orders end-of-input lines by it. Leave undefined for lines that name no connection.
   */
  readonly connectionIdAfter?: readonly [string | undefined, (string | undefined)?];
  /** Counters of the job's own (items written, say), sent back at the end and added up on the main thread. */
  readonly counters?: Record<string, number>;
  /**
   * Told the time of the capture's first frame — the whole capture's, not this thread's first
   * — before any frame is dissected (for times relative to it).
   */
  readonly firstFrame?: (timestamp: bigint) => void;
}

/** Makes a worker's {@link LineJob} from the arguments of a {@link LineJobSpec}. */
export type LineJobFactory<A = unknown> = (args: A) => LineJob<any> | Promise<LineJob<any>>;

/** Which job the workers run: a module, its export, and the arguments the factory gets. */
export interface LineJobSpec<A = unknown> {
  /** The module's URL or absolute path (`new URL('./my-job.js', import.meta.url)`); workers `import()` it. */
  readonly module: string | URL;
  /** The export that is the {@link LineJobFactory} (default: `default`). */
  readonly export?: string;
  /** Arguments for the factory: anything the structured clone algorithm copies (no functions). */
  readonly args?: A;
}

/**
 * Marks a {@link LineJobFactory} for export from a job module (a typed identity: the factory runs
 * in each worker).
 *
 * @example
 * ```ts
 * // ws-lines.ts: WebSocket messages as JSON lines, in each worker
 * import { defineLineJob } from '@netrx/pipeline';
 * import { websocketMessages, writeWebSocketMessageJson } from '@netrx/dissector-websocket';
 *
 * export default defineLineJob((args: { decodeAs: string[] }) => ({
 *   options: { decodeAs: args.decodeAs },
 *   stages: (p) => (frames) => frames.pipe(p.events(), websocketMessages()),
 *   write: (m, out) => { writeWebSocketMessageJson(m, out); out.endLine(); },
 *   connectionIdAfter: ['"stream":'],
 * }));
 * ```
 */
export function defineLineJob<A, T>(factory: (args: A) => LineJob<T> | Promise<LineJob<T>>): LineJobFactory<A> {
  return factory;
}

/** Imports a job's module and makes the job. Throws `Error` when the export is not a function. */
export async function loadLineJob(spec: LineJobSpec): Promise<LineJob> {
  const url = spec.module instanceof URL ? spec.module.href : isAbsolute(spec.module) ? pathToFileURL(spec.module).href : spec.module;
  const mod = (await import(url)) as Record<string, unknown>;
  const name = spec.export ?? 'default';
  const factory = mod[name];
  if (typeof factory !== 'function') throw new Error(`${url} has no export "${name}" that makes a line job`);
  return (factory as LineJobFactory)(spec.args);
}
