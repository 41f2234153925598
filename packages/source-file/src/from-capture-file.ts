import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Observable } from 'rxjs';
import { copyBytes, NetrxError, type CapturedFrame } from '@netrx/core';
import type { CaptureProblem } from './capture-problem.js';
import { createReader } from './create-reader.js';
import { detectFormat, MAGIC_LENGTH } from './detect-format.js';
import type { CaptureReader } from './framed-reader.js';
import type { ReaderOptions } from './limits.js';

/** Options of {@link fromCaptureFile}. */
export interface CaptureFileOptions extends ReaderOptions {
  /**
   * Called after each chunk has been pushed through the pipeline, and once at the end, with the
   * bytes read so far (of the file as stored: compressed bytes for a gzipped file) and the file's
   * size (`undefined` for a stream).
   */
  readonly onProgress?: (bytesRead: number, totalBytes: number | undefined) => void;
  /**
   * Called after each chunk has been pushed through; when it returns a promise, the next chunk is
   * read only once it settles. Lets a consumer with its own backpressure (a command waiting for
   * its stdout to drain) hold the reading without buffering frames.
   */
  readonly beforeNextChunk?: () => Promise<unknown> | undefined;
  /** Read size in bytes (default 256 KiB). */
  readonly chunkSize?: number;
  /** What to call the input in error messages (default: the path, or `input` for a stream). */
  readonly name?: string;
}

/**
 * 256 KiB: read chunks of 1 MiB left ~60 MB of finished chunks waiting for a collection on the
 * bench's 1M-packet capture (`netrx ws` peaked at 208 MB RSS against 170 MB with 256 KiB, for
 * ~4% more time in collections and waiting for reads).
 */
const DEFAULT_CHUNK = 256 * 1024;

/**
 * Reads a capture file (pcap, pcapng, either gzip-compressed) or a stream of one, and emits its
 * frames in order. The format is detected from the first bytes.
 *
 * The file is read in large chunks (256 KiB) and each chunk is pushed through the whole synchronous
 * pipeline downstream before the next is read: that is the backpressure, and memory stays at
 * about one chunk whatever the file's size. Frames are views of the chunk they came in (see
 * {@link CaptureReader.write}). A stream (`tcpdump -U -w -` on a child's stdout) is read as its
 * data arrives, and its frames are emitted as soon as each record is complete.
 *
 * Unsubscribing stops reading and closes the file (a given stream is destroyed). A truncated or
 * corrupt file emits every good record, then errors with a `NetrxError` `ERR_CAPTURE_FILE` whose
 * message names the byte offset and what is wrong (its `cause` is the {@link CaptureProblem});
 * an unreadable file errors with a message saying what to do.
 *
 * @example
 * ```ts
 * import { fromCaptureFile } from '@netrx/source-file';
 *
 * fromCaptureFile('capture.pcapng', { onProgress: (n, total) => console.error(n, total) }).subscribe({
 *   next: (frame) => console.log(frame.frameNumber, frame.linkType, frame.caplen),
 *   error: (err) => console.error(err.message),
 * });
 * ```
 */
