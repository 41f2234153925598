import { Observable } from 'rxjs';
import type { CapturedFrame } from '@netrx/core';
import type { BackendHandle, BackendSink } from './backend.js';
import { loadCap, openCap } from './cap-backend.js';
import { FrameQueue } from './frame-queue.js';
import { LiveCaptureError } from './live-capture-error.js';
import { createLiveCaptureStats, resolveLiveOptions, type LiveCaptureOptions, type LiveCaptureStats, type ResolvedLiveOptions } from './options.js';
import { openTcpdump } from './tcpdump-backend.js';

/**
 * Most frames, and most milliseconds, spent delivering per turn of the event loop before the
 * capture gets to run again. With `cap` the consumer and libpcap share one thread: while the
 * consumer works, the kernel's ring fills and then drops packets that no one can count (the addon
 * exposes no `pcap_stats`); yielding often moves packets into the bounded buffer instead, where
 * drops are counted.
 */
const DRAIN_BATCH = 4096;
const DRAIN_SLICE_MS = 4;

/**
 * Captures packets live and emits them as {@link CapturedFrame}s.
 *
 * Two backends: `cap` (libpcap in-process through the optional `cap` addon; frames are stamped
 * on arrival from a monotonic clock anchored to wall time, as the addon gives no kernel
 * timestamps) and `tcpdump` (a `tcpdump -U -w -` child read with the project's pcap reader;
 * kernel timestamps in nanoseconds, LINUX_SLL2 on `any`). The default is `cap` when it loads,
 * else `tcpdump`.
 *
 * Between the capture and the subscriber sits a bounded buffer, so a slow consumer never makes
 * the capture wait unseen: frames are read from the kernel as they come and delivered in batches;
 * when the buffer is full the oldest frames are dropped and counted (`bufferPolicy: 'error'`
 * fails the capture instead). Counters, including the kernel's drops when the backend reports
 * them, are written into `options.stats`.
 *
 * Unsubscribing stops the capture and frees the handle (or ends the tcpdump child). Aborting
 * `options.signal` stops it gracefully and then completes. Failures error the observable with a
 * {@link LiveCaptureError} (`ERR_CAPTURE_LIVE`) whose message says what to do: no permission,
 * no such device, bad filter, no backend.
 *
 * @example
 * ```ts
 * import { fromLiveCapture, createLiveCaptureStats } from '@netrx/source-live';
 *
 * const stats = createLiveCaptureStats();
 * const stop = new AbortController();
 * fromLiveCapture({ device: 'lo', filter: 'tcp port 7272', stats, signal: stop.signal }).subscribe({
 *   next: (frame) => console.log(frame.frameNumber, frame.caplen),
 *   error: (err) => console.error(err.message),
 *   complete: () => console.log(`captured ${stats.captured}, dropped ${stats.queueDropped}`),
 * });
 * setTimeout(() => stop.abort(), 5000);
 * ```
 */
export function fromLiveCapture(options: LiveCaptureOptions): Observable<CapturedFrame> {
  const o = resolveLiveOptions(options);
  return new Observable<CapturedFrame>((subscriber) => {
    const stats = options.stats ?? createLiveCaptureStats();
    const queue = new FrameQueue(o.maxQueuedFrames, o.maxQueuedBytes);
    let handle: BackendHandle | undefined;
    let done = false;
    let ended = false;
    let scheduled: NodeJS.Immediate | undefined;

    const drain = (): void => {
      scheduled = undefined;
      const until = performance.now() + DRAIN_SLICE_MS;
      for (let n = 0; n < DRAIN_BATCH && !done; n++) {
        const frame = queue.shift();
        if (!frame) break;
        stats.delivered++;
        subscriber.next(frame);
        if (performance.now() > until) break;
      }
      if (done) return;
      if (queue.length > 0) scheduled = setImmediate(drain);
      else if (ended) {
        done = true;
        subscriber.complete();
      }
    };
    const fail = (err: Error): void => {
      if (done) return;
      done = true;
      handle?.dispose();
      queue.clear();
      subscriber.error(err);
    };
    const sink: BackendSink = {
      frame(frame) {
        if (done) return;
        stats.captured++;
        if (queue.wouldOverflow(frame.caplen)) {
          if (o.bufferPolicy === 'error') {
            return fail(
              new LiveCaptureError(
                'overflow',
                `the consumer fell behind: ${queue.length} frames (${queue.bytes} bytes) were waiting; raise maxQueuedFrames/maxQueuedBytes, speed up the pipeline, or use bufferPolicy 'drop-oldest'`,
              ),
            );
          }
          while (queue.wouldOverflow(frame.caplen)) {
            queue.shift();
            stats.queueDropped++;
          }
        }
        queue.push(frame);
        if (queue.length > stats.queueHighWater) stats.queueHighWater = queue.length;
        scheduled ??= setImmediate(drain);
      },
      fail,
      end() {
        ended = true;
        scheduled ??= setImmediate(drain);
      },
    };
    const onAbort = (): void => handle?.stop();

    openBackend(o, sink, stats).then(
      (h) => {
        if (done || subscriber.closed) return h.dispose();
        handle = h;
        options.onStart?.({ backend: stats.backend!, linkType: h.linkType });
        if (options.signal?.aborted) h.stop();
        else options.signal?.addEventListener('abort', onAbort, { once: true });
      },
      (err: Error) => fail(err),
    );

    return () => {
      done = true;
      options.signal?.removeEventListener('abort', onAbort);
      if (scheduled) clearImmediate(scheduled);
      handle?.dispose();
      queue.clear();
    };
  });
}

/** Picks and starts the backend: the one asked for, else `cap` when it loads, else `tcpdump`. */
async function openBackend(o: ResolvedLiveOptions, sink: BackendSink, stats: LiveCaptureStats): Promise<BackendHandle> {
  if (o.backend === 'tcpdump') {
    stats.backend = 'tcpdump';
    return openTcpdump(o, sink, stats);
  }
  const cap = await loadCap();
  if (cap.ok) {
    stats.backend = 'cap';
    return openCap(cap.Cap, o, sink, stats, o.clock);
  }
  if (o.backend === 'cap') {
    throw new LiveCaptureError(
      'no-backend',
      `the cap backend is not available: ${cap.reason}; install libpcap-dev and run \`npm rebuild cap\`, or use the tcpdump backend (--backend tcpdump)`,
    );
  }
  stats.backend = 'tcpdump';
  try {
    return await openTcpdump(o, sink, stats);
  } catch (err) {
    if (err instanceof LiveCaptureError && err.kind === 'no-backend') {
      stats.backend = undefined;
      throw new LiveCaptureError(
        'no-backend',
        `no capture backend is available: ${cap.reason}, and ${o.tcpdumpPath} was not found on PATH; install tcpdump (apt-get install tcpdump), or install libpcap-dev and run \`npm rebuild cap\``,
      );
    }
    throw err;
  }
}
