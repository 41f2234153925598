// Streaming raw-inflate engines for permessage-deflate (RFC 7692): a context that lasts from one
// message to the next (context takeover), driven synchronously, because the pipeline is
// synchronous end to end and messages must come out in order.
//
// The zlib engine relies on Node internals, not on a public API. `zlib.inflateRawSync` creates and
// closes a context per call, so it cannot inflate a message that refers to the previous ones; the
// `zlib.createInflateRaw()` stream keeps its context but delivers output asynchronously. So the
// engine makes a stream and drives its native handle directly, as Node's own `inflateRawSync`
// does inside (`processChunkSync` in lib/zlib.js), using exactly these members of the stream:
//
// - `_handle`: the native `Zlib` binding object behind the stream;
// - `_handle.writeSync(flush, input, inOff, inLen, output, outOff, outLen)`: one synchronous
//   `inflate()` on the z_stream, with `flush` = Z_SYNC_FLUSH;
// - `_writeState`: the `Uint32Array(2)` the handle was initialised with, where each `writeSync`
//   leaves `[avail_out, avail_in]`;
// - `_handle.onerror`: what the handle calls with `(message, errno)` on a zlib error; Node's own
//   handler emits `error` on the stream and closes it, the engine's keeps the message as a value.
//
// and the public `close()` to free the native context. `ZlibEngine.available()` checks that these
// members are there; where they are not (another runtime, a Node that renamed them), pako's
// streaming `Inflate` (pure JS, about 4x slower: `bench/inflate-bench.mjs`) does the same work.
// Both engines are tested with the same cases (`message-inflater.test.ts`).
import { createInflateRaw } from 'node:zlib';
import { Inflate } from 'pako';
import { concatBytes, copyBytes } from '@netrx/core';
import { EMPTY_BYTES } from './bytes.js';

const Z_SYNC_FLUSH = 2;

/** What an engine made of one message's deflate data (with the `00 00 ff ff` tail appended). */
export type InflateOutcome =
  | { readonly kind: 'ok'; readonly data: Uint8Array; readonly ended: boolean }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'over' };

/** A streaming raw inflater whose context lasts from one message to the next. */
export interface InflateEngine {
  /**
   * Inflates `input` with Z_SYNC_FLUSH: `ok` with the bytes (a buffer of their own) and whether
   * the deflate stream ended (a final block), `error` with zlib's message, or `over` when the
   * output passed `maxOutput` (inflation stops there).
   */
  inflate(input: Uint8Array, maxOutput: number): InflateOutcome;
  /** Frees the context. */
  close(): void;
}

/** Which engine: Node's native zlib, or pako. */
export type InflateEngineName = 'zlib' | 'pako';

/** The output scratch space of the zlib engine, shared: inflation is synchronous and copied out. */
const SCRATCH = Buffer.allocUnsafe(64 * 1024);

/** The native zlib handle behind a `node:zlib` stream, as the engine uses it (see the file's head). */
interface ZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
  onerror: (message: string, errno: number) => void;
}

/**
 * Node's native zlib, driven synchronously through the stream's handle (the Node internals it uses
 * are listed at the head of this file). Measured about 4x faster than pako
 * (`bench/inflate-bench.mjs`: 1.8 against 7.6 µs for 100-byte messages, 81 against 335 µs for 200 KB).
 */
class ZlibEngine implements InflateEngine {
  // The stream's own output buffer (chunkSize) is never used: keep it at zlib's minimum, not 16 KiB
  // for every direction of every connection.
  private readonly stream: ReturnType<typeof createInflateRaw>;
  private readonly handle: ZlibHandle;
  /** [avail_out, avail_in] after each `writeSync`. */
  private readonly state: Uint32Array;
  private error: string | undefined;

  constructor(dictionary?: Uint8Array) {
    this.stream = createInflateRaw(dictionary === undefined ? { windowBits: 15, chunkSize: 64 } : { windowBits: 15, chunkSize: 64, dictionary });
    const internals = this.stream as unknown as { _handle: ZlibHandle; _writeState: Uint32Array };
    this.handle = internals._handle;
    this.state = internals._writeState;
    this.handle.onerror = (message) => {
      this.error = message;
    };
  }

