/**
 * Where do WebSocket frames start in bytes that begin at an unknown point of one direction of a
 * stream, and how sure are we? The first rule is never to show a wrong message, so a frame is
 * believed only when a chain of strictly valid headers proves it, with a stated false-positive
 * rate on random bytes.
 *
 * ## The rules (RFC 6455, for one direction)
 *
 * A header is valid only if a conforming peer could send it there: client frames masked, server
 * frames not (§5.1); a known opcode (§5.2); RSV2/RSV3 never, RSV1 only when permessage-deflate is
 * negotiated or may be, and only on a data message's first frame (RFC 7692 §6.1); control frames
 * final and at most 125 bytes (§5.5), a close payload empty or with a valid code (§5.5.1, §7.4) and
 * a UTF-8 reason; a continuation only inside a fragmented message, and no new data message inside
 * one (§5.4); nothing after a close (§5.5.1); lengths in their shortest form with the most
 * significant bit of a 64-bit length 0 (§5.2); an uncompressed text message's bytes UTF-8 (§8.1).
 * Two more, for plausibility: no empty non-final fragment, no frame over `maxPayload`.
 *
 * ## The evidence
 *
 * Each valid header found where the previous frame ends adds evidence, measured in bits against
 * the hypothesis "these are random bytes": a header worth `e` bits is one that random bytes
 * produce with probability `2^-e` in that position. Exactly: `e = -log2 P(random bytes pass the
 * header rules | the chain's state)`, plus, for the parts of the frame that are checked too,
 * `-log2 P(random close code is valid)` and, for a payload prefix that is valid UTF-8 and printable
 * (no control characters but tab, LF, CR), about `-log2 P(random bytes are)` (at most
 * {@link UTF8_MAX_BITS} per frame; a valid but unprintable text adds nothing, since inside masked
 * text a false frame unmasks to text XOR text; masked, the text must also be a third lowercase
 * letters, spaces or non-ASCII, which text XOR text seldom is). Under random bytes the running product
 * `2^(sum of e)` is then a supermartingale with mean at most 1 (each frame's bytes are fresh), so
 * by Ville's inequality a chain reaches `t` bits with probability at most `2^-t`.
 *
 * A candidate is believed when its chain has at least two frames and `t = S + log2(N)` bits, where
 * `N` is the number of start positions searched so far and `S` the security level: by the union
 * bound the chance that any false candidate is believed in a search of `N` positions is at most
 * `2^-S * (1 + ln N)`. So the evidence demanded grows with the bytes searched.
 * {@link SECURITY_BITS_HEURISTIC} (32: finding WebSocket in traffic of unknown kind) gives at most
 * one false belief in about 2e8 searched directions of 100 MiB each;
 * {@link SECURITY_BITS_RESYNC} (20: a connection known to be WebSocket, after a gap or a
 * midstream start) one in about 5e4.
 *
 * Real data is not random, so evidence is withheld (never added) where structured non-WebSocket
 * data passes the rules easily: a non-final continuation frame adds nothing (a 2-byte big-endian
 * length prefix below 126, as in DNS over TCP or OpenVPN, reads as one); a frame whose first 16
 * bytes (8 at least, within the frame) repeat the 8 bytes before it with a period of 1 to 8 adds
 * nothing (masked zeros are the masking key repeated); a frame identical to an earlier one in the chain (header and first 64
 * payload bytes) adds nothing; a frame whose payload (its first 64 bytes, unmasked, 8 at least) is
 * mostly control bytes adds nothing (inside masked text a false frame's key is cut from the same
 * masked text, always in phase with the true key, so its payload unmasks to text XOR text, mostly
 * below 0x20); and in a masked chain whose keys all have the same top bits at the same stream
 * offsets modulo 4, as false frames cut from one masked ASCII text do, payloads add nothing until
 * a key disagrees (real keys are random: a second frame's key disagrees with odds 15/16).
 * Withholding evidence keeps the bound.
 *
 * Measured (`bench/frame-evidence-bench.mjs`, 100 MiB per case and rule set, both masking
 * rules, RSV1 allowed, continuation allowed first): nothing believed; the strongest false chain
 * had 28 bits in random bytes, 11 in masked zeros, 1 in text, 30 in masked text, against the
 * 46.6 bits demanded at S = 20 after 100 MiB (58.6 at S = 32). Per position, random bytes gave
 * chains of 16 bits or more 2.3e-6 of the time (the bound: 1.5e-5), of 24 or more 2.4e-9 (6e-8).
 *
 * ## Where the chain starts
 *
 * A believed chain proves that frames run from its second frame on; its first frame's start is
 * another matter. In the tail of a frame cut by the capture (or inside any frame), some position
 * holds, by chance, a valid header whose frame ends exactly where a real frame begins: for 7-bit
 * lengths that happens before about 2% of real frames, and the false frame then rides on the
 * real chain's evidence. A frame is a false start only if every chain frame before it is too, and
 * the chance that random bytes give a valid header ending exactly at a given point, summed over
 * the positions that could (2^k of them for a k-bit length), is `2^-e` for a header worth `e`
 * bits. So the first frame whose own and predecessors' evidence reaches `startBits` (20) is
 * where the believed frames begin; the frames before it are reported as doubtful. A text frame
 * usually proves its own start; binary and compressed frames need three or four.
 *
 * ## Long frames (frame-chain-search.ts)
 *
 * A header with a large length is followed by skipping, not buffering: the candidate waits for
 * the header at its end (the search keeps only a few hundred bytes), and the search says how many
 * more bytes it needs before anything can change.
 */

