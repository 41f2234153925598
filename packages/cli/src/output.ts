import { fstatSync, writeSync } from 'node:fs';
import { Writable } from 'node:stream';
import { ByteLines } from '@netrx/pipeline';

/** Room a writer starts with; a longer line grows it (for that line only). */
const INITIAL_CAPACITY = 128 * 1024;
/**
 * Most a writer holds: a line longer than this (a 63 MiB message's JSON is 378 MiB) is written in
 * pieces of about this size as it is built, never held whole.
 */
const STREAM_CAPACITY = 1024 * 1024;

/** A cell to sleep on (`Atomics.wait`) while a pipe is full. */
const SLEEP_CELL = new Int32Array(new SharedArrayBuffer(4));

/**
 * The file descriptor of `out` when the writer writes to it itself, synchronously: a pipe or a
 * socket (`netrx … | jq`), a file or a character device (`> out.jsonl`, `> /dev/null`, a terminal).
 * Node writes to pipes and sockets asynchronously: what a synchronous pipeline makes from one
 * capture chunk would be queued in memory until the chunk is done, and a chunk of near-cap deflate
 * messages makes gigabytes; the writer waits while the reader is behind instead. Files and
 * terminals Node writes synchronously too; writing them directly is the same, and once written
 * the writer's buffer is free to fill again (no new buffer per chunk of output).
 */
