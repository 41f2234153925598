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
// - `_handle.reset()`: zlib's `inflateReset` (what the stream's public `reset()` calls), to start a
//   fresh deflate stream in the same context (no context takeover);
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
  | { readonly kind: 'over' }
  | { readonly kind: 'refused'; readonly bytes: number };

/**
 * Asked before an engine grows a message's output buffer by `bytes` (a memory budget's draw);
 * false stops inflation (`refused`). What it granted is the caller's to give back.
 */
export type GrowOutput = (bytes: number) => boolean;

/** A streaming raw inflater whose context lasts from one message to the next. */
export interface InflateEngine {
  /**
   * Inflates `input` with Z_SYNC_FLUSH: `ok` with the bytes (a buffer of their own) and whether
   * the deflate stream ended (a final block), `error` with zlib's message, `over` when the
   * output passed `maxOutput`, or `refused` when `grow` refused more room (inflation stops there;
   * the context is then mid-message: reset it). A message over {@link SCRATCH_BYTES} is inflated
   * into one buffer that grows in place, each growth asked of `grow` first: never joined from
   * pieces, so it exists once.
   */
  inflate(input: Uint8Array, maxOutput: number, grow?: GrowOutput): InflateOutcome;
  /** Forgets the history: the next message starts a fresh deflate stream (zlib's `inflateReset`). */
  reset(): void;
  /** Frees the context. */
  close(): void;
}

/** Which engine: Node's native zlib, or pako. */
export type InflateEngineName = 'zlib' | 'pako';

/** Bytes of the shared output scratch space: a message that fits is copied out once, exactly sized. */
export const SCRATCH_BYTES = 64 * 1024;

/** The output scratch space of the zlib engine, shared: inflation is synchronous and copied out. */
const SCRATCH = Buffer.allocUnsafe(SCRATCH_BYTES);

/** Largest message copied out of its growing buffer rather than given it (see `GrowingOutput.finish`). */
const COPY_OUT_MAX = 1024 * 1024;

/** First size of the growing buffer of a message over the scratch space. */
const FIRST_GROWN = 4 * SCRATCH_BYTES;

/** `ArrayBuffer` with ES2024's resizable buffers (Node ≥ 20), which the project's ES2023 lib does not type. */
interface ResizableArrayBuffer extends ArrayBuffer {
  resize(byteLength: number): void;
}
const ResizableBuffer = ArrayBuffer as unknown as new (byteLength: number, options: { maxByteLength: number }) => ResizableArrayBuffer;

/**
 * The output of a message larger than the scratch space: one resizable `ArrayBuffer` (ES2024)
 * reserved up to the cap and grown in place, so the output is never copied from a smaller buffer
 * or joined from chunks: a 63 MiB message costs 63 MiB, not three times that. Only the pages
 * written are resident; the buffer is shrunk to the message at the end.
 */
class GrowingOutput {
  readonly buffer: ResizableArrayBuffer;
  bytes: Uint8Array;

  constructor(first: Uint8Array, maxOutput: number) {
    // One byte over the cap: a message that fills it is over.
    this.buffer = new ResizableBuffer(Math.min(FIRST_GROWN, maxOutput + 1), { maxByteLength: maxOutput + 1 });
    this.bytes = new Uint8Array(this.buffer);
    this.bytes.set(first);
  }

  /**
   * Grows in place to the next size (double, at most the cap + 1), asking `ask` first. Returns the
   * bytes added; 0 when already at the cap; minus the bytes asked when `ask` refused them.
   */
  grow(maxOutput: number, ask: GrowOutput | undefined): number {
    const now = this.buffer.byteLength;
    const next = Math.min(now * 2, maxOutput + 1);
    if (next === now) return 0;
    if (ask !== undefined && !ask(next - now)) return -(next - now);
    this.buffer.resize(next);
    this.bytes = new Uint8Array(this.buffer);
    return next - now;
  }

  /**
   * The message: up to {@link COPY_OUT_MAX}, copied out at its size (the growing buffer reserves
   * the cap's worth of address space, which V8 limits to 1 TiB in all: a program that keeps many
   * messages must not keep a reservation each); larger, the buffer itself, shrunk to `length`
   * (the pages past it are given back), never copied.
   */
  finish(length: number): Uint8Array {
    if (length <= COPY_OUT_MAX) return copyBytes(this.bytes.subarray(0, length));
    this.buffer.resize(length);
    return new Uint8Array(this.buffer, 0, length);
  }
}

/** The native zlib handle behind a `node:zlib` stream, as the engine uses it (see the file's head). */
interface ZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
  reset(): void;
  onerror: (message: string, errno: number) => void;
}

/**
 * zlib's window for a negotiated `*_max_window_bits` (RFC 7692 §7.1.2). 8 is read as 9: zlib's
 * deflate cannot make 8-bit windows and silently uses 9 (zlib 1.2.9+, so peers built on it send
 * 512-byte distances after negotiating 8), and a larger window inflates anything a smaller one made.
 */
