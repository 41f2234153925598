import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { defer, finalize, takeUntil, type MonoTypeOperatorFunction, type Observable } from 'rxjs';
import { NetrxError, type CapturedFrame } from '@netrx/core';
import type { FrameSourceOptions, Pipeline } from '@netrx/pipeline';
import { writePcapng } from '@netrx/source-file';
import { createLiveCaptureStats, type LiveBackendName, type LiveCaptureStats } from '@netrx/source-live';
import type { CliArgs } from './args.js';
import type { CliIO } from './output.js';

/** Files at least this large get a progress bar (when stderr is a terminal). */
const PROGRESS_MIN_BYTES = 16 * 1024 * 1024;

/**
 * The frames a command reads, from its arguments, through the pipeline's source selection: `-r
 * FILE` (`-r -` for standard input), with a progress bar on stderr for a large file when stderr
 * is a terminal (unless `--no-progress`), and `-c COUNT` applied. Reading waits for `io.stdout` to
 * drain between chunks, so a slow reader of the output slows the capture reading instead of
 * filling memory.
 *
 * `hold`, when given, is more backpressure for a file: the next chunk is read only once the
 * promise it returns settles (`--sink`: while Redis is behind). A live capture cannot wait.
 *
 * `-i DEVICE` captures live instead (see {@link openLive}); `-w FILE` also writes the frames to a
 * pcapng file.
 *
 * `open` reads the file instead of the pipeline (worker threads: `captureLines`' own reader).
 *
 * Throws `ERR_INVALID_OPTION` when neither `-r` nor `-i` is given.
 */
export function openFrames(
  args: Pick<CliArgs, 'command' | 'read' | 'interface' | 'count' | 'progress'> & Partial<Pick<CliArgs, 'filter' | 'backend' | 'snaplen' | 'write'>>,
  io: CliIO,
  pipeline: Pipeline,
  hold?: () => Promise<unknown> | undefined,
  open?: (source: FrameSourceOptions) => Observable<CapturedFrame>,
): Observable<CapturedFrame> {
  const gone = outputGone(io);
  const frames = args.interface !== undefined ? openLive({ ...args, interface: args.interface }, io, pipeline) : openFile(args, io, pipeline, hold, open);
  return (args.write === undefined ? frames : frames.pipe(alsoWrite(args.write))).pipe(takeUntil(gone));
}

/** `-r FILE`: a capture file (or standard input), with the progress bar and `-c`. */
function openFile(
  args: Pick<CliArgs, 'command' | 'read' | 'count' | 'progress'> & Partial<Pick<CliArgs, 'filter'>>,
  io: CliIO,
  pipeline: Pipeline,
  hold?: () => Promise<unknown> | undefined,
  open?: (source: FrameSourceOptions) => Observable<CapturedFrame>,
): Observable<CapturedFrame> {
  if (args.read === undefined) {
    throw new NetrxError('ERR_INVALID_OPTION', `netrx ${args.command} needs -r FILE (or -r - for standard input), or -i DEVICE`);
  }
  const stdin = args.read === '-';
  const bar = args.progress && io.stderr.isTTY === true && !stdin ? new ProgressBar(io.stderr) : undefined;
  const frames = (open ?? ((source: FrameSourceOptions) => pipeline.frames(source)))({
    file: stdin ? process.stdin : args.read,
    fileOptions: {
      name: stdin ? 'standard input' : args.read,
      onProgress: bar ? (n, total) => bar.update(n, total) : undefined,
      beforeNextChunk: () => {
        const drained = io.stdout.writableNeedDrain ? once(io.stdout, 'drain') : undefined;
        const held = hold?.();
        return drained && held ? Promise.all([drained, held]) : (drained ?? held);
      },
    },
    // The capture filter, with tcpdump's semantics (libpcap compiles it): live captures hand it to libpcap instead.
    filter: args.filter,
    count: args.count,
  });
  return bar ? frames.pipe(finalize(() => bar.clear())) : frames;
}

