// The options and the output of captureLines, shared by its two paths (in-process.ts and
// in-workers.ts).
import type { Observable } from 'rxjs';
import type { CapturedFrame } from '@netrx/core';
import type { FrameSourceOptions } from '../pipeline-options.js';
import type { JobStats } from './job-runner.js';
import type { LineJobSpec } from './line-job.js';
import type { ThreadStats } from './thread-stats.js';

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

/** {@link LineChunk.channel} by the channel number the line buffers use. */
export const CHANNELS = ['out', 'messages'] as const;
