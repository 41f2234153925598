import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import type { KeyLogCounts } from './keylog.js';
import type { MemoryKeyStore, TlsKeySource } from './key-store.js';

/** Most bytes read from a key log file at once. */
const READ_CHUNK = 256 * 1024;

/**
 * A key log file (`SSLKEYLOGFILE`, NSS format) read into a {@link MemoryKeyStore} and re-read as
 * it grows: attached to the store, it is refreshed whenever a lookup misses, so a live capture
 * beside a browser writing the file finds the keys the browser logged after the capture began
 * (a connection's records are held until its key comes). A refresh costs one `stat` when the
 * file has not changed; only whole lines are read (a line being written waits for its newline, or for a refresh that
 * finds the file unchanged);
 * a file that shrank (rewritten) is read again from the start. A file that does not exist yet is
 * read once it appears.
 *
 * @example
 * ```ts
 * const keys = new MemoryKeyStore();
 * const file = new KeyLogFile(process.env.SSLKEYLOGFILE!, keys);
 * console.error(`${file.counts.used} secrets read`);
 * const tls = createTlsPlugin({ keys });
 * ```
 */
export class KeyLogFile implements TlsKeySource {
  private offset = 0;
  private size = -1;
  private mtimeMs = -1;
  private rest = '';
  private used = 0;
  private ignored = 0;
  private malformed = 0;

  constructor(
    /** The file's path. */
    readonly path: string,
    /** Where its secrets go: a {@link MemoryKeyStore}, or anything that reads key log text and refreshes its sources. */
    private readonly store: Pick<MemoryKeyStore, 'addKeyLog' | 'attach'>,
  ) {
    store.attach(this);
    this.refresh();
  }

  /** What has been read so far. */
  get counts(): KeyLogCounts {
    return { used: this.used, ignored: this.ignored, malformed: this.malformed };
  }

  /** Whether the file exists (as of the last refresh). */
  get exists(): boolean {
    return this.size >= 0;
  }

  /** Reads the lines added since the last refresh. */
  refresh(): void {
    let st;
    try {
      st = statSync(this.path);
    } catch {
      this.size = -1;
      return;
    }
    if (st.size === this.size && st.mtimeMs === this.mtimeMs) {
      // Unchanged since the last look: a last line without its newline is complete after all.
      if (this.rest !== '') this.take('\n');
      return;
    }
    if (st.size < this.offset) {
      this.offset = 0;
      this.rest = '';
    }
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return;
    }
    try {
      const size = fstatSync(fd).size;
      const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, Math.max(1, size - this.offset)));
      while (this.offset < size) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, size - this.offset), this.offset);
        if (n <= 0) break;
        this.offset += n;
        this.take(buf.toString('latin1', 0, n));
      }
      this.size = size;
      this.mtimeMs = st.mtimeMs;
    } finally {
      closeSync(fd);
    }
  }

  private take(text: string): void {
    const all = this.rest + text;
    const cut = all.lastIndexOf('\n');
    if (cut < 0) {
      this.rest = all;
      return;
    }
    this.rest = all.slice(cut + 1);
    const c = this.store.addKeyLog(all.slice(0, cut));
    this.used += c.used;
    this.ignored += c.ignored;
    this.malformed += c.malformed;
  }
}
