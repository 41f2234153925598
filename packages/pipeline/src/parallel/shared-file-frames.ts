import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { Observable } from 'rxjs';
import type { CapturedFrame } from '@netrx/core';
import { fromCaptureFile, type CaptureFileOptions } from '@netrx/source-file';
import type { SharedChunks } from './shared-chunks.js';

/**
 * The frames of a capture file read into {@link SharedChunks}, so that each frame's bytes stay in
 * shared memory (a frame that straddles two chunks is the reader's own copy, as always). The
 * reading, format detection and errors are `fromCaptureFile`'s own, given the chunks as a stream;
 * the progress reports the file's size. A file that is not a regular file, or is gzip-compressed
 * (its frames are in the inflater's buffers anyway), or cannot be opened, is read by
 * `fromCaptureFile` itself, with its messages.
 *
 * Each chunk is held (see {@link SharedChunks}) from its reading until `options.beforeNextChunk`
 * after it has returned: by then its frames have been handed on.
 */
export function sharedFileFrames(path: string, options: CaptureFileOptions, chunks: SharedChunks): Observable<CapturedFrame> {
  return new Observable<CapturedFrame>((subscriber) => {
    let stopped = false;
    let handle: FileHandle | undefined;
    let inner: { unsubscribe(): void } | undefined;
    const plain = (): void => {
      if (!stopped) inner = fromCaptureFile(path, options).subscribe(subscriber);
    };
    const start = async (): Promise<void> => {
      let size: number;
      try {
        handle = await open(path, 'r');
        const st = await handle.stat();
        const magic = Buffer.alloc(2);
        await handle.read(magic, 0, 2, 0);
        if (!st.isFile() || (magic[0] === 0x1f && magic[1] === 0x8b)) throw new Error('read as it is');
        size = st.size;
      } catch {
        await handle?.close().catch(() => {});
        handle = undefined;
        return plain();
      }
      if (stopped) return void handle.close().catch(() => {});
      const file = handle;
      let position = 0;
      /** Chunks handed to the reader and not done yet, oldest first. */
      const reading: number[] = [];
      const stream = new Readable({
        highWaterMark: 0,
        read() {
          void (async () => {
            let id = chunks.take();
            while (id === undefined) {
              await chunks.whenFree();
              if (stopped) return;
              id = chunks.take();
            }
            try {
              const target = Buffer.from(chunks.buffers[id]!, 0, chunks.chunkBytes);
              const { bytesRead } = await file.read(target, 0, chunks.chunkBytes, position);
              position += bytesRead;
              if (bytesRead === 0) {
                chunks.release(id);
                this.push(null);
                return;
              }
              reading.push(id);
              this.push(target.subarray(0, bytesRead));
            } catch (err) {
              chunks.release(id);
              this.destroy(err as Error);
            }
          })();
        },
      });
      const done = (): void => {
        for (const id of reading.splice(0)) chunks.release(id);
      };
      inner = fromCaptureFile(stream, {
        ...options,
        name: options.name ?? path,
        onProgress: options.onProgress === undefined ? undefined : (n) => options.onProgress!(n, size),
        beforeNextChunk: () => {
          const wait = options.beforeNextChunk?.();
          const id = reading.shift();
          if (id !== undefined) chunks.release(id);
          return wait;
        },
      }).subscribe({
        next: (f) => subscriber.next(f),
        error: (err: unknown) => {
          done();
          subscriber.error(err);
        },
        complete: () => {
          done();
          subscriber.complete();
        },
      });
    };
    start().catch((err: unknown) => subscriber.error(err));
    return () => {
      stopped = true;
      inner?.unsubscribe();
      void handle?.close().catch(() => {});
    };
  });
}