import { isValidCloseCode } from './websocket-validation.js';

/** What one direction's frames must look like. */
export interface DirectionRules {
  /** Frames must be masked (the client's direction) or must not be (the server's), RFC 6455 §5.1. */
  readonly masked: boolean;
  /** RSV1 may be set on a data message's first frame: permessage-deflate is negotiated or may be. */
  readonly rsv1: boolean;
  /**
   * The bytes may begin inside a fragmented message, so a continuation may come first (a capture
   * or a gap cut the stream). False when they are the stream's first bytes (the SYN was seen).
   */
  readonly continuationFirst: boolean;
  /** Largest payload a believed frame may claim (default 2^32). */
  readonly maxPayload?: number;
}

/** Security level of the heuristic (is this connection WebSocket at all?): see the module comment. */
export const SECURITY_BITS_HEURISTIC = 32;
/** Security level of resynchronisation in a connection known to be WebSocket: see the module comment. */
export const SECURITY_BITS_RESYNC = 20;
/** Most evidence one frame's payload (UTF-8 text, close reason) may add. */
export const UTF8_MAX_BITS = 24;
/** Payload bytes checked per frame (UTF-8, close code, control bytes). */
export const PAYLOAD_CHECK = 64;
/** Payloads from this length on are checked for being mostly control bytes. */
const CONTROL_CHECK_MIN = 8;
/** The most bytes evaluating one frame needs from its first header byte. */
export const FRAME_LOOKAHEAD = 14 + PAYLOAD_CHECK;

// Chain states.
/** Chain state: between messages. */
export const BETWEEN = 0;
const IN_FRAGMENT = 1; // inside a fragmented data message
/** Chain state: unknown, between messages or inside a fragmented one (the bytes may begin inside one). */
export const START = 2;
const CLOSED = 3; // after a close frame

// What a first header byte may be, per state: 0 invalid, or one of these.
const DATA = 1;
const CONT = 2;
const CONTROL = 3;

const OP_TEXT = 1;
const OP_CLOSE = 8;

/** The result of evaluating one frame (reused: one per search). */
export interface FrameEval {
  /** 0 bad, 1 ok, 2 needs more bytes. */
  status: number;
  need: number;
  headerLength: number;
  payloadLength: number;
  fin: boolean;
  kind: number;
  opcode: number;
  bits: number;
  /** The part of `bits` that the payload gave (close code, text). */
  payloadBits: number;
  /** Bits of the length field's exact value (for the end-of-stream bonus). */
  lengthBits: number;
}

// UTF-8 as a DFA (Unicode 15 Table 3-7: no overlongs, no surrogates, nothing over U+10FFFF).
// States: 0 accept, 1-3 that many continuation bytes due, 4 E0, 5 ED, 6 F0, 7 F4; -1 reject.
const UTF8 = new Int8Array(8 * 256).fill(-1);
{
  const set = (s: number, lo: number, hi: number, to: number): void => {
    for (let b = lo; b <= hi; b++) UTF8[s * 256 + b] = to;
  };
  set(0, 0x00, 0x7f, 0);
  set(0, 0xc2, 0xdf, 1);
  set(0, 0xe0, 0xe0, 4);
  set(0, 0xe1, 0xec, 2);
  set(0, 0xed, 0xed, 5);
  set(0, 0xee, 0xef, 2);
  set(0, 0xf0, 0xf0, 6);
  set(0, 0xf1, 0xf3, 3);
  set(0, 0xf4, 0xf4, 7);
  set(1, 0x80, 0xbf, 0);
  set(2, 0x80, 0xbf, 1);
  set(3, 0x80, 0xbf, 2);
  set(4, 0xa0, 0xbf, 1);
  set(5, 0x80, 0x9f, 1);
  set(6, 0x90, 0xbf, 2);
  set(7, 0x80, 0x8f, 2);
}
/** Whether an ASCII byte is printable text: not a C0 control (but tab, LF, CR) nor DEL. */
const PRINTABLE = new Uint8Array(128);
for (let b = 0x20; b < 0x7f; b++) PRINTABLE[b] = 1;
PRINTABLE[0x09] = PRINTABLE[0x0a] = PRINTABLE[0x0d] = 1;

