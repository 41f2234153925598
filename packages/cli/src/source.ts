import { once } from 'node:events';
import { finalize, take, type Observable } from 'rxjs';
import { NetrxError, type CapturedFrame } from '@netrx/core';
import { fromCaptureFile } from '@netrx/source-file';
import type { CliArgs } from './args.js';
import type { CliIO } from './output.js';

/** Files at least this large get a progress bar (when stderr is a terminal). */
const PROGRESS_MIN_BYTES = 16 * 1024 * 1024;

/**
 * The frames a command reads, from its arguments: `-r FILE` (`-r -` for standard input) through
 * `fromCaptureFile`, with a progress bar on stderr for a large file when stderr is a terminal
 * (unless `--no-progress`), and `-c COUNT` applied. Reading waits for `io.stdout` to drain between
 * chunks, so a slow reader of the output slows the capture reading instead of filling memory.
 *
 * Throws `ERR_INVALID_OPTION` when neither `-r` nor `-i` is given, and `ERR_CAPTURE_LIVE` for `-i`
 * (live capture is not wired into the command yet).
 */
export function openFrames(args: Pick<CliArgs, 'command' | 'read' | 'interface' | 'count' | 'progress'>, io: CliIO): Observable<CapturedFrame> {
  if (args.interface !== undefined) {
    throw new NetrxError(
      'ERR_CAPTURE_LIVE',
      `live capture (-i ${args.interface}) is not available in this build yet: capture with "tcpdump -i ${args.interface} -w FILE" and read it with "netrx ${args.command} -r FILE"`,
    );
  }
  if (args.read === undefined) {
    throw new NetrxError('ERR_INVALID_OPTION', `netrx ${args.command} needs -r FILE (or -r - for standard input), or -i DEVICE`);
  }
  const stdin = args.read === '-';
  const bar = args.progress && io.stderr.isTTY === true && !stdin ? new ProgressBar(io.stderr) : undefined;
  let frames = fromCaptureFile(stdin ? process.stdin : args.read, {
    name: stdin ? 'standard input' : args.read,
    onProgress: bar ? (n, total) => bar.update(n, total) : undefined,
    beforeNextChunk: () => (io.stdout.writableNeedDrain ? once(io.stdout, 'drain') : undefined),
  });
  if (bar) frames = frames.pipe(finalize(() => bar.clear()));
  if (args.count !== undefined) frames = frames.pipe(take(args.count));
  return frames;
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
