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
    if (this.out.writableNeedDrain) await new Promise<void>((res) => this.out.once('drain', () => res()));
  }
}

/** Where a command writes: its standard output and error, swappable in tests. */
export interface CliIO {
  readonly stdout: Writable;
  readonly stderr: Writable & { isTTY?: boolean };
}