/**
 * `-w FILE`: also writes every frame, as read, to FILE as pcapng (nanosecond timestamps), closing
 * the file when the frames end. The write happens before dissection, so what is written is
 * exactly what was captured.
 */
function alsoWrite(path: string): MonoTypeOperatorFunction<CapturedFrame> {
  return (frames) =>
    defer(() => {
      const out = createWriteStream(path);
      return frames.pipe(
        writePcapng(out, { application: 'netrx' }),
        finalize(() => out.end()),
      );
    });
}

/**
 * Settles when stdout fails: EPIPE when whoever read the output went away (`netrx … | head`).
 * The frames then end as at the end of a file, and the command finishes quietly instead of dying
 * on an unhandled 'error' event. The listener stays: later writes to the closed pipe fail alike.
 */
function outputGone(io: CliIO): Promise<void> {
  return new Promise((resolve) => io.stdout.on('error', () => resolve()));
}

/**
 * `-i DEVICE [filter…]`: live capture through the pipeline (`fromLiveCapture`; `--backend`,
 * `-s`). Ctrl-C (SIGINT) or SIGTERM stops it gracefully: captured frames are still dissected, then the frames
 * complete as at the end of a file, and a line of capture counters (packets, drops) goes to stderr.
 */
function openLive(
  args: Pick<CliArgs, 'count'> & Partial<Pick<CliArgs, 'filter' | 'backend' | 'snaplen'>> & { readonly interface: string },
  io: CliIO,
  pipeline: Pipeline,
): Observable<CapturedFrame> {
  if (args.backend !== undefined && args.backend !== 'cap' && args.backend !== 'tcpdump') {
    throw new NetrxError('ERR_INVALID_OPTION', `--backend must be cap or tcpdump, not "${args.backend}"`);
  }
  const stats = createLiveCaptureStats();
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  let started = false;
  return defer(() => {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    return pipeline.frames({
      live: {
        device: args.interface,
        filter: args.filter,
        backend: args.backend as LiveBackendName | undefined,
        snaplen: args.snaplen,
        stats,
        signal: stop.signal,
        onStart: ({ backend }) => {
          started = true;
          // As tcpdump does: say when packets are being captured (scripts wait for this line).
          io.stderr.write(`netrx: listening on ${args.interface} (${backend} backend)\n`);
        },
      },
      count: args.count,
    });
  }).pipe(
    finalize(() => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      if (started) io.stderr.write(`netrx: ${captureSummary(args.interface, stats)}\n`);
    }),
  );
}

/** `lo (cap): 120 packets captured, 0 dropped by netrx, kernel drops unknown`. */
export function captureSummary(device: string, s: LiveCaptureStats): string {
  const kernel = s.kernelDropped === undefined ? (s.backend === 'cap' ? 'kernel drops unknown (cap cannot tell)' : 'kernel drops unknown') : `${s.kernelDropped} dropped by the kernel`;
  return `${device} (${s.backend}): ${s.captured} packets captured, ${s.queueDropped} dropped by netrx (consumer too slow), ${kernel}`;
}

/** A one-line bar on a terminal: redrawn only when the whole percentage changes. */
class ProgressBar {
  private shown = -1;

  constructor(private readonly out: NodeJS.WritableStream) {}

  update(bytes: number, total: number | undefined): void {
    if (total === undefined || total < PROGRESS_MIN_BYTES) return;
    const pct = Math.min(100, Math.floor((bytes * 100) / total));
    if (pct === this.shown) return;
    this.shown = pct;
    const width = 30;
    const done = Math.round((pct * width) / 100);
    const mib = (n: number) => (n / 1048576).toFixed(0);
    this.out.write(`\r[${'#'.repeat(done)}${' '.repeat(width - done)}] ${String(pct).padStart(3)}% ${mib(bytes)}/${mib(total)} MiB`);
  }

  clear(): void {
    if (this.shown >= 0) this.out.write('\r\x1b[K');
  }
}
