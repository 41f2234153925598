import { allocBytes } from './bytes.js';
import { createInflateEngine, DEFAULT_INFLATE_ENGINE, type InflateEngine, type InflateEngineName } from './inflate-engines.js';
import { TrackingInflater } from './tracking-inflater.js';

/** RFC 7692 §7.2.2: the receiver appends these four bytes to a message's payload before inflating. */
const TAIL = Uint8Array.of(0x00, 0x00, 0xff, 0xff);

/**
 * The result of inflating one message: its bytes, or why there are none. `unknownBytes` of them
 * (marked 1 in `unknown`) were copied from history that was not captured and read as 0.
 */
export type InflateResult =
  | { readonly ok: true; readonly data: Uint8Array; readonly unknownBytes?: number; readonly unknown?: Uint8Array }
  | { readonly ok: false; readonly reason: string };

/**
 * Inflates the messages of one direction (RFC 7692 §7.2.2), synchronously, with one streaming
 * context for the whole direction flushed with Z_SYNC_FLUSH, so context takeover works; it also
 * serves no-context-takeover peers, whose messages never refer back. The context is Node's native
 * zlib, driven synchronously; pako where that is not available, or when asked (for tests).
 *
 * An inflate error resets the context: the next messages then decode only if they do not refer to
 * what was lost, and inflate itself tells (`invalid distance too far back`), so a message is
 * either right or undecodable, never wrong text. Output over `maxOutput` stops inflation (a
 * deflate bomb is reported, not obeyed).
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
  /**
   * While the history is not all known (no handshake, or after a gap): the pure-JS decoder that
   * tracks which output bytes copy history that was not captured.
   */
  private tracker: TrackingInflater | undefined;
  /** Whether the context holds the peer's whole history (false after a reset, until proven). */
  private historyComplete: boolean;

  /**
   * @param maxOutput Largest inflated message.
   * @param historyComplete Whether inflation starts at the peer's first message (a handshake was
   *   captured); used only to word the reason when a message refers to lost history.
   * @param engineName `zlib` (Node's, the default where available) or `pako`.
   */
  constructor(
    private readonly maxOutput: number,
    historyComplete = true,
    private readonly engineName: InflateEngineName = DEFAULT_INFLATE_ENGINE,
  ) {
    this.historyComplete = historyComplete;
  }

  /** Whether messages go through the tracking decoder (some history is unknown); false: native zlib. */
  get tracking(): boolean {
    return !this.historyComplete;
  }

  /** Forgets the context (a gap lost some of the peer's messages): history is unknown from here. */
  reset(): void {
    this.drop();
    this.historyComplete = false;
    this.tracker?.resetUnknown();
  }

  /** Frees the context (native memory, for zlib) now rather than when collected: no more messages. */
  close(): void {
    this.drop();
  }

  /**
   * Inflates one whole message from its frames' payloads (still compressed, already unmasked).
   * The parts are only read, during the call.
   */
  inflate(parts: readonly Uint8Array[]): InflateResult {
    // History not captured: the tracking decoder says which bytes are unknown. Native zlib stays
    // the fast path from the start of a stream (a handshake seen, or a final block ended one).
    if (!this.historyComplete) return this.inflateTracked(parts);
    const engine = (this.engine ??= createInflateEngine(this.engineName));
    const r = engine.inflate(withTail(parts), this.maxOutput);
    if (r.kind === 'over') {
      this.reset();
      return { ok: false, reason: `inflated size is over the ${this.maxOutput}-byte cap (a deflate bomb?)` };
    }
    if (r.kind === 'error') {
      const lost = !this.historyComplete && /too far back/.test(r.message);
      this.reset();
      return {
        ok: false,
        reason: lost ? 'compressed with context takeover and refers to earlier messages that were not captured' : `inflate failed: ${r.message}`,
      };
    }
    // A final block (BFINAL) ends the deflate stream: the next message starts a new one.
    if (r.ended) this.drop();
    return { ok: true, data: r.data };
  }

  private inflateTracked(parts: readonly Uint8Array[]): InflateResult {
    const t = (this.tracker ??= new TrackingInflater({ maxOutput: this.maxOutput, history: 'unknown' }));
    const r = t.inflate(parts);
    if (!r.ok) {
      // The tracker's history is unknown again (it says so itself); the message is undecodable.
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
        this.drop();
        this.engine = createInflateEngine(this.engineName, window);
        this.tracker = undefined;
        this.historyComplete = true;
      }
    }
    return r.unknownBytes > 0 ? { ok: true, data: r.data, unknownBytes: r.unknownBytes, unknown: r.unknown } : { ok: true, data: r.data };
  }

  private drop(): void {
    this.engine?.close();
    this.engine = undefined;
  }
}

/**
 * The parts joined, with the tail: one input for the engine, read during the call only. Not core's
 * `concatBytes`: that one needs the tail in a new array of parts and allocates a typed array of its
 * own, where this takes the bytes from Node's pool; for a 40-120-byte message, measured 55-60 ns
 * here against 190-250 ns (about a fifth of inflating it).
 */
function withTail(parts: readonly Uint8Array[]): Uint8Array {
  let n = TAIL.length;
  for (const p of parts) n += p.length;
  const input = allocBytes(n);
  let o = 0;
  for (const p of parts) {
    input.set(p, o);
    o += p.length;
  }
  input.set(TAIL, o);
  return input;
}
