import type { JobStats } from './job-runner.js';
import type { LineJobSpec } from './line-job.js';
import type { ThreadStats } from './thread-stats.js';

/** What a worker is started with (`workerData`). */
export interface WorkerInit {
  readonly job: LineJobSpec;
  /** This worker's index among the run's dissectors (the main thread is 0). */
  readonly index: number;
  /** Whether this worker writes the lines of frames every dissector gets (IP fragments seen before their first). */
  readonly writesShared: boolean;
  /** The control block shared by all workers (see `FrameDispatcher.controlBlock`). */
  readonly control: SharedArrayBuffer;
  /** Its share of the connections (for its {@link ThreadStats}). */
  readonly share: number;
  /** Int32 flags, one per output buffer of the worker's `SharedOutputPool`: the main thread stores 1 once it has merged that buffer's lines. */
  readonly output: SharedArrayBuffer;
}

/** Main thread → worker. */
export type ToWorker =
  /** A frame table: its shared memory and size (`FrameTable`), sent once per table. */
  | { readonly t: 'table'; readonly table: number; readonly buffer: SharedArrayBuffer; readonly maxRecords: number; readonly dataBytes: number }
  /** A shared read chunk frames may be in (`SharedChunks`), sent once per chunk. */
  | { readonly t: 'chunk'; readonly chunk: number; readonly buffer: SharedArrayBuffer }
  /**
   * `count` frames are in `table` (-1: none); with them, every frame up to `upTo` has been sent.
   * `ownBytes`: bytes of this worker's own frames in it; `big`: timestamps of frames flagged
   * `BIG_TIMESTAMP_FLAG`, by their index in the table.
   */
  | {
      readonly t: 'frames';
      readonly table: number;
      readonly count: number;
      readonly upTo: number;
      readonly ownBytes: number;
      readonly big?: readonly (readonly [number, bigint])[];
    }
  /** A pcapng Decryption Secrets Block, before the frames after it (`DecryptionSecrets`). */
  | { readonly t: 'secrets'; readonly type: number; readonly data: Uint8Array }
  /** The input ended. */
  | { readonly t: 'end' };

/** Worker → main thread. */
export type FromWorker =
  /**
   * The lines written for the frames up to `upTo` (a batch), or at the end of input (`final`,
   * with the job's counters). `creations`: frames at which the worker's next connections were made.
   */
  | {
      readonly t: 'lines';
      readonly upTo: number;
      /**
       * The id of the worker's shared output buffer holding the lines (its flag is set once they
       * are merged), their length from its start, and the buffer itself the first time the id
       * comes (always for -1, a buffer not pooled): posting a shared buffer again would make the
       * receiver a new object for it, which its garbage collector counts as that much more memory.
       */
      readonly memory: number;
      readonly length: number;
      readonly buffer?: SharedArrayBuffer;
      readonly lines: Float64Array;
      readonly creations: readonly number[];
      readonly final: boolean;
      readonly stats?: JobStats;
      /** With `final`: what the thread used. */
      readonly thread?: ThreadStats;
    }
  /** The job could not be made, or the pipeline threw. */
  | { readonly t: 'error'; readonly message: string; readonly stack?: string; readonly code?: string };
