/**
 * A raw DEFLATE decoder (RFC 1951) whose history window knows, byte by byte, what it does not know.
 *
 * Why it exists: a permessage-deflate stream with context takeover (RFC 7692 §7.2.3.1) refers back
 * to earlier messages. When those were not captured (the capture began after the handshake, or a
 * gap swallowed some), native zlib fails with "invalid distance too far back" and its context is
 * lost for every later message. This decoder instead starts from a window of unknown bytes: a
 * literal is known, a back-reference copies the known-ness of what it copies, so a message that
 * only uses captured history comes out exact, and one that copies unknown history says how many of
 * its bytes are unknown and which. As the peer keeps talking, the window fills with known bytes
 * and later messages converge to exact.
 *
 * Convergence needs the peer to stop copying what was lost: a chat whose messages repeat the
 * JSON skeleton of the message before (`{"type":"say","seq":`) copies it from copy to copy, and
 * the skeleton stays unknown for good while the content sent as literals is known (the midstream
 * deflate fixtures: 59% to 87% of the bytes unknown). The bytes are simply not in the capture.
 *
 * It is slower than native zlib (`bench/tracking-inflate-bench.mjs`, on a shared, noisy machine:
 * one 4 MiB text stream at 70-80 MB/s against zlib's 150-280; chat-sized messages at 15-20 MB/s
 * against 100-160, about 1.6 µs per 230-byte message at best): use it only while the history is
 * incomplete. {@link TrackingInflater.knownWindow} hands a fully known window back to a native
 * inflater as its dictionary.
 *
 * Bad input is a value ({@link TrackingInflateError}, with a stable code and the byte offset),
 * never an exception; every loop consumes input or output, so none can run forever, and output
 * stops at a cap.
 *
 * This file is the decoder's state machine (blocks, code lengths, symbols, copies), written out
 * in one loop on purpose; its parts live beside it: the Huffman tables in `deflate-huffman.ts`,
 * the history window and its unknown marks in `tracking-window.ts`, the result and its error
 * codes in `tracking-inflate-result.ts`.
 */

import { withDeflateTail } from './deflate-tail.js';
import {
  buildTable,
  CL_ORDER,
  CL_ROOT,
  CL_TABLE_SIZE,
  DIST_BASE,
  DIST_EXTRA,
  DIST_ROOT,
  DIST_TABLE_SIZE,
  FIXED_DIST,
  FIXED_LIT,
  huffTable,
  LEN_BASE,
  LEN_EXTRA,
  LIT_ROOT,
  LIT_TABLE_SIZE,
  type HuffTable,
} from './deflate-huffman.js';
import {
  TrackingInflateCodes,
  type TrackedMessage,
  type TrackingInflateCode,
  type TrackingInflateError,
  type TrackingInflateResult,
} from './tracking-inflate-result.js';
import { TrackingWindow } from './tracking-window.js';

/** Options of {@link TrackingInflater}. */
export interface TrackingInflaterOptions {
  /** Largest inflated message (bytes); more is {@link TrackingInflateCodes.ERR_INFLATE_TOO_LARGE}. */
  readonly maxOutput: number;
  /**
   * Base-2 logarithm of the history window, 8 to 15 (RFC 7692 §7.1.2.1 `max_window_bits`);
   * default 15. A back-reference further than the window is an error.
   */
  readonly windowBits?: number;
  /**
   * What precedes the first message: `empty` (the stream's beginning was captured: a reference
   * before it is an error) or `unknown` (a full window of bytes not captured). Default `empty`.
   */
  readonly history?: 'empty' | 'unknown';
  /**
   * Asked before the output of a message grows past 64 KiB by `bytes` (the memory budget); false
   * stops inflation with {@link TrackingInflateCodes.ERR_INFLATE_MEMORY}. What it granted is the
   * caller's to give back once the message is handed on.
   */
  readonly grow?: (bytes: number) => boolean;
}

// What the symbol loop indexes, as this module's own constants: the optimizing compiler folds
// those into the loop, an imported binding it reads through the exporting module's cell.
const lenBase = LEN_BASE;
const lenExtra = LEN_EXTRA;
const distBase = DIST_BASE;
const distExtra = DIST_EXTRA;
const litRoot = LIT_ROOT;
const distRoot = DIST_ROOT;