/**
 * Evidence of a payload (prefix) of n bytes that is valid UTF-8 and printable, for n =
 * 0..PAYLOAD_CHECK, whole (ends on a character) or a prefix: `log2((1 - Q) / P)`, where P is the
 * probability that n random bytes are valid and printable and Q that they are valid but not
 * printable (such payloads add nothing, and invalid ones are not frames: so the expectation of
 * `2^bits` under random bytes stays 1). Printable, because inside masked text a false frame's
 * payload unmasks to text XOR text: valid UTF-8, but full of control characters.
 */
const TEXT_COMPLETE_BITS = new Float64Array(PAYLOAD_CHECK + 1);
const TEXT_PREFIX_BITS = new Float64Array(PAYLOAD_CHECK + 1);
{
  // p[printable][state]: probability of being in the DFA state with the printable flag.
  let p = [new Float64Array(8), new Float64Array(8)];
  p[1]![0] = 1;
  for (let n = 0; n <= PAYLOAD_CHECK; n++) {
    let alivePrintable = 0;
    let aliveOther = 0;
    for (let s = 0; s < 8; s++) {
      alivePrintable += p[1]![s]!;
      aliveOther += p[0]![s]!;
    }
    TEXT_COMPLETE_BITS[n] = Math.log2((1 - p[0]![0]!) / p[1]![0]!);
    TEXT_PREFIX_BITS[n] = Math.log2((1 - aliveOther) / alivePrintable);
    const q = [new Float64Array(8), new Float64Array(8)];
    for (let f = 0; f < 2; f++) {
      for (let s = 0; s < 8; s++) {
        const ps = p[f]![s]!;
        if (ps === 0) continue;
        for (let b = 0; b < 256; b++) {
          const t = UTF8[s * 256 + b]!;
          if (t < 0) continue;
          const g = f === 1 && (b >= 0x80 || PRINTABLE[b] === 1) ? 1 : 0;
          q[g]![t]! += ps / 256;
        }
      }
    }
    p = q;
  }
}

let validCloseCodes = 0;
for (let c = 0; c < 65536; c++) if (isValidCloseCode(c)) validCloseCodes++;
/** `-log2 P(a random 16-bit close code is valid)`. */
const CLOSE_CODE_BITS = -Math.log2(validCloseCodes / 65536);

/** Per-rules tables: which first bytes are valid in each state, and what a valid header is worth. */
export interface Tables {
  /** `4 * 256` entries: state * 256 + first byte → DATA, CONT, CONTROL or 0. */
  readonly b0: Uint8Array;
  /** Evidence of a valid header in each state. */
  readonly headerBits: Float64Array;
  readonly maxPayload: number;
  readonly maskBit: number;
  readonly rsv1: boolean;
}

function b0Kind(b0: number, state: number, rsv1: boolean): number {
  const fin = (b0 & 0x80) !== 0;
  const rsv = (b0 >> 4) & 7;
  const op = b0 & 15;
  if (state === CLOSED) return 0;
  if (op >= 8 && op <= 10) return fin && rsv === 0 ? CONTROL : 0;
  if (op === 1 || op === 2) {
    if (state === IN_FRAGMENT) return 0;
    if (rsv === 0 || (rsv === 4 && rsv1)) return DATA;
    return 0;
  }
  if (op === 0) return state !== BETWEEN && rsv === 0 ? CONT : 0;
  return 0;
}

/**
 * `P(two random bytes and the length extension pass the structural rules | state)`: summed over
 * every first byte and every length byte with the right mask bit (the 16- and 64-bit lengths by
 * the share of their values that are allowed). Close codes and UTF-8 are counted apart.
 */