  /** Whether this Node's zlib streams have the handle the engine drives. */
  static available(): boolean {
    try {
      const s = createInflateRaw() as unknown as { _handle?: { writeSync?: unknown }; _writeState?: unknown; close(): void };
      const ok = typeof s._handle?.writeSync === 'function' && s._writeState instanceof Uint32Array;
      s.close();
      return ok;
    } catch {
      return false;
    }
  }

  inflate(input: Uint8Array, maxOutput: number): InflateOutcome {
    const out = SCRATCH;
    let chunks: Uint8Array[] | undefined;
    let total = 0;
    let inOff = 0;
    let inLen = input.length;
    for (;;) {
      this.handle.writeSync(Z_SYNC_FLUSH, input, inOff, inLen, out, 0, out.length);
      if (this.error !== undefined) return { kind: 'error', message: this.error };
      const availOut = this.state[0]!;
      const availIn = this.state[1]!;
      const have = out.length - availOut;
      total += have;
      if (total > maxOutput) return { kind: 'over' };
      if (availOut !== 0) {
        // Room left: zlib took all it could. Input left over means the stream ended (a block
        // with BFINAL set, RFC 7692 §7.2.3.3): what follows is not part of it.
        const last = copyBytes(out.subarray(0, have));
        const data = chunks === undefined ? last : concatBytes([...chunks, last], total);
        return { kind: 'ok', data: total === 0 ? EMPTY_BYTES : data, ended: availIn !== 0 };
      }
      (chunks ??= []).push(copyBytes(out));
      inOff += inLen - availIn;
      inLen = availIn;
    }
  }

  close(): void {
    this.stream.close();
  }
}

/** Output chunk size of the pako engine (measured: small chunks keep chat-sized messages cheap). */
const PAKO_CHUNK = 4096;

class CapExceeded extends Error {}

/** pako's streaming `Inflate`: the engine where Node's zlib handle is not there to drive. */
class PakoEngine implements InflateEngine {
  private readonly inflater: Inflate;
  private chunks: Uint8Array[] = [];
  private readonly out = new Uint8Array(PAKO_CHUNK);
  private total = 0;
  private max = 0;

  constructor(dictionary?: Uint8Array) {
    this.inflater = new Inflate(dictionary === undefined ? { raw: true, windowBits: 15, chunkSize: PAKO_CHUNK } : { raw: true, windowBits: 15, chunkSize: PAKO_CHUNK, dictionary });
    this.inflater.onData = (chunk: Uint8Array) => {
      this.total += chunk.length;
      if (this.total > this.max) throw new CapExceeded();
      this.chunks.push(chunk.buffer === this.out.buffer ? copyBytes(chunk) : chunk);
    };
  }

  inflate(input: Uint8Array, maxOutput: number): InflateOutcome {
    const inf = this.inflater;
    this.chunks = [];
    this.total = 0;
    this.max = maxOutput;
    // Inflate into our own reused buffer first: pako would allocate a fresh output buffer for
    // every message, which measured as the largest cost of inflating chat-sized messages.
    const strm = inf.strm;
    strm.output = this.out;
    strm.next_out = 0;
    strm.avail_out = this.out.length;
    let ok: boolean;
    try {
      ok = inf.push(input, Z_SYNC_FLUSH);
    } catch (err) {
      if (!(err instanceof CapExceeded)) throw err;
      return { kind: 'over' };
    }
    if (!ok || inf.err) return { kind: 'error', message: inf.msg || `error ${inf.err}` };
    const chunks = this.chunks;
    this.chunks = [];
    const data = chunks.length === 0 ? EMPTY_BYTES : concatBytes(chunks, this.total);
    return { kind: 'ok', data, ended: inf.ended };
  }

  close(): void {}
}

/** The engine used unless one is asked for: zlib where its handle is there, else pako. */
export const DEFAULT_INFLATE_ENGINE: InflateEngineName = ZlibEngine.available() ? 'zlib' : 'pako';

/**
 * A new engine with a fresh context; with `dictionary`, the history (oldest first) that later
 * back-references may reach (RFC 1951 §3.2.5), as the tracking inflater hands it over once known.
 */
export function createInflateEngine(name: InflateEngineName, dictionary?: Uint8Array): InflateEngine {
  return name === 'zlib' ? new ZlibEngine(dictionary) : new PakoEngine(dictionary);
}
