import type { Writable } from 'node:stream';

/**
 * Collects output lines and writes them in large chunks: one `write` per ~64 KiB instead of one
 * per line, which is what makes `--format jsonl` on a big capture cheap.
 */
export class LineWriter {
  private buf = '';

  constructor(
    private readonly out: Writable,
    private readonly chunk = 64 * 1024,
  ) {}

  line(s: string): void {
    this.buf += s + '\n';
    if (this.buf.length >= this.chunk) this.flush();
  }

  flush(): void {
    if (this.buf.length === 0) return;
    this.out.write(this.buf);
    this.buf = '';
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
}

/**
 * The writer a command uses: large chunks for a file; for a live capture every line at once, so
 * people see each packet or message as it happens.
 */
export function lineWriterFor(args: { readonly interface?: string }, out: Writable): LineWriter {
  return new LineWriter(out, args.interface !== undefined ? 0 : undefined);
}

/** Where a command writes: its standard output and error, swappable in tests. */
export interface CliIO {
  readonly stdout: Writable;
  readonly stderr: Writable & { isTTY?: boolean };
}
