import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import type { Deflate } from 'pako';

/** The internal, synchronous side of a Node zlib stream (`lib/zlib.js`: `processChunkSync`). */
interface ZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
}

/**
 * A raw-deflate compressor with a persistent context (context takeover) that compresses one
 * message at a time synchronously, for permessage-deflate (RFC 7692 §7.2.1): each message ends
 * with a sync flush whose `00 00 ff ff` tail is removed.
 *
 * Node's zlib streams are asynchronous and its `*Sync` functions close their context after one
 * call, so this drives a `zlib.createDeflateRaw()` stream's native handle directly (what
 * `processChunkSync` in Node's `lib/zlib.js` does), about 3x faster than pako here. Should a
 * Node version lack that handle, it falls back to pako's `Deflate`.
 */
export class SyncDeflater {
  private readonly handle: ZlibHandle | null = null;
  private readonly state: Uint32Array | null = null;
  private readonly pako: Deflate | null = null;
  private readonly out = new Uint8Array(1 << 16);
  private chunks: Uint8Array[] = [];

  /** `level`: zlib's compression level (1, fastest, for the chat captures; 9 for the smallest bytes). */
  constructor(level = 1) {
    const stream = zlib.createDeflateRaw({ level }) as unknown as { _handle?: Partial<ZlibHandle>; _writeState?: unknown };
    if (typeof stream._handle?.writeSync === 'function' && stream._writeState instanceof Uint32Array) {
      this.handle = stream._handle as ZlibHandle;
      this.state = stream._writeState;
    } else {
      // Loaded only here: pako comes with @netrx/dissector-websocket, the bench does not need it otherwise.
      const pako = createRequire(import.meta.url)('pako') as typeof import('pako').default;
      this.pako = new pako.Deflate({ raw: true, level: level as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 });
      this.pako.onData = (c) => this.chunks.push(c);
    }
  }

  /** The compressed bytes of one message, tail removed. */
  deflate(message: Uint8Array): Uint8Array {
    this.chunks = [];
    if (this.handle && this.state) {
      let inOff = 0;
      let inLen = message.length;
      // Loop until a call leaves output space unused: then the flush is complete.
      for (;;) {
        this.handle.writeSync(zlib.constants.Z_SYNC_FLUSH, message, inOff, inLen, this.out, 0, this.out.length);
        const availOut = this.state[0]!;
        const availIn = this.state[1]!;
        this.chunks.push(this.out.slice(0, this.out.length - availOut));
        inOff += inLen - availIn;
        inLen = availIn;
        if (availOut !== 0) break;
      }
    } else if (!this.pako!.push(message, zlib.constants.Z_SYNC_FLUSH)) {
      throw new Error(`deflate failed: ${this.pako!.msg}`);
    }
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    // zlib flushes nothing when nothing came in since the last flush (an empty message after
    // another): send the lone 0x00 of an empty stored block, as RFC 7692 §7.2.3.6 shows.
    if (all.length < 4) return Uint8Array.of(0);
    return all.subarray(0, all.length - 4);
  }
}