function structuralProbability(state: number, rsv1: boolean, maxPayload: number): number {
  let p = 0;
  const p16 = Math.max(0, Math.min(0xffff, maxPayload) - 126 + 1) / 65536;
  const p64 = Math.max(0, maxPayload - 0x10000 + 1) / 2 ** 64;
  for (let b0 = 0; b0 < 256; b0++) {
    const kind = b0Kind(b0, state, rsv1);
    if (kind === 0) continue;
    const fin = (b0 & 0x80) !== 0;
    const op = b0 & 15;
    let lens = 0;
    for (let len7 = 0; len7 < 128; len7++) {
      if (kind === CONTROL) {
        if (len7 > 125 || (op === OP_CLOSE && len7 === 1)) continue;
        lens += 1;
      } else if (len7 <= 125) {
        if (!fin && len7 === 0) continue;
        lens += 1;
      } else lens += len7 === 126 ? p16 : p64;
    }
    // One of the 256 second bytes for each length: the mask bit is fixed by the direction.
    p += lens / 256;
  }
  return p / 256;
}

const tablesCache = new Map<string, Tables>();
/** The tables of a rule set (made once per distinct rules). */
export function tablesFor(rules: DirectionRules): Tables {
  const maxPayload = rules.maxPayload ?? 2 ** 32;
  const key = `${rules.masked}/${rules.rsv1}/${maxPayload}`;
  let t = tablesCache.get(key);
  if (t === undefined) {
    const b0 = new Uint8Array(4 * 256);
    const headerBits = new Float64Array(4);
    for (let s = 0; s < 4; s++) {
      for (let b = 0; b < 256; b++) b0[s * 256 + b] = b0Kind(b, s, rules.rsv1);
      headerBits[s] = s === CLOSED ? 0 : -Math.log2(structuralProbability(s, rules.rsv1, maxPayload));
    }
    t = { b0, headerBits, maxPayload, maskBit: rules.masked ? 0x80 : 0, rsv1: rules.rsv1 };
    tablesCache.set(key, t);
  }
  return t;
}

/**
 * Evaluates the frame at `a[o]` (with `avail` bytes there) in chain state `state`, into `r`.
 * Needs at most {@link FRAME_LOOKAHEAD} bytes; never reads past `o + avail`.
 */