/** Output room kept from one message to the next; a larger message's buffer becomes its own. */
const KEPT_OUTPUT = 64 * 1024;

const EMPTY_MESSAGE: TrackedMessage = Object.freeze({ ok: true, data: new Uint8Array(0), unknownBytes: 0, unknown: undefined, ended: false });

/** Thrown inside {@link TrackingInflater} only, caught at its boundary and turned into a value. */
class Stop {
  constructor(
    readonly code: TrackingInflateCode,
    readonly offset: number,
  ) {}
}

/**
 * A raw DEFLATE decoder for the messages of one direction of a permessage-deflate stream (RFC 7692
 * §7.2.2), whose history window tracks which of its bytes are unknown. Feed it one message at a
 * time, in order.
 *
 * @example
 * ```ts
 * import { deflateRawSync, constants } from 'node:zlib';
 * const z = (s: string) => deflateRawSync(s, { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, -4);
 * const inf = new TrackingInflater({ maxOutput: 1 << 20, history: 'unknown' });
 * const r = inf.inflate(z('hello, hello, hello'));
 * // r.ok && r.unknownBytes === 0: a message that refers to nothing before it is exact
 * ```
 */
export class TrackingInflater {
  private readonly maxOutput: number;
  private readonly askGrow: ((bytes: number) => boolean) | undefined;
  /** The history, and which of its bytes are unknown. */
  private readonly window: TrackingWindow;

  // Output of the message being inflated (grown as needed, up to the cap), and its unknown marks.
  private out: Uint8Array = new Uint8Array(4096);
  private outUnknown: Uint8Array = new Uint8Array(0);

  private readonly lit: HuffTable = huffTable(LIT_TABLE_SIZE);
  private readonly dist: HuffTable = huffTable(DIST_TABLE_SIZE);
  private readonly cl: HuffTable = huffTable(CL_TABLE_SIZE);
  private readonly lens = new Uint8Array(286 + 30);

  constructor(options: TrackingInflaterOptions) {
    const bits = options.windowBits ?? 15;
    if (!Number.isInteger(bits) || bits < 8 || bits > 15) throw new RangeError(`TrackingInflater: windowBits must be 8 to 15, not ${bits}`);
    if (!(options.maxOutput >= 0)) throw new RangeError(`TrackingInflater: maxOutput must be a number >= 0, not ${options.maxOutput}`);
    this.maxOutput = options.maxOutput;
    this.askGrow = options.grow;
    this.window = new TrackingWindow(1 << bits);
    if (options.history === 'unknown') this.resetUnknown();
  }

  /** Whether the window holds bytes that were not captured (messages may come out partial). */
  get historyUnknown(): boolean {
    return this.window.tracking;
  }

  /**
   * The history not captured: a gap, or a message that could not be inflated. From here on, a
   * back-reference into the window yields unknown bytes, up to the window's size.
   */
  resetUnknown(): void {
    this.window.resetUnknown();
  }

  /** A new deflate stream (no context takeover, or after a final block): the history is empty and known. */
  resetEmpty(): void {
    this.window.resetEmpty();
  }

  /**
   * A copy of the history when every byte of it is known (oldest first, at most the window's size),
   * for a native inflater's dictionary; undefined while some are unknown.
   */
  knownWindow(): Uint8Array | undefined {
    return this.window.known();
  }

  /**
   * Inflates one message: its compressed bytes (one array, or its frames' payloads in order) with
   * the `00 00 ff ff` tail of RFC 7692 §7.2.2 appended here. The message must end on a block
   * boundary, as a sync flush leaves it; no bytes at all is an empty message. On an error the window becomes unknown (the peer's
   * history went on without us), so later messages still decode where they can.
   */
  inflate(message: Uint8Array | readonly Uint8Array[]): TrackingInflateResult {
    // An empty message may be sent as no bytes at all: zlib emits nothing for a sync flush with
    // nothing new to flush. Appending the tail would start a stored block that swallows what follows.
    if (message instanceof Uint8Array ? message.length === 0 : message.every((p) => p.length === 0)) return EMPTY_MESSAGE;
    return this.inflateRaw(withDeflateTail(message));
  }

  /**
   * Inflates bytes that are already a whole number of deflate blocks (the tail, if any, included).
   * See {@link TrackingInflater.inflate}.
   */
  inflateRaw(input: Uint8Array): TrackingInflateResult {
    try {
      return this.run(input);
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
      this.resetUnknown();
      this.shrinkOutput();
      return { ok: false, code: e.code, message: TrackingInflateCodes[e.code], offset: e.offset };
    }
  }