function directFd(out: Writable): number | undefined {
  const fd = (out as Writable & { fd?: unknown }).fd;
  if (typeof fd !== 'number') return undefined;
  try {
    const st = fstatSync(fd);
    return st.isFIFO() || st.isSocket() || st.isFile() || st.isCharacterDevice() ? fd : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes all of `bytes` to `fd`, waiting while the pipe is full (`EAGAIN`: Node made it
 * non-blocking) 50 µs at a time: a reader empties a pipe within microseconds, and sleeping 1 ms
 * made `netrx … | cat` take twice as long. Returns how many bytes were written before an error
 * (`EPIPE`: the reader is gone), or all of them.
 */
function writeAllSync(fd: number, bytes: Uint8Array): number {
  let off = 0;
  while (off < bytes.length) {
    try {
      off += writeSync(fd, bytes, off, bytes.length - off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return off;
      Atomics.wait(SLEEP_CELL, 0, 0, 0.05);
    }
  }
  return off;
}

/**
 * Collects output lines as UTF-8 bytes and writes them in large chunks: one `write` per ~64 KiB of
 * whole lines instead of one per line, which is what makes `--format jsonl` on a big capture
 * cheap. A line is built in place from strings and raw UTF-8 ({@link LineWriter.jsonStringBody}),
 * so message text need not become a JS string to be written. Every `write` ends at a line end,
 * except for a line longer than 1 MiB, which is written in ~1 MiB pieces as it is built (a writer
 * never holds more), unless the writer {@link LineWriter.holdsLines | holds lines} whole.
 */
export class LineWriter extends ByteLines {
  protected buf: Buffer = Buffer.allocUnsafe(INITIAL_CAPACITY);
  /** Whether a line is kept whole however long (a writer whose lines are taken, not written). */
  protected holdsLines = false;
  /** `out`'s descriptor when the writer writes it synchronously itself (see `directFd`). */
  private readonly fd: number | undefined;
  /** The pipe failed (`EPIPE`: `netrx … | head` is done reading): what follows is dropped. */
  private broken = false;

  constructor(
    private readonly out: Writable,
    private readonly chunk = 64 * 1024,
  ) {
    super();
    this.fd = directFd(out);
  }

  /** Ends the current line; writes what is collected once it reaches the chunk size. */
  endLine(): void {
    this.reserve(1);
    this.buf[this.pos++] = 0x0a;
    if (this.pos >= this.chunk) this.flush();
  }

  /** Writes what is collected (whole lines). */
  flush(): void {
    if (this.pos === 0) return;
    // Written out already: the buffer is free again. Otherwise the stream may hold the bytes until
    // it drains: it keeps this buffer, and a new one is started.
    if (!this.send(this.buf.subarray(0, this.pos))) this.buf = Buffer.allocUnsafe(INITIAL_CAPACITY);
    this.pos = 0;
  }

  /** Flushes and waits until the stream has taken everything. */
  async end(): Promise<void> {
    this.flush();
    if (!this.out.writableNeedDrain) return;
    // A stream that fails (EPIPE: `netrx … | head` closed the pipe) or closes never drains.
    await new Promise<void>((res) => {
      const done = (): void => {
        this.out.off('drain', done).off('error', done).off('close', done);
        res();
      };
      this.out.on('drain', done).on('error', done).on('close', done);
    });
  }

  /**
   * Hands `bytes` on: to the descriptor synchronously while nothing is queued in the stream before
   * them (order kept); otherwise, or after an error, to the stream (which then reports the error).
   * Returns whether they were all written (the caller may reuse them), not left with the stream.
   */
  private send(bytes: Buffer): boolean {
    if (this.broken) return true;
    if (this.fd !== undefined && this.out.writableLength === 0 && !this.out.destroyed) {
      const n = writeAllSync(this.fd, bytes);
      if (n === bytes.length) return true;
      // The stream tries the rest and reports the error (the command stops reading); nothing
      // more is made into output for a reader that is gone.
      this.broken = true;
      bytes = bytes.subarray(n);
    }
    this.out.write(bytes);
    return false;
  }

  /**
   * Makes room for `n` more bytes, growing the buffer when one line needs more; past
   * `STREAM_CAPACITY`, writes what is collected (part of a line) instead of growing.
   */
  protected reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (!this.holdsLines && this.pos + n > STREAM_CAPACITY && this.pos > 0) {
      // A long line: hand the stream what is built so far (the stream may hold it: a new buffer).
      this.send(this.buf.subarray(0, this.pos));
      this.buf = Buffer.allocUnsafe(Math.max(STREAM_CAPACITY, n));
      this.pos = 0;
      return;
    }
    let size = Math.max(this.buf.length * 2, this.pos + n);
    // Doubling stops at the streaming size: what is past it is written, not held.
    if (!this.holdsLines) size = Math.min(size, Math.max(STREAM_CAPACITY, this.pos + n));
    const grown = Buffer.allocUnsafe(size);
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
  }
}

/**
 * Builds one JSON line at a time as UTF-8 bytes, escaped as {@link LineWriter} escapes (the same
 * code), for a record of `--sink`: the line a command prints with `--format jsonl`, byte for byte,
 * without making its text a JS string. Never writes anywhere.
 */
export class LineBytes extends LineWriter {
  constructor() {
    // It never flushes (take() empties it, endLine() refuses): the stream is never written.
    super(new Writable({ write: (_chunk, _encoding, done) => done() }));
    this.holdsLines = true;
  }

  /** The bytes appended since the last `take()` (a copy, without a line end); starts the next line. */
  take(): Buffer {
    const line = Buffer.allocUnsafe(this.pos);
    this.buf.copy(line, 0, 0, this.pos);
    this.pos = 0;
    return line;
  }

  override endLine(): void {
    throw new Error('LineBytes builds one line at a time: take() it');
  }
}

/** A writer that writes nothing (`-q`): what commands give it is dropped. */
class QuietLineWriter extends LineWriter {
  override text(): void {}
  override jsonStringBody(): void {}
  override bytes(): void {}
  override digits(): void {}
  override hex(): void {}
  override endLine(): void {}
  override flush(): void {}
  override async end(): Promise<void> {}
}

/**
 * The writer a command uses: large chunks for a file; for a live capture every line at once, so
 * people see each packet or message as it happens; with `-q`, none.
 */
export function lineWriterFor(args: { readonly interface?: string; readonly quiet?: boolean }, out: Writable): LineWriter {
  if (args.quiet === true) return new QuietLineWriter(out, 0);
  return new LineWriter(out, args.interface !== undefined ? 0 : undefined);
}

/** Where a command writes: its standard output and error, swappable in tests. */
export interface CliIO {
  readonly stdout: Writable;
  readonly stderr: Writable & { isTTY?: boolean };
}