export function zlibWindowBits(negotiated: number): number {
  return Math.min(15, Math.max(9, negotiated));
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

  constructor(dictionary?: Uint8Array, windowBits = 15) {
    this.stream = createInflateRaw(dictionary === undefined ? { windowBits, chunkSize: 64 } : { windowBits, chunkSize: 64, dictionary });
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
      const s = createInflateRaw() as unknown as { _handle?: { writeSync?: unknown; reset?: unknown }; _writeState?: unknown; close(): void };
      const ok = typeof s._handle?.writeSync === 'function' && typeof s._handle.reset === 'function' && s._writeState instanceof Uint32Array;
      s.close();
      return ok;
    } catch {
      return false;
    }
  }

  inflate(input: Uint8Array, maxOutput: number, grow?: GrowOutput): InflateOutcome {
    // Most messages fit the scratch space: one native call, one exact copy out.
    this.handle.writeSync(Z_SYNC_FLUSH, input, 0, input.length, SCRATCH, 0, SCRATCH_BYTES);
    if (this.error !== undefined) return { kind: 'error', message: this.error };
    let availOut = this.state[0]!;
    let availIn = this.state[1]!;
    let total = SCRATCH_BYTES - availOut;
    if (total > maxOutput) return { kind: 'over' };
    // Room left: zlib took all it could. Input left over means the stream ended (a block with
    // BFINAL set, RFC 7692 §7.2.3.3): what follows is not part of it.
    if (availOut !== 0) return { kind: 'ok', data: total === 0 ? EMPTY_BYTES : copyBytes(SCRATCH.subarray(0, total)), ended: availIn !== 0 };
    if (SCRATCH_BYTES >= maxOutput + 1) return { kind: 'over' };
    // Larger: one buffer, grown in place, inflated into directly (never chunks joined).
    if (grow !== undefined && !grow(Math.min(FIRST_GROWN, maxOutput + 1))) return { kind: 'refused', bytes: Math.min(FIRST_GROWN, maxOutput + 1) };
    const out = new GrowingOutput(SCRATCH, maxOutput);
    let inOff = input.length - availIn;
    for (;;) {
      let room = out.bytes.length - total;
      if (room === 0) {
        const grown = out.grow(maxOutput, grow);
        if (grown === 0) return { kind: 'over' };
        if (grown < 0) return { kind: 'refused', bytes: -grown };
        room = out.bytes.length - total;
      }
      this.handle.writeSync(Z_SYNC_FLUSH, input, inOff, availIn, out.bytes, total, room);
      if (this.error !== undefined) return { kind: 'error', message: this.error };
      availOut = this.state[0]!;
      inOff += availIn - this.state[1]!;
      availIn = this.state[1]!;
      total += room - availOut;
      if (total > maxOutput) return { kind: 'over' };
      if (availOut !== 0) return { kind: 'ok', data: out.finish(total), ended: availIn !== 0 };
    }
  }

  reset(): void {
    this.error = undefined;
    this.handle.reset();
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
  private inflater!: Inflate;
  private chunks: Uint8Array[] = [];
  private readonly out = new Uint8Array(PAKO_CHUNK);
  private total = 0;
  private max = 0;
  private grow: GrowOutput | undefined;
  private refused = 0;

  constructor(
    private readonly dictionary?: Uint8Array,
    private readonly windowBits = 15,
  ) {
    this.reset();
  }

  reset(): void {
    const o = { raw: true, windowBits: this.windowBits, chunkSize: PAKO_CHUNK };
    this.inflater = new Inflate(this.dictionary === undefined ? o : { ...o, dictionary: this.dictionary });
    this.inflater.onData = (chunk: Uint8Array) => {
      this.total += chunk.length;
      if (this.total > this.max) throw new CapExceeded();
      // Past the scratch size the chunks are held: a draw, as the zlib engine's growth is.
      if (this.total > SCRATCH_BYTES && this.grow !== undefined && !this.grow(chunk.length)) {
        this.refused = chunk.length;
        throw new CapExceeded();
      }
      this.chunks.push(chunk.buffer === this.out.buffer ? copyBytes(chunk) : chunk);
    };
  }

  inflate(input: Uint8Array, maxOutput: number, grow?: GrowOutput): InflateOutcome {
    const inf = this.inflater;
    this.chunks = [];
    this.total = 0;
    this.max = maxOutput;
    this.grow = grow;
    this.refused = 0;
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
      this.chunks = [];
      return this.refused > 0 ? { kind: 'refused', bytes: this.refused } : { kind: 'over' };
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
 * A new engine with a fresh context of `2^windowBits` bytes of history; with `dictionary`, the history (oldest first) that later
 * back-references may reach (RFC 1951 §3.2.5), as the tracking inflater hands it over once known.
 */
export function createInflateEngine(name: InflateEngineName, dictionary?: Uint8Array, windowBits = 15): InflateEngine {
  return name === 'zlib' ? new ZlibEngine(dictionary, windowBits) : new PakoEngine(dictionary, windowBits);
}