  private run(input: Uint8Array): TrackedMessage {
    const inLen = input.length;
    let pos = 0;
    let hold = 0;
    let bits = 0;
    let o = 0;
    let out = this.out;
    const hist = this.window;
    const track = hist.tracking;
    let outUnk = this.outUnknown;
    if (track && outUnk.length < out.length) outUnk = this.outUnknown = new Uint8Array(out.length);
    let unknownBytes = 0;
    let lastUnknown = -1;
    let ended = false;
    const win = hist.bytes;
    const size = hist.size;
    const winUnk = hist.unknown;
    const have = hist.have;
    const head = hist.head;

    while (!ended) {
      // Block header (RFC 1951 §3.2.3). The message is over when its bytes are used up exactly
      // at a block boundary (a sync flush ends byte-aligned).
      if (pos >= inLen && bits < 3) {
        if (bits > 0 && (hold & ((1 << bits) - 1)) !== 0) throw new Stop('ERR_INFLATE_TRUNCATED', pos);
        break;
      }
      while (bits < 3) {
        hold |= input[pos++]! << bits;
        bits += 8;
      }
      const final = hold & 1;
      const type = (hold >>> 1) & 3;
      hold >>>= 3;
      bits -= 3;
      if (final) ended = true;
      if (type === 0) {
        // Stored (§3.2.4): skip to a byte boundary, LEN, NLEN, LEN bytes.
        hold >>>= bits & 7;
        bits -= bits & 7;
        // Give back whole bytes still in the bit buffer.
        pos -= bits >>> 3;
        hold = 0;
        bits = 0;
        if (pos + 4 > inLen) throw new Stop('ERR_INFLATE_TRUNCATED', inLen);
        const len = input[pos]! | (input[pos + 1]! << 8);
        const nlen = input[pos + 2]! | (input[pos + 3]! << 8);
        if (len !== (~nlen & 0xffff)) throw new Stop('ERR_INFLATE_STORED_LENGTH', pos);
        pos += 4;
        if (pos + len > inLen) throw new Stop('ERR_INFLATE_TRUNCATED', inLen);
        if (o + len > out.length) {
          out = this.grow(o, len, pos);
          outUnk = this.outUnknown;
        }
        out.set(input.subarray(pos, pos + len), o);
        if (track) outUnk.fill(0, o, o + len);
        o += len;
        pos += len;
        continue;
      }
      if (type === 3) throw new Stop('ERR_INFLATE_BLOCK_TYPE', pos);
      let lit: HuffTable;
      let dist: HuffTable;
      if (type === 1) {
        lit = FIXED_LIT;
        dist = FIXED_DIST;
      } else {
        // Dynamic (§3.2.7): HLIT, HDIST, HCLEN, the code length code, then the two codes' lengths.
        while (bits < 14) {
          if (pos >= inLen) throw new Stop('ERR_INFLATE_TRUNCATED', pos);
          hold |= input[pos++]! << bits;
          bits += 8;
        }
        const nlen = (hold & 31) + 257;
        const ndist = ((hold >>> 5) & 31) + 1;
        const ncode = ((hold >>> 10) & 15) + 4;
        hold >>>= 14;
        bits -= 14;
        if (nlen > 286 || ndist > 30) throw new Stop('ERR_INFLATE_TOO_MANY_SYMBOLS', pos);
        const lens = this.lens;
        lens.fill(0, 0, 19);
        for (let i = 0; i < ncode; i++) {
          if (bits < 3) {
            if (pos >= inLen) throw new Stop('ERR_INFLATE_TRUNCATED', pos);
            hold |= input[pos++]! << bits;
            bits += 8;
          }
          lens[CL_ORDER[i]!] = hold & 7;
          hold >>>= 3;
          bits -= 3;
        }
        const cl = this.cl;
        if (!buildTable(lens, 0, 19, CL_ROOT, cl, 'code-lengths')) throw new Stop('ERR_INFLATE_CODE_LENGTHS', pos);
        const clt = cl.t;
        let got = 0;
        const total = nlen + ndist;
        while (got < total) {
          while (bits < 7 && pos < inLen) {
            hold |= input[pos++]! << bits;
            bits += 8;
          }
          const e = clt[hold & 127]!;
          const n = e & 15;
          if (n === 0 || n > bits) throw new Stop(n === 0 ? 'ERR_INFLATE_CODE_LENGTHS' : 'ERR_INFLATE_TRUNCATED', pos);
          hold >>>= n;
          bits -= n;
          const sym = e >>> 4;
          if (sym < 16) {
            lens[got++] = sym;
            continue;
          }
          const extra = sym === 16 ? 2 : sym === 17 ? 3 : 7;
          while (bits < extra) {
            if (pos >= inLen) throw new Stop('ERR_INFLATE_TRUNCATED', pos);
            hold |= input[pos++]! << bits;
            bits += 8;
          }
          let rep: number;
          let val = 0;
          if (sym === 16) {
            if (got === 0) throw new Stop('ERR_INFLATE_REPEAT', pos);
            val = lens[got - 1]!;
            rep = 3 + (hold & 3);
          } else if (sym === 17) rep = 3 + (hold & 7);
          else rep = 11 + (hold & 127);
          hold >>>= extra;
          bits -= extra;
          if (got + rep > total) throw new Stop('ERR_INFLATE_REPEAT', pos);
          lens.fill(val, got, got + rep);
          got += rep;
        }
        if (lens[256] === 0) throw new Stop('ERR_INFLATE_NO_END_OF_BLOCK', pos);
        lit = this.lit;
        dist = this.dist;
        if (!buildTable(lens, 0, nlen, LIT_ROOT, lit, 'literal-lengths')) throw new Stop('ERR_INFLATE_LITLEN_SET', pos);
        if (!buildTable(lens, nlen, ndist, DIST_ROOT, dist, 'distances')) throw new Stop('ERR_INFLATE_DIST_SET', pos);
      }

      // Compressed data (§3.2.5).
      const lt = lit.t;
      const lsubMask = (1 << lit.sub) - 1;
      const dt = dist.t;
      const dsubMask = (1 << dist.sub) - 1;
      for (;;) {
        if (bits < 15) {
          if (pos + 1 < inLen) {
            hold |= (input[pos]! | (input[pos + 1]! << 8)) << bits;
            pos += 2;
            bits += 16;
          } else if (pos < inLen) {
            hold |= input[pos++]! << bits;
            bits += 8;
          }
        }
        let e = lt[hold & 1023]!;
        if (e < 0) e = lt[-e + ((hold >>> litRoot) & lsubMask)]!;
        let n = e & 15;
        if (n === 0 || n > bits) throw new Stop(n === 0 ? 'ERR_INFLATE_LITLEN_CODE' : 'ERR_INFLATE_TRUNCATED', pos);
        hold >>>= n;
        bits -= n;
        let sym = e >>> 4;
        if (sym < 256) {
          if (o >= out.length) {
            out = this.grow(o, 1, pos);
            outUnk = this.outUnknown;
          }
          if (track) outUnk[o] = 0;
          out[o++] = sym;
          continue;
        }
        if (sym === 256) break;
        sym -= 257;
        if (sym >= 29) throw new Stop('ERR_INFLATE_LITLEN_CODE', pos);
        let len = lenBase[sym]!;
        let x = lenExtra[sym]!;
        if (x > 0) {
          while (bits < x) {
            if (pos >= inLen) throw new Stop('ERR_INFLATE_TRUNCATED', pos);
            hold |= input[pos++]! << bits;
            bits += 8;
          }
          len += hold & ((1 << x) - 1);
          hold >>>= x;
          bits -= x;
        }
        if (bits < 15) {
          if (pos + 1 < inLen) {
            hold |= (input[pos]! | (input[pos + 1]! << 8)) << bits;
            pos += 2;
            bits += 16;
          } else if (pos < inLen) {
            hold |= input[pos++]! << bits;
            bits += 8;
          }
        }
        e = dt[hold & 255]!;
        if (e < 0) e = dt[-e + ((hold >>> distRoot) & dsubMask)]!;
        n = e & 15;
        if (n === 0 || n > bits) throw new Stop(n === 0 ? 'ERR_INFLATE_DIST_CODE' : 'ERR_INFLATE_TRUNCATED', pos);
        hold >>>= n;
        bits -= n;
        sym = e >>> 4;
        if (sym >= 30) throw new Stop('ERR_INFLATE_DIST_CODE', pos);
        let d = distBase[sym]!;
        x = distExtra[sym]!;
        if (x > 0) {
          while (bits < x) {
            if (pos >= inLen) throw new Stop('ERR_INFLATE_TRUNCATED', pos);
            hold |= input[pos++]! << bits;
            bits += 8;
          }
          d += hold & ((1 << x) - 1);
          hold >>>= x;
          bits -= x;
        }
        if (o + len > out.length) {
          out = this.grow(o, len, pos);
          outUnk = this.outUnknown;
        }
        if (d <= o) {
          // Within this message; an overlapping copy repeats what it has just written (§3.2.3).
          let s = o - d;
          const end = o + len;
          if (track) {
            while (o < end) {
              const u = outUnk[s]!;
              outUnk[o] = u;
              if (u) {
                unknownBytes++;
                lastUnknown = o;
              }
              out[o++] = out[s++]!;
            }
          } else if (d >= len && len >= 32) {
            out.copyWithin(o, s, s + len);
            o = end;
          } else {
            while (o < end) out[o++] = out[s++]!;
          }
          continue;
        }
        // Reaches into the history before this message.
        const back = d - o;
        if (back > have) throw new Stop('ERR_INFLATE_DISTANCE_TOO_FAR', pos);
        let w = head - back;
        if (w < 0) w += size;
        let fromWin = Math.min(len, back);
        len -= fromWin;
        if (track) {
          while (fromWin-- > 0) {
            const u = winUnk![w]!;
            outUnk[o] = u;
            if (u) {
              unknownBytes++;
              lastUnknown = o;
            }
            out[o++] = win[w++]!;
            if (w === size) w = 0;
          }
        } else {
          while (fromWin-- > 0) {
            out[o++] = win[w++]!;
            if (w === size) w = 0;
          }
        }
        // The rest of the match continues from the start of this message.
        for (let s = 0; len > 0; len--, s++) {
          if (track) {
            const u = outUnk[s]!;
            outUnk[o] = u;
            if (u) {
              unknownBytes++;
              lastUnknown = o;
            }
          }
          out[o++] = out[s]!;
        }
      }
    }

    let data: Uint8Array;
    let unknown: Uint8Array | undefined;
    if (out.length > KEPT_OUTPUT) {
      // A large message: its buffer becomes the message's (never copied), a small one is kept.
      data = out.subarray(0, o);
      unknown = unknownBytes > 0 ? outUnk.subarray(0, o) : undefined;
      this.shrinkOutput();
    } else {
      data = out.slice(0, o);
      unknown = unknownBytes > 0 ? outUnk.slice(0, o) : undefined;
    }
    if (ended) hist.resetEmpty();
    else hist.remember(data, unknown, lastUnknown);
    return { ok: true, data, unknownBytes, unknown, ended };
  }

