import type { JobStats } from './job-runner.js';
import type { LineJobSpec } from './line-job.js';

/** What a worker is started with (`workerData`). */
export interface WorkerInit {
  readonly job: LineJobSpec;
  /** This worker's index, 0 … workers − 1. */
  readonly index: number;
  /**
   * Int32 flags, one per batch slot: the worker stores 1 (`Atomics.store`) when it has copied a
   * slot's frames out and the slot may be written again; index 0 counts those releases
   * (`Atomics.add` and `notify`) for a main thread that waits for one.
   */
  readonly control: SharedArrayBuffer;
}

/** Main thread → worker. */
export type ToWorker =
  /** A new batch slot: its shared memory and size (`BatchSlot`). */
  | { readonly t: 'slot'; readonly slot: number; readonly buffer: SharedArrayBuffer; readonly maxRecords: number; readonly dataBytes: number }
  /**
   * `count` frames are in `slot`; with them, every frame up to `upTo` has been sent. `big`: the
   * timestamps of frames flagged `BIG_TIMESTAMP_FLAG`, by their index in the batch.
   */
  | { readonly t: 'batch'; readonly slot: number; readonly count: number; readonly upTo: number; readonly big?: readonly (readonly [number, bigint])[] }
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
      readonly bytes: Uint8Array;
      readonly lines: Float64Array;
      readonly creations: readonly number[];
      readonly final: boolean;
      readonly stats?: JobStats;
    }
  /** The job could not be made, or the pipeline threw. */
  | { readonly t: 'error'; readonly message: string; readonly stack?: string; readonly code?: string };

/** Index in {@link WorkerInit.control} of the release counter; slot `i`'s flag is at `i + 1`. */
export const RELEASES = 0;
