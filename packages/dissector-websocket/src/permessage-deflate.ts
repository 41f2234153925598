import { Inflate } from 'pako';
import { copyBytes, type Diagnostic } from '@netrx/core';
import { allocBytes } from './bytes.js';

/** permessage-deflate as a 101 response accepted it (RFC 7692 §7.1). */
export interface DeflateParams {
  /** `server_no_context_takeover`: the server resets its compressor per message (applies to s2c). */
  readonly serverNoContextTakeover: boolean;
  /** `client_no_context_takeover`: the client resets its compressor per message (applies to c2s). */
  readonly clientNoContextTakeover: boolean;
  /** `server_max_window_bits` (8-15), 15 when absent. */
  readonly serverMaxWindowBits: number;
  /** `client_max_window_bits` (8-15), 15 when absent. */
  readonly clientMaxWindowBits: number;
}

/**
 * Reads the permessage-deflate parameters from the `Sec-WebSocket-Extensions` header(s) of a 101
 * response. Returns undefined params when the server did not accept the extension; malformed
 * parameters become diagnostics (RFC 7692 §7.1: such a response fails the connection, but a
 * dissector goes on with what it can read).
 */
export function parsePerMessageDeflate(values: readonly string[]): { params?: DeflateParams; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  let params: DeflateParams | undefined;
  for (const value of values) {
    for (const ext of splitOutsideQuotes(value, ',')) {
      const [name, ...rest] = splitOutsideQuotes(ext, ';').map((s) => s.trim());
      if (name?.toLowerCase() !== 'permessage-deflate') continue;
      if (params) {
        diagnostics.push(warn('WARN_WS_EXTENSION', 'permessage-deflate accepted twice in one response (RFC 7692 §5.1); the first is used'));
        continue;
      }
      let snct = false;
      let cnct = false;
      let smwb = 15;
      let cmwb = 15;
      for (const p of rest) {
        if (p === '') continue;
        const eq = p.indexOf('=');
        const key = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
        const raw = eq < 0 ? undefined : p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
        const bits = raw === undefined ? undefined : /^(8|9|1[0-5])$/.test(raw) ? Number(raw) : NaN;
        if (key === 'server_no_context_takeover') snct = true;
        else if (key === 'client_no_context_takeover') cnct = true;
        else if (key === 'server_max_window_bits' || key === 'client_max_window_bits') {
          if (bits === undefined || Number.isNaN(bits)) {
            // §7.1.2: a response must give a value from 8 to 15.
            diagnostics.push(warn('WARN_WS_EXTENSION', `permessage-deflate ${key} needs a value from 8 to 15, not ${raw ?? 'none'} (RFC 7692 §7.1.2)`));
          } else if (key === 'server_max_window_bits') smwb = bits;
          else cmwb = bits;
        } else {
          diagnostics.push(warn('WARN_WS_EXTENSION', `unknown permessage-deflate parameter "${key}" (RFC 7692 §7.1)`));
        }
      }
      params = { serverNoContextTakeover: snct, clientNoContextTakeover: cnct, serverMaxWindowBits: smwb, clientMaxWindowBits: cmwb };
    }
  }
  return { params, diagnostics };
}

function splitOutsideQuotes(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of s) {
    if (ch === '"') quoted = !quoted;
    if (ch === sep && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function warn(code: string, message: string): Diagnostic {
  return { code, severity: 'warning', message };
}

/** RFC 7692 §7.2.2: the receiver appends these four bytes to a message's payload before inflating. */
const TAIL = Uint8Array.of(0x00, 0x00, 0xff, 0xff);
const Z_SYNC_FLUSH = 2;
/**
 * Output chunk size. pako allocates a fresh output buffer of this size whenever one fills, so a
 * small chunk keeps inflation of chat-sized messages cheap (measured in `bench/inflate-bench.mjs`:
 * 100-byte messages 9.8 µs at 64 KiB, 2.5 µs at 4 KiB); the first chunk of each message is a
 * buffer reused across messages.
 */
const CHUNK = 4096;
const EMPTY: Uint8Array = new Uint8Array(0);

/** The result of inflating one message: its bytes, or why there are none. */
export type InflateResult = { readonly ok: true; readonly data: Uint8Array } | { readonly ok: false; readonly reason: string };

class CapExceeded extends Error {}

/**
 * Inflates the messages of one direction (RFC 7692 §7.2.2), synchronously, with pako's streaming
 * `Inflate` flushed with Z_SYNC_FLUSH: one context for the whole direction, so context takeover
 * works; it also serves no-context-takeover peers, whose messages never refer back.
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
  private inflater: Inflate | undefined;
  private chunks: Uint8Array[] = [];
  private readonly out = new Uint8Array(CHUNK);
  private total = 0;
  /** Whether the context holds the peer's whole history (false after a reset, until proven). */
  private historyComplete: boolean;

  /**
   * @param maxOutput Largest inflated message.
   * @param historyComplete Whether inflation starts at the peer's first message (a handshake was
   *   captured); used only to word the reason when a message refers to lost history.
   */
  constructor(
    private readonly maxOutput: number,
    historyComplete = true,
  ) {
    this.historyComplete = historyComplete;
  }

  /** Forgets the context (a gap lost some of the peer's messages). */
  reset(): void {
    this.inflater = undefined;
    this.historyComplete = false;
  }

  /** Inflates one whole message from its frames' payloads (still compressed, already unmasked). */
  inflate(parts: readonly Uint8Array[]): InflateResult {
    let n = TAIL.length;
    for (const p of parts) n += p.length;
    const input = allocBytes(n);
    let o = 0;
    for (const p of parts) {
      input.set(p, o);
      o += p.length;
    }
    input.set(TAIL, o);

    const inf = (this.inflater ??= this.create());
    this.chunks = [];
    this.total = 0;
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
      this.reset();
      return { ok: false, reason: `inflated size is over the ${this.maxOutput}-byte cap (a deflate bomb?)` };
    }
    if (!ok || inf.err) {
      const msg = inf.msg || `error ${inf.err}`;
      const lost = !this.historyComplete && /too far back/.test(msg);
      this.reset();
      return {
        ok: false,
        reason: lost
          ? 'compressed with context takeover and refers to earlier messages that were not captured'
          : `inflate failed: ${msg}`,
      };
    }
    // A final block (BFINAL, §7.2.3.?) ends the deflate stream: the next message starts a new one.
    if (inf.ended) this.inflater = undefined;
    return { ok: true, data: this.joined() };
  }

  private create(): Inflate {
    const inf = new Inflate({ raw: true, windowBits: 15, chunkSize: CHUNK });
    inf.onData = (chunk: Uint8Array) => {
      this.total += chunk.length;
      if (this.total > this.maxOutput) throw new CapExceeded();
      this.chunks.push(chunk.buffer === this.out.buffer ? copyBytes(chunk) : chunk);
    };
    return inf;
  }

  private joined(): Uint8Array {
    const chunks = this.chunks;
    this.chunks = [];
    if (chunks.length === 0) return EMPTY;
    if (chunks.length === 1) return chunks[0]!;
    const out = new Uint8Array(this.total);
    let o = 0;
    for (const c of chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}