export function fromCaptureFile(source: string | NodeJS.ReadableStream, options: CaptureFileOptions = {}): Observable<CapturedFrame> {
  return new Observable<CapturedFrame>((subscriber) => {
    const name = options.name ?? (typeof source === 'string' ? source : 'input');
    let stopped = false;
    let input: Readable | undefined;
    let file: FileHandle | undefined;
    let gunzip: Readable | undefined;
    const sink = (frame: CapturedFrame): void => subscriber.next(frame);
    const fail = (message: string, cause?: unknown): void => subscriber.error(new NetrxError('ERR_CAPTURE_FILE', message, { cause }));

    const run = async (): Promise<void> => {
      let total: number | undefined;
      let raw: AsyncIterator<Uint8Array>;
      if (typeof source === 'string') {
        const opened = await openFile(source);
        if (typeof opened === 'string') return fail(opened);
        if (stopped) return void (await opened.handle.close());
        total = opened.size;
        file = opened.handle;
        raw = readAhead(file, options.chunkSize ?? DEFAULT_CHUNK);
      } else {
        input = source instanceof Readable ? source : Readable.from(source as AsyncIterable<Uint8Array>);
        raw = input[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
      }
      let bytesRead = 0;
      // The first bytes decide the format; a stream may deliver fewer than the magic at first.
      let head: Uint8Array = new Uint8Array(0);
      while (head.length < MAGIC_LENGTH && !stopped) {
        const r = await raw.next();
        if (r.done) break;
        bytesRead += r.value.length;
        head = head.length === 0 ? r.value : Buffer.concat([head, r.value]);
      }
      if (stopped) return;
      const format = detectFormat(head);
      if (!format) {
        if (head.length === 0) return fail(`${name} is empty: there is no capture in it`);
        if (head.length < MAGIC_LENGTH) return fail(`${name} ends after ${head.length} bytes, before its format could be told: it is not a whole capture file`);
        const first = Array.from(head.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
        return fail(`${name} is not a capture file: its first bytes (${first}) are not a pcap, pcapng or gzip magic number; give a file written by tcpdump -w, dumpcap or Wireshark`);
      }
      const rest = async function* (): AsyncGenerator<Uint8Array> {
        yield head;
        for (;;) {
          const r = await raw.next();
          if (r.done) return;
          bytesRead += r.value.length;
          yield r.value;
        }
      };
      let chunks: AsyncIterable<Uint8Array> = rest();
      if (format === 'gzip') {
        const z = createGunzip({ chunkSize: 256 * 1024 });
        Readable.from(chunks, { objectMode: false }).on('error', (e) => z.destroy(e)).pipe(z);
        chunks = gunzip = z;
      }
      // The reader is chosen on the first bytes of the capture itself (decompressed, for gzip).
      let reader: CaptureReader | undefined;
      let innerHead: Uint8Array = new Uint8Array(0);
      const report = (p: CaptureProblem): void => fail(`${name}: ${p.message}${format === 'gzip' ? ' (offset in the decompressed data)' : ''}`, p);
      try {
        for await (const chunk of chunks) {
          if (stopped) return;
          let bytes: Uint8Array = chunk;
          if (!reader) {
            innerHead = innerHead.length === 0 ? chunk : Buffer.concat([innerHead, chunk]);
            if (innerHead.length < MAGIC_LENGTH) continue;
            const f = detectFormat(innerHead);
            if (f !== 'pcap' && f !== 'pcapng') return fail(`${name} is gzip-compressed but what it holds is not a pcap or pcapng file`);
            reader = createReader(f, sink, options);
            bytes = innerHead;
          }
          const p = reader.write(bytes);
          if (p) return report(p);
          options.onProgress?.(bytesRead, total);
          const wait = options.beforeNextChunk?.();
          if (wait) await wait;
        }
      } catch (err) {
        if (stopped) return;
        const what = format === 'gzip' ? 'the gzip data is corrupt or cut short' : 'reading failed';
        return fail(`${name}: ${what} after ${reader?.offset ?? 0} bytes of capture (${(err as Error).message})`, err);
      }
      if (stopped) return;
      if (!reader) return fail(`${name}: file ends at byte ${innerHead.length}, inside the capture's first header${format === 'gzip' ? ' (offset in the decompressed data)' : ''}`);
      const p = reader.end();
      if (p) return report(p);
      options.onProgress?.(bytesRead, total);
      subscriber.complete();
    };

    run().catch((err: unknown) => {
      if (!stopped) fail(`${name}: ${(err as Error)?.message ?? String(err)}`, err);
    });
    return () => {
      stopped = true;
      input?.destroy();
      // Waits for a read under way, then closes; a read after it fails, and `stopped` hides that.
      file?.close().catch(() => undefined);
      gunzip?.destroy();
    };
  });
}

/**
 * Reads a file chunk by chunk, the next read under way while the pipeline handles the last one,
 * each chunk handed over by one promise. (Through a `createReadStream` each chunk also passed the
 * stream's buffer, a `readable` event and its async iterator: ~45 µs of waiting a chunk against
 * ~23, and 8.5% of the bench's `ws` stage idle against 4.7%.) Reads from the current position, so
 * a named pipe works too.
 */
async function* readAhead(handle: FileHandle, size: number): AsyncGenerator<Uint8Array> {
  const read = () => {
    const r = handle.read(Buffer.allocUnsafe(size), 0, size, null);
    r.catch(() => undefined); // not awaited when the consumer stops first (the handle closed under it)
    return r;
  };
  let next = read();
  for (;;) {
    const { bytesRead, buffer } = await next;
    if (bytesRead === 0) return;
    next = read();
    // A short read (a pipe gives at most 64 KiB) is copied, so its frames do not keep the whole
    // buffer alive, as Node's ReadStream does.
    yield bytesRead === size ? buffer : bytesRead * 4 > size ? buffer.subarray(0, bytesRead) : copyBytes(buffer.subarray(0, bytesRead));
  }
}

/** Opens a file for reading, or says in words why it cannot be read and what to do. */
async function openFile(path: string): Promise<{ handle: FileHandle; size: number | undefined } | string> {
  try {
    const handle = await open(path, 'r');
    const st = await handle.stat();
    if (st.isDirectory()) {
      await handle.close();
      return `${path} is a directory: give the path of a capture file`;
    }
    return { handle, size: st.isFile() ? st.size : undefined };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `cannot read ${path}: there is no such file; check the path`;
    if (code === 'EACCES' || code === 'EPERM') return `cannot read ${path}: permission denied; run as a user who may read it, or change its permissions`;
    if (code === 'EISDIR') return `${path} is a directory: give the path of a capture file`;
    return `cannot read ${path}: ${(err as Error).message}`;
  }
}
