import {
  createInflateEngine,
  DEFAULT_INFLATE_ENGINE,
  zlibWindowBits,
  type InflateEngine,
  type InflateEngineName,
} from './inflate-engines.js';
import type { MemoryDraw } from './connection-memory.js';
import { TrackingInflater } from './tracking-inflater.js';
import { withDeflateTail } from './deflate-tail.js';

/**
 * What an inflate context is counted as on the memory budget, beyond its window of `2^windowBits`
 * bytes: zlib's `struct inflate_state` (inflate.h: the code tables `codes[ENOUGH]`, 1,444 entries
 * of 4 bytes, `lens[320]` and `work[288]` of 2 bytes, the bit buffer and header fields: 7,160 bytes
 * on x86-64 with zlib 1.3) rounded up, plus Node's `Zlib` handle and stream objects around it
 * (a few hundred bytes, measured with `process.memoryUsage()` over 10,000 contexts).
 */
export const INFLATE_STATE_BYTES = 7 * 1024 + 512;

/** Bytes one inflate context is counted as: its window and its state (`INFLATE_STATE_BYTES`, 7.5 KiB). */
export function inflateContextBytes(windowBits: number): number {
  return 2 ** zlibWindowBits(windowBits) + INFLATE_STATE_BYTES;
}

/**
 * The result of inflating one message: its bytes, or why there are none (`refused`: the memory
 * budget said no). `unknownBytes` of them (marked 1 in `unknown`) were copied from history that
 * was not captured and read as 0.
 */
export type InflateResult =
  | { readonly ok: true; readonly data: Uint8Array; readonly unknownBytes?: number; readonly unknown?: Uint8Array }
  | { readonly ok: false; readonly reason: string; readonly refused?: boolean };

/** permessage-deflate parameters of one direction, as the handshake negotiated them (RFC 7692 §7.1). */
export interface InflaterParams {
  /** `client_max_window_bits` or `server_max_window_bits` of the sender: 8-15 (default 15). */
  readonly windowBits?: number;
  /** `*_no_context_takeover` of the sender: every message is a deflate stream of its own. */
  readonly noContextTakeover?: boolean;
  /** Where the context and large outputs are drawn (the connection's share of the pipeline's budget). */
  readonly memory?: MemoryDraw;
}

/**
 * Contexts shared by every direction that negotiated no context takeover, one per engine and
 * window size: such a peer's messages never refer back (RFC 7692 §7.2.1), so nothing needs to be
 * kept between them, and inflation is synchronous, so one context serves all, reset after each
 * message. Creating a context costs ~40 µs (measured), too much for every small message.
 */
const sharedEngines = new Map<string, InflateEngine>();

function sharedEngine(name: InflateEngineName, windowBits: number): InflateEngine {
  const key = `${name}/${windowBits}`;
  let e = sharedEngines.get(key);
  if (e === undefined) {
    e = createInflateEngine(name, undefined, windowBits);
    sharedEngines.set(key, e);
  }
  return e;
}

/**
 * Inflates the messages of one direction (RFC 7692 §7.2.2), synchronously. With context takeover
 * (the default), one streaming context for the whole direction, flushed with Z_SYNC_FLUSH, its
 * window sized from the negotiated `*_max_window_bits` and drawn on the memory budget while it
 * lives; with `*_no_context_takeover`, none is kept between messages (a shared one is reset after
 * each). The context is Node's native zlib, driven synchronously; pako where that is not
 * available, or when asked (for tests).
 *
 * An inflate error resets the context: the next messages then decode only if they do not refer to
 * what was lost, and inflate itself tells (`invalid distance too far back`), so a message is
 * either right or undecodable, never wrong text. Output over `maxOutput` stops inflation (a
 * deflate bomb is reported, not obeyed). A message over 64 KiB is inflated into one buffer grown
 * in place, each growth drawn on the budget: it exists once, and a refused draw makes it
 * undecodable (the output drawn is given back by {@link releaseOutput}, once the message is out).
 *
 * @example
 * ```ts
 * import { deflateRawSync, constants } from 'node:zlib';
 * const c = deflateRawSync('hello', { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, -4);
 * new MessageInflater(1 << 20).inflate([c]); // { ok: true, data: <hello> }
 * ```
 */
export class MessageInflater {
  private engine: InflateEngine | undefined;
  /** Bytes drawn for {@link engine} (0: none, or shared). */
  private engineDrawn = 0;
  /** Bytes drawn for the output of the message inflated last. */
  private outputDrawn = 0;
  /**
   * While the history is not all known (no handshake, or after a gap): the pure-JS decoder that
   * tracks which output bytes copy history that was not captured.
   */
  private tracker: TrackingInflater | undefined;
  /** Whether the context holds the peer's whole history (false after a reset, until proven). */
  private historyComplete: boolean;
  private readonly windowBits: number;
  private readonly noContextTakeover: boolean;
  private readonly memory: MemoryDraw | undefined;
  private readonly grow = (bytes: number): boolean => {
    if (this.memory === undefined) return true;
    if (!this.memory.take(bytes)) return false;
    this.outputDrawn += bytes;
    return true;
  };

  /**
   * @param maxOutput Largest inflated message.
   * @param historyComplete Whether inflation starts at the peer's first message (a handshake was
   *   captured); used only to word the reason when a message refers to lost history.
   * @param engineName `zlib` (Node's, the default where available) or `pako`.
   * @param params The negotiated window and context takeover, and the memory budget.
   */
  constructor(
    private readonly maxOutput: number,
    historyComplete = true,
    private readonly engineName: InflateEngineName = DEFAULT_INFLATE_ENGINE,
    params: InflaterParams = {},
  ) {
    this.historyComplete = historyComplete;
    this.windowBits = zlibWindowBits(params.windowBits ?? 15);
    this.noContextTakeover = params.noContextTakeover === true;
    this.memory = params.memory;
  }

