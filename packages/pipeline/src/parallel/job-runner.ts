import { Observable, type Subscriber } from 'rxjs';
import type { CapturedFrame, DissectStats } from '@netrx/core';
import { createReassemblerTotals, type ReassemblerTotals } from '@netrx/dissector-tcp';
import type { DecryptionSecrets } from '@netrx/source-file';
import { createPipeline, type Pipeline } from '../composition-root.js';
import { secretsInto } from '../pipeline-keys.js';
import type { LineJob } from './line-job.js';
import type { OutputMemory } from './output-pool.js';
import { END_TAG, TaggedLineBuffer, type LineField } from './tagged-line-buffer.js';

/** The counters a job's pipeline kept, for the main thread to add up. */
export interface JobStats {
  readonly tcp?: ReassemblerTotals;
  readonly dissect?: DissectStats;
  /** The job's {@link LineJob.counters}. */
  readonly counters?: Record<string, number>;
}

/**
 * Runs a {@link LineJob} over frames pushed one at a time: its pipeline (built once), the stages,
 * and its writer into a {@link TaggedLineBuffer}, each line tagged with the frame being pushed.
 * It also notes the frame at which each TCP connection was made (the reassembler's connection
 * counter grows during that frame), so the main thread can number connections across workers.
 * What a worker runs, and what one thread runs in place of workers.
 */
export class JobRunner {
  readonly lines: TaggedLineBuffer;
  /** Frame numbers at which this runner's connections were made, in the order of their ids, since {@link takeCreations}. */
  private creations: number[] = [];
  private connections = 0;
  private readonly totals: ReassemblerTotals;
  private sink: Subscriber<CapturedFrame> | undefined;
  /** The packet clocks of the pipeline's reassemblers (`ReassembleTcpOptions.onClock`). */
  private readonly clocks: ((ts: bigint, frameNumber: number) => void)[] = [];
  private failed = false;
  private failure: unknown;
  private started = false;
  private readonly pipeline: Pipeline;

  /** @param memory - where lines are written (a worker's shared output buffers); plain memory when omitted */
  constructor(
    private readonly job: LineJob,
    memory?: OutputMemory,
  ) {
    const options = job.options ?? {};
    // The job's own totals when it reads them (they go back to the main thread), else ours.
    this.totals = options.tcp?.totals ?? createReassemblerTotals();
    const theirs = options.tcp?.onClock;
    const onClock = (advance: (ts: bigint, frameNumber: number) => void): void => {
      this.clocks.push(advance);
      theirs?.(advance);
    };
    const pipeline = createPipeline({ ...options, tcp: { ...options.tcp, totals: this.totals, onClock } });
    this.pipeline = pipeline;
    const totals = this.totals;
    this.lines = new TaggedLineBuffer(job.connectionIdAfter ?? [], () => totals.connections, memory);
    const frames = new Observable<CapturedFrame>((subscriber) => {
      this.sink = subscriber;
    });
    const out = this.lines;
    const messages = this.lines.messages;
    const write = job.write;
    frames.pipe(job.stages(pipeline)).subscribe({
      next: (item) => write(item, out, messages),
      error: (err: unknown) => {
        this.failed = true;
        this.failure = err;
      },
    });
  }

  /** The time of the capture's first frame, once, before any frame (see {@link LineJob.firstFrame}). */
  start(timestamp: bigint): void {
    if (this.started) return;
    this.started = true;
    this.job.firstFrame?.(timestamp);
  }

  /**
   * Decryption secrets the capture carries (a pcapng Decryption Secrets Block), into the
   * pipeline's key store, in file order: as one thread's pipeline takes them from the file.
   */
  addSecrets(secrets: DecryptionSecrets): void {
    secretsInto(this.pipeline.keys, undefined)?.(secrets);
  }

  /**
   * Moves the packet clock to a frame another worker dissects (see {@link LineField.ByClock}):
   * what its timeouts close or cut is written now, tagged with that frame. Throws what the
   * pipeline threw.
   */
  tick(timestamp: bigint, frameNumber: number, muted = false): void {
    this.lines.tag(frameNumber, true, muted);
    const clocks = this.clocks;
    for (let i = 0; i < clocks.length; i++) clocks[i]!(timestamp, frameNumber);
    if (this.failed) throw this.failure;
  }

  /**
   * Pushes one frame through the pipeline: its clock first ({@link tick}), then its dissection;
   * `muted`: process it, but drop the lines it causes. Throws what the pipeline threw.
   */
  push(frame: CapturedFrame, muted = false): void {
    if (!this.started) this.start(frame.timestamp);
    if (this.clocks.length > 0) this.tick(frame.timestamp, frame.frameNumber, muted);
    this.lines.tag(frame.frameNumber, false, muted);
    this.sink?.next(frame);
    const made = this.totals.connections;
    while (this.connections < made) {
      this.creations.push(frame.frameNumber);
      this.connections++;
    }
    if (this.failed) throw this.failure;
  }

  /** The end of input: the pipeline completes (reassembly flushes every open connection). Throws what the pipeline threw. */
  end(): void {
    this.lines.tag(END_TAG, true);
    this.sink?.complete();
    if (this.failed) throw this.failure;
  }

  /** Frames at which connections were made since the last call (connection ids in order from where the last call stopped). */
  takeCreations(): number[] {
    const c = this.creations;
    this.creations = [];
    return c;
  }

  /** The counters: the reassembler's totals (always kept), the dissect stats when the job's options ask for them, the job's own. */
  stats(): JobStats {
    return { tcp: this.totals, dissect: this.job.options?.dissect?.stats, counters: this.job.counters };
  }
}
