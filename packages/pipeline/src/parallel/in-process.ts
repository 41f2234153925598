// captureLines on one thread: the same job, line merge and output as on many, without workers.
import { Observable, type Subscription } from 'rxjs';
import { addStats } from './add-job-stats.js';
import { CHANNELS, type CaptureLinesOptions, type LineChunk } from './capture-lines-options.js';
import { JobRunner } from './job-runner.js';
import { loadLineJob } from './line-job.js';
import { LineMerge } from './line-merge.js';
import { frameSource, framesWith } from './line-source.js';
import { PlainOutputPool } from './output-pool.js';
import { ThreadMeter } from './thread-stats.js';

/** `captureLines` on this thread alone: the job's pipeline fed each frame as it is read. */
export function inProcess(options: CaptureLinesOptions): Observable<LineChunk> {
  return new Observable<LineChunk>((subscriber) => {
    let sub: Subscription | undefined;
    let stopped = false;
    const memory = new PlainOutputPool();
    const meter = options.threadStats === undefined ? undefined : new ThreadMeter(0, true, 1);
    const merge = new LineMerge(
      1,
      (channel, bytes) => subscriber.next({ channel: CHANNELS[channel]!, bytes }),
      (_worker, id) => memory.give(id),
      options.order === 'connections',
    );
    const start = async (): Promise<void> => {
      // Copied as for a worker, so that a job behaves the same on one thread and on many.
      const runner = new JobRunner(await loadLineJob({ ...options.job, args: structuredClone(options.job.args) }), memory);
      if (stopped) return;
      let lastFrame = 0;
      let emitQueued = false;
      const emit = (): void => {
        const { bytes, lines, memory: id } = runner.lines.take();
        merge.add(0, bytes, lines, runner.takeCreations(), lastFrame, false, id);
        merge.drain();
        meter?.sample();
      };
      const finish = (err?: unknown): void => {
        if (stopped) return;
        stopped = true;
        try {
          emit();
          runner.end();
          const { bytes, lines, memory: id } = runner.lines.take();
          merge.add(0, bytes, lines, runner.takeCreations(), Infinity, true, id);
          merge.drain();
          if (options.stats !== undefined) addStats(options.stats, runner.stats());
          if (meter !== undefined) options.threadStats!.push(meter.stats());
        } catch (e) {
          return subscriber.error(e);
        }
        if (err !== undefined) subscriber.error(err);
        else subscriber.complete();
      };
      const beforeNextChunk = (): undefined => void emit();
      sub = frameSource(options, { beforeNextChunk, frames: framesWith(beforeNextChunk, undefined, (x) => runner.addSecrets(x)) }).subscribe({
        next: (frame) => {
          if (stopped) return;
          lastFrame = frame.frameNumber;
          try {
            runner.push(frame);
          } catch (err) {
            stopped = true;
            sub?.unsubscribe();
            return subscriber.error(err);
          }
          // A source that does not call the hook (a live capture): lines go out each turn of the event loop.
          if (!emitQueued) {
            emitQueued = true;
            setImmediate(() => {
              emitQueued = false;
              if (!stopped) emit();
            });
          }
        },
        error: (err: unknown) => finish(err),
        complete: () => finish(),
      });
    };
    start().catch((err: unknown) => subscriber.error(err));
    return () => {
      stopped = true;
      sub?.unsubscribe();
    };
  });
}