export function evalFrame(a: Uint8Array, o: number, avail: number, state: number, t: Tables, r: FrameEval): void {
  r.bits = 0;
  if (avail < 2) {
    r.status = 2;
    r.need = 2 - avail;
    return;
  }
  const b0 = a[o]!;
  const kind = t.b0[state * 256 + b0]!;
  const b1 = a[o + 1]!;
  if (kind === 0 || (b1 & 0x80) !== t.maskBit) {
    r.status = 0;
    return;
  }
  const fin = (b0 & 0x80) !== 0;
  const op = b0 & 15;
  const len7 = b1 & 0x7f;
  const ext = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
  const h = 2 + ext + (t.maskBit ? 4 : 0);
  if (kind === CONTROL && ext !== 0) {
    r.status = 0;
    return;
  }
  if (avail < h) {
    r.status = 2;
    r.need = h - avail;
    return;
  }
  let len: number;
  let lengthBits: number;
  if (ext === 0) {
    len = len7;
    lengthBits = 7;
  } else if (ext === 2) {
    len = (a[o + 2]! << 8) | a[o + 3]!;
    if (len < 126) {
      r.status = 0;
      return;
    }
    lengthBits = 16;
  } else {
    const hi = ((a[o + 2]! << 24) | (a[o + 3]! << 16) | (a[o + 4]! << 8) | a[o + 5]!) >>> 0;
    const lo = ((a[o + 6]! << 24) | (a[o + 7]! << 16) | (a[o + 8]! << 8) | a[o + 9]!) >>> 0;
    // §5.2: the most significant bit is 0, and the 64-bit form only above 65535.
    if (hi >= 0x200000 || (hi === 0 && lo < 0x10000)) {
      r.status = 0;
      return;
    }
    len = hi * 0x1_0000_0000 + lo;
    lengthBits = 32;
  }
  if (len > t.maxPayload || (!fin && len === 0) || (op === OP_CLOSE && len === 1)) {
    r.status = 0;
    return;
  }
  const headerBits = kind === CONT && !fin ? 0 : t.headerBits[state]!;
  let bits = headerBits;
  // Payload checks, on the first bytes only: close code and reason, uncompressed text, and
  // (for other payloads long enough) whether they are mostly control bytes.
  const rsv1 = (b0 & 0x40) !== 0;
  const text = kind === DATA && op === OP_TEXT && !rsv1;
  const closeOrText = (op === OP_CLOSE && len >= 2) || (text && len > 0);
  if (closeOrText || len >= CONTROL_CHECK_MIN) {
    const n = Math.min(len, PAYLOAD_CHECK);
    if (avail < h + n) {
      r.status = 2;
      r.need = h + n - avail;
      return;
    }
    const p = o + h;
    if (closeOrText) {
      const k0 = t.maskBit ? a[o + h - 4]! : 0;
      const k1 = t.maskBit ? a[o + h - 3]! : 0;
      const k2 = t.maskBit ? a[o + h - 2]! : 0;
      const k3 = t.maskBit ? a[o + h - 1]! : 0;
      let from = 0;
      if (op === OP_CLOSE) {
        const code = ((a[p]! ^ k0) << 8) | (a[p + 1]! ^ k1);
        if (!isValidCloseCode(code)) {
          r.status = 0;
          return;
        }
        bits += CLOSE_CODE_BITS;
        from = 2;
      }
      // UTF-8 over payload[from, n), unmasked on the fly; and whether it is printable.
      let s = 0;
      let printable = true;
      let natural = 0;
      for (let i = from; i < n; i++) {
        const k = (i & 3) === 0 ? k0 : (i & 3) === 1 ? k1 : (i & 3) === 2 ? k2 : k3;
        const b = a[p + i]! ^ k;
        s = UTF8[s * 256 + b]!;
        if (s < 0) {
          r.status = 0;
          return;
        }
        if (b < 0x80 && PRINTABLE[b] === 0) printable = false;
        if ((b >= 0x61 && b <= 0x7a) || b === 0x20 || b >= 0x80) natural++;
      }
      const m = n - from;
      // A final text frame or close frame seen whole must end on a character boundary.
      const whole = n === len && (op === OP_CLOSE || fin);
      if (whole && s !== 0) {
        r.status = 0;
        return;
      }
      // Masked, the text must also read like text (a third lowercase letters, spaces or non-ASCII):
      // inside masked text a false frame's key, cut from the same masked text, unmasks its payload
      // to text XOR text, which is ASCII and often printable (lowercase XOR uppercase is
      // punctuation), but seldom lowercase.
      if (printable && (t.maskBit === 0 || natural * 3 >= m)) bits += Math.min(UTF8_MAX_BITS, whole ? TEXT_COMPLETE_BITS[m]! : TEXT_PREFIX_BITS[m]!);
    } else {
      // A payload mostly of control bytes proves nothing: inside masked text a false frame's
      // payload unmasks (with a key cut from the same masked text, always in phase) to text XOR
      // text, mostly below 0x20; zeros and small numbers look the same. Withheld, not rejected.
      let controls = 0;
      if (t.maskBit) {
        const k0 = a[o + h - 4]!;
        const k1 = a[o + h - 3]!;
        const k2 = a[o + h - 2]!;
        const k3 = a[o + h - 1]!;
        for (let i = 0; i < n; i++) {
          const b = a[p + i]! ^ ((i & 3) === 0 ? k0 : (i & 3) === 1 ? k1 : (i & 3) === 2 ? k2 : k3);
          if (b < 0x20 && PRINTABLE[b] === 0) controls++;
        }
      } else {
        for (let i = 0; i < n; i++) {
          const b = a[p + i]!;
          if (b < 0x20 && PRINTABLE[b] === 0) controls++;
        }
      }
      if (controls * 2 > n) bits = 0;
    }
  }
  r.status = 1;
  r.payloadBits = bits > 0 ? bits - headerBits : 0;
  r.headerLength = h;
  r.payloadLength = len;
  r.fin = fin;
  r.kind = kind;
  r.opcode = op;
  r.bits = bits;
  r.lengthBits = lengthBits;
}

/** The state after a frame. */
export function nextState(state: number, r: FrameEval): number {
  if (r.kind === CONTROL) return r.opcode === OP_CLOSE ? CLOSED : state;
  return r.fin ? BETWEEN : IN_FRAGMENT;
}

/** The evidence, in bits, of one valid header in each chain state (for documentation and tests). */
export function headerEvidenceBits(rules: DirectionRules): { readonly betweenMessages: number; readonly inFragment: number; readonly unknownStart: number } {
  const t = tablesFor(rules);
  return { betweenMessages: t.headerBits[BETWEEN]!, inFragment: t.headerBits[IN_FRAGMENT]!, unknownStart: t.headerBits[START]! };
}