  /** Forgets a large output buffer (it went with its message, or inflation stopped): a small one for the next. */
  private shrinkOutput(): void {
    if (this.out.length > KEPT_OUTPUT) this.out = new Uint8Array(4096);
    if (this.outUnknown.length > KEPT_OUTPUT) this.outUnknown = new Uint8Array(0);
  }

  /** A bigger output buffer (and marks, while tracking) holding the `o` bytes so far, with room for `n` more. */
  private grow(o: number, n: number, pos: number): Uint8Array {
    const need = o + n;
    if (need > this.maxOutput) throw new Stop('ERR_INFLATE_TOO_LARGE', pos);
    let cap = Math.max(this.out.length, 1);
    while (cap < need) cap *= 2;
    cap = Math.min(cap, this.maxOutput);
    // Past what is kept between messages, each growth is asked for (the marks too, while tracking).
    const more = (Math.max(cap, KEPT_OUTPUT) - Math.max(this.out.length, KEPT_OUTPUT)) * (this.window.tracking ? 2 : 1);
    if (more > 0 && this.askGrow !== undefined && !this.askGrow(more)) throw new Stop('ERR_INFLATE_MEMORY', pos);
    const bigger = new Uint8Array(cap);
    bigger.set(this.out.subarray(0, o));
    this.out = bigger;
    if (this.window.tracking) {
      const u = new Uint8Array(cap);
      u.set(this.outUnknown.subarray(0, o));
      this.outUnknown = u;
    }
    return bigger;
  }
}