  /** Whether messages go through the tracking decoder (some history is unknown); false: native zlib. */
  get tracking(): boolean {
    return !this.historyComplete;
  }

  /** Bytes drawn on the budget now: the context, and the output of the message inflated last. */
  get drawn(): number {
    return this.engineDrawn + this.outputDrawn;
  }

  /** Forgets the context (a gap lost some of the peer's messages): history is unknown from here. */
  reset(): void {
    this.drop();
    // Without context takeover no message refers to an earlier one: nothing was lost.
    if (this.noContextTakeover) return;
    this.historyComplete = false;
    this.tracker?.resetUnknown();
  }

  /** Frees the context (native memory, for zlib) now rather than when collected: no more messages. */
  close(): void {
    this.drop();
    this.tracker = undefined;
    this.releaseOutput();
  }

  /** Gives back what the last message's output drew: it has been handed on. */
  releaseOutput(): void {
    if (this.outputDrawn === 0) return;
    this.memory?.release(this.outputDrawn);
    this.outputDrawn = 0;
  }

  /**
   * Inflates one whole message from its frames' payloads (still compressed, already unmasked).
   * The parts are only read, during the call.
   */
  inflate(parts: readonly Uint8Array[]): InflateResult {
    this.releaseOutput();
    // History not captured: the tracking decoder says which bytes are unknown. Native zlib stays
    // the fast path from the start of a stream (a handshake seen, or a final block ended one).
    if (!this.historyComplete) return this.inflateTracked(parts);
    if (this.noContextTakeover) return this.inflateAlone(parts);
    if (this.engine === undefined) {
      const bytes = inflateContextBytes(this.windowBits);
      if (this.memory !== undefined && !this.memory.take(bytes)) {
        // Nothing to inflate with: the message is lost, and so is the history it adds to.
        this.reset();
        return { ok: false, reason: `the memory budget refused the ${bytes}-byte inflate context`, refused: true };
      }
      this.engineDrawn = this.memory === undefined ? 0 : bytes;
      this.engine = createInflateEngine(this.engineName, undefined, this.windowBits);
    }
    const r = this.engine.inflate(withDeflateTail(parts), this.maxOutput, this.grow);
    if (r.kind !== 'ok') {
      const lost = !this.historyComplete && r.kind === 'error' && /too far back/.test(r.message);
      this.reset();
      return this.failed(r, lost);
    }
    // A final block (BFINAL) ends the deflate stream: the next message starts a new one.
    if (r.ended) this.drop();
    return { ok: true, data: r.data };
  }

  /** No context takeover: each message a deflate stream of its own, in a shared context reset after it. */
  private inflateAlone(parts: readonly Uint8Array[]): InflateResult {
    const engine = sharedEngine(this.engineName, this.windowBits);
    const r = engine.inflate(withDeflateTail(parts), this.maxOutput, this.grow);
    if (r.kind === 'error') {
      // After an error the native handle is not reused: a fresh one next time.
      engine.close();
      sharedEngines.delete(`${this.engineName}/${this.windowBits}`);
    } else engine.reset();
    return r.kind === 'ok' ? { ok: true, data: r.data } : this.failed(r, false);
  }

  private failed(r: { kind: 'over' } | { kind: 'error'; message: string } | { kind: 'refused'; bytes: number }, lost: boolean): InflateResult {
    this.releaseOutput();
    if (r.kind === 'over') return { ok: false, reason: `inflated size is over the ${this.maxOutput}-byte cap (a deflate bomb?)` };
    if (r.kind === 'refused') return { ok: false, reason: `the memory budget refused ${r.bytes} more bytes for the inflated message`, refused: true };
    return {
      ok: false,
      reason: lost ? 'compressed with context takeover and refers to earlier messages that were not captured' : `inflate failed: ${r.message}`,
    };
  }

  private inflateTracked(parts: readonly Uint8Array[]): InflateResult {
    const t = (this.tracker ??= new TrackingInflater({ maxOutput: this.maxOutput, history: 'unknown', grow: this.grow }));
    const r = t.inflate(parts);
    if (!r.ok) {
      // The tracker's history is unknown again (it says so itself); the message is undecodable.
      this.releaseOutput();
      if (r.code === 'ERR_INFLATE_MEMORY') return { ok: false, reason: "the memory budget refused room for the inflated message", refused: true };
      return { ok: false, reason: r.code === 'ERR_INFLATE_TOO_LARGE' ? `inflated size is over the ${this.maxOutput}-byte cap (a deflate bomb?)` : `inflate failed: ${r.message}` };
    }
    if (r.ended) {
      // A final block: the next message starts a new deflate stream, with nothing unknown.
      this.tracker = undefined;
      this.historyComplete = true;
    } else {
      const window = t.knownWindow();
      if (window !== undefined) {
        // The whole window is known again: back to native zlib, the history as its dictionary.
        const bytes = inflateContextBytes(15);
        this.drop();
        this.tracker = undefined;
        if (this.memory === undefined || this.memory.take(bytes)) {
          this.engineDrawn = this.memory === undefined ? 0 : bytes;
          this.engine = createInflateEngine(this.engineName, window);
          this.historyComplete = true;
        }
        // Refused: the history is dropped (a fresh tracker next time; what it cannot know, it says).
      }
    }
    return r.unknownBytes > 0 ? { ok: true, data: r.data, unknownBytes: r.unknownBytes, unknown: r.unknown } : { ok: true, data: r.data };
  }

  private drop(): void {
    this.engine?.close();
    this.engine = undefined;
    if (this.engineDrawn > 0) this.memory?.release(this.engineDrawn);
    this.engineDrawn = 0;
  }
}
