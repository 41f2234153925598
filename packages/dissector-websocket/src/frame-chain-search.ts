import {
  BETWEEN,
  evalFrame,
  FRAME_LOOKAHEAD,
  nextState,
  PAYLOAD_CHECK,
  SECURITY_BITS_HEURISTIC,
  SECURITY_BITS_RESYNC,
  START,
  tablesFor,
  type DirectionRules,
  type FrameEval,
  type Tables,
} from './frame-evidence.js';

/**
 * The search for a believed chain of WebSocket frames in bytes that begin at an unknown point of
 * one direction: candidates from each start position followed frame by frame, scored with the
 * evidence of frame-evidence.ts (whose module comment states the rules, the evidence and the
 * false-positive bound), merged where two chains meet, and believed once the evidence demanded
 * for the positions searched is reached.
 */

/** Bytes before a frame compared to find periodic data. */
const PERIOD_BACK = 8;
const PERIOD_SPAN = 16;
/** Frames shorter than this are not checked for periodicity (the repeated-frame rule covers them). */
const PERIOD_MIN_SPAN = 8;
/** How far beyond the scan chains are followed (bytes). */
const FOLLOW_AHEAD = 1024;
/** Size of the ring of visited frames: twice FOLLOW_AHEAD, a power of two. */
const VISITED_RING = 2 * FOLLOW_AHEAD;

/** Options of {@link FrameChainSearch}. */
export interface ChainSearchOptions {
  /** The security level `S` in bits (default {@link SECURITY_BITS_HEURISTIC}). */
  readonly securityBits?: number;
  /** Start positions already searched before this search (they count in `N`). */
  readonly searched?: number;
  /**
   * Where candidates may start: at every byte (`byte`, the default), only at the first byte of
   * each pushed chunk (`chunk`: a probe that looks at TCP segment starts), or only at the very
   * first byte (`first`: the stream's start, a frame begins there or nowhere).
   */
  readonly starts?: 'byte' | 'chunk' | 'first';
  /** Stop trying new start positions after this many (a CPU budget); pending candidates are still followed. */
  readonly maxStarts?: number;
  /** Most candidates waiting for the end of a long frame at once (default 64). */
  readonly maxPending?: number;
  /**
   * Evidence the frames up to the first believed one must have, so that its start is proven and
   * not a false header that happens to end where a real frame begins (default
   * {@link SECURITY_BITS_RESYNC}; see "Where the chain starts" in the module comment).
   */
  readonly startBits?: number;
  /**
   * For measurement: when a candidate's chain ends (broken, evicted, believed, or still waiting
   * at {@link FrameChainSearch.finish}), 1 is added at the index of its evidence in whole bits
   * (the last index takes everything above). Slower: every chain is then followed in full.
   */
  readonly evidenceHistogram?: Float64Array;
}

/** What a search concludes so far. Offsets count from the first byte pushed. */
export type ChainVerdict =
  | {
      readonly kind: 'match';
      /** Offset of the first believed frame's header. */
      readonly offset: number;
      /** Offsets of the believed frames' headers, the first at `offset`. */
      readonly frames: readonly number[];
      /**
       * Offsets of the chain's frames before `offset`: they end where the believed ones begin,
       * but their own starts are not proven (see "Where the chain starts" in the module comment).
       */
      readonly doubtful: readonly number[];
      /** Offset just after the chain's last frame: a header starts here (or the stream ends). */
      readonly next: number;
      /** The chain's evidence in bits, and what was demanded. */
      readonly bits: number;
      readonly threshold: number;
    }
  /** Nothing can be decided before `bytes` more bytes arrive. */
  | { readonly kind: 'need'; readonly bytes: number }
  /** No frame starts here: every candidate failed, and no new start position will be tried. */
  | { readonly kind: 'reject' };

/** A chain being followed from one start position. */
interface Candidate {
  readonly start: number;
  /** Offset of the next header due. */
  next: number;
  state: number;
  bits: number;
  frames: number[];
  /** The evidence each frame added. */
  frameBits: number[];
  /** Keys (hashes of header and first 64 payload bytes) of the frames so far, to give repeated frames no evidence. */
  keys: number[];
  /** The length-field bits of the last frame (end-of-stream bonus). */
  lastLengthBits: number;
  /**
   * Masked chains: the top bits of the masking keys by stream offset modulo 4, while every key so
   * far agrees (-1: no key yet, -2: they disagree).
   */
  keyPhases: number;
  /** Pairs (frame index, bits) of payload evidence withheld while the keys agree. */
  withheld: number[];
  /** 0 alive, or why not: {@link BROKEN}, {@link MERGED}, {@link EVICTED}. */
  dead: number;
  /** The chain it joined, when merged. */
  mergedInto: Candidate | undefined;
  /** Chains that joined this one by frames of their own, at `mergeAt`. */
  siblings?: Candidate[];
  /** Where this chain joined another (its own frames all lie before). */
  mergeAt: number;
}

/** Most siblings a chain keeps. */
const MAX_SIBLINGS = 16;

function addSibling(o: Candidate, sib: Candidate, at: number): void {
  sib.mergeAt = at;
  const list = (o.siblings ??= []);
  if (list.length < MAX_SIBLINGS) list.push(sib);
}
const BROKEN = 1;
const MERGED = 2;
const EVICTED = 3;

/** Most frames a chain remembers (a chain of repeated frames in periodic data gains nothing and goes on). */
const MAX_CHAIN_FRAMES = 1024;

/**
 * Forgets the older half of a long chain's frames: they can no longer be reported nor help prove
 * where the believed frames start (which only demands more), and their withheld evidence is lost.
 */
function forgetOldest(c: Candidate): void {
  const n = c.frames.length >> 1;
  c.frames.splice(0, n);
  c.frameBits.splice(0, n);
  if (c.keys.length > MAX_CHAIN_FRAMES) c.keys.splice(0, c.keys.length >> 1);
  const kept: number[] = [];
  for (let j = 0; j < c.withheld.length; j += 2) if (c.withheld[j]! >= n) kept.push(c.withheld[j]! - n, c.withheld[j + 1]!);
  c.withheld = kept;
}

/** A 32-bit FNV-1a hash of a frame's header and first payload bytes (as many as are at hand, up to 64). */
function frameKey(a: Uint8Array, o: number, n: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ a[o + i]!, 0x01000193);
  return h >>> 0;
}

/**
 * A streaming search for the first believed WebSocket frame in one direction's bytes (see the
 * module comment for the rules and the evidence). Push the bytes in order as they come; the search
 * keeps only a few hundred of them, and follows candidates across long frames by offset.
 *
 * @example
 * ```ts
 * const search = new FrameChainSearch({ masked: false, rsv1: true, continuationFirst: true });
 * const v = search.push(bytesOfAServerDirectionStartingMidFrame);
 * if (v.kind === 'match') console.log('frames start at', v.offset);
 * ```
 */
export class FrameChainSearch {
  private readonly t: Tables;
  private readonly security: number;
  private readonly startsMode: 'byte' | 'chunk' | 'first';
  private readonly maxPending: number;
  private readonly startState: number;
  private readonly histogram: Float64Array | undefined;
  private readonly startBits: number;
  private readonly r: FrameEval = { status: 0, need: 0, headerLength: 0, payloadLength: 0, fin: false, kind: 0, opcode: 0, bits: 0, payloadBits: 0, lengthBits: 0 };
  /** Start positions tried, this search's and `options.searched`. */
  private tried: number;
  private startsLeft: number;
  /** Offset of the next byte pushed. */
  private end = 0;
  /** The next start position to try (every-byte mode). */
  private scan = 0;
  /** Start positions waiting to be tried (chunk and first modes). */
  private readonly queue: number[] = [];
  /** Bytes the start position being tried still needs. */
  private startNeed = 0;
  private pending: Candidate[] = [];
  // Frames chains went through, by offset modulo VISITED_RING: the offset, the state after the
  // frame, and the chain. Offsets in use lie within FOLLOW_AHEAD of the scan, so they never collide.
  // Allocated when the first chain gets past its quick walk.
  private visitedAt: Float64Array = EMPTY_F64;
  private visitedState: Uint8Array = EMPTY;
  private visitedCand: (Candidate | undefined)[] = [];
  /** How far the waiting chains were last followed. */
  private followedTo = 0;
  private verdict: ChainVerdict | undefined;
  /** The chain that reached the threshold, waiting for the scan to pass where it would start. */
  private believable: Candidate | undefined;
  // Kept bytes: `tail` holds stream bytes [tailBase, tailBase + tail.length).
  private tail: Uint8Array = EMPTY;
  private tailBase = 0;
  // The chunk being pushed, and a small buffer joining the tail to its first bytes.
  private chunk: Uint8Array = EMPTY;
  private chunkBase = 0;
  // Allocated at its first use (a connection's probe makes searches that may never need it).
  private join: Uint8Array = EMPTY;
  private joinLength = 0;

  constructor(rules: DirectionRules, options: ChainSearchOptions = {}) {
    this.t = tablesFor(rules);
    this.security = options.securityBits ?? SECURITY_BITS_HEURISTIC;
    this.startsMode = options.starts ?? 'byte';
    this.tried = options.searched ?? 0;
    this.startsLeft = this.startsMode === 'first' ? 1 : (options.maxStarts ?? Infinity);
    this.maxPending = options.maxPending ?? 64;
    this.histogram = options.evidenceHistogram;
    this.startBits = options.startBits ?? SECURITY_BITS_RESYNC;
    this.startState = rules.continuationFirst ? START : BETWEEN;
    if (this.startsMode === 'first') this.queue.push(0);
  }

  /** Start positions searched so far (`N`, including `options.searched`). */
  get searched(): number {
    return this.tried;
  }

  /** Bytes pushed so far. */
  get offset(): number {
    return this.end;
  }

  /** The evidence a chain needs now: `S + log2(N)`. */
  get threshold(): number {
    return this.security + Math.log2(Math.max(1, this.tried));
  }

  /** Feeds the next bytes of the direction (a view is fine: nothing of it is kept past the call but a short tail). */
  push(chunk: Uint8Array): ChainVerdict {
    if (this.verdict !== undefined) return this.verdict;
    this.chunk = chunk;
    this.chunkBase = this.end;
    this.end += chunk.length;
    this.joinLength = -1;
    if (this.startsMode === 'chunk' && chunk.length > 0 && this.startsLeft > this.queue.length) this.queue.push(this.chunkBase);
    const everyByte = this.startsMode === 'byte';
    this.startNeed = 0;
    const b0 = this.t.b0;
    const b0At = this.startState * 256;
    const maskBit = this.t.maskBit;
    // Chains are followed at most FOLLOW_AHEAD bytes beyond the scan, so that a start on a frame a
    // chain went through is still known (the ring of visited frames spans that far), and no chain
    // runs through megabytes of periodic data again for every start on it.
    this.consider(this.followPending(everyByte && this.startsLeft > 0 ? Math.min(this.end, this.scan + FOLLOW_AHEAD) : this.end));
    while (this.startsLeft > 0 && !this.decided()) {
      if (everyByte && this.scan >= this.chunkBase) {
        // The hot loop: most positions fail on their first two bytes.
        const a = this.chunk;
        const last = Math.min(a.length - 1, this.scan - this.chunkBase + this.startsLeft);
        let i = this.scan - this.chunkBase;
        const from = i;
        while (i < last && (b0[b0At + a[i]!] === 0 || (a[i + 1]! & 0x80) !== maskBit)) i++;
        this.scan += i - from;
        this.tried += i - from;
        this.startsLeft -= i - from;
        if (this.startsLeft <= 0) break;
        if (this.scan >= this.followedTo - FOLLOW_AHEAD / 2 && this.pending.length > 0) {
          this.consider(this.followPending(Math.min(this.end, this.scan + FOLLOW_AHEAD)));
          if (this.decided()) break;
        }
      }
      const p = everyByte ? this.scan : (this.queue[0] ?? -1);
      if (p < 0 || p >= this.end) break;
      const v = this.viewAt(p);
      const a = v.a;
      const o = v.o;
      // Fast rejection on the first two bytes.
      let rejected = false;
      if (v.avail >= 2) {
        const kind = b0[b0At + a[o]!]!;
        rejected = kind === 0 || (a[o + 1]! & 0x80) !== maskBit;
      }
      const r = this.r;
      if (!rejected) {
        evalFrame(a, o, v.avail, this.startState, this.t, r);
        if (r.status === 2) {
          this.startNeed = r.need;
          break; // wait for more bytes at this position
        }
        rejected = r.status === 0;
      }
      if (everyByte) this.scan++;
      else this.queue.shift();
      this.tried++;
      this.startsLeft--;
      // (When measuring, every chain is followed properly, so that its recorded evidence is exact.)
      if (rejected || (this.histogram === undefined && !this.mayHold(p, r))) continue;
      const c: Candidate = { start: p, next: p, state: this.startState, bits: 0, frames: [], frameBits: [], keys: [], lastLengthBits: 0, keyPhases: -1, withheld: [], dead: 0, mergedInto: undefined, mergeAt: -1 };
      const done = this.follow(c, everyByte ? Math.min(this.end, p + FOLLOW_AHEAD) : this.end);
      if (done === 'match') this.consider(c);
      else if (done === 'keep') this.addPending(c);
    }
    // What is here is searched: follow every chain to its end.
    if (!this.decided()) this.consider(this.followPending(this.end));
    if (this.decided()) return this.matched(this.believable!);
    this.keepTail();
    return this.status();
  }

  /**
   * A chain reached the threshold. It is believed once every start position before where its
   * believed frames would begin has been tried: a start there may join it (as a sibling) and
   * prove an earlier, or the right, first frame.
   */
  private consider(c: Candidate | undefined): void {
    if (c === undefined) return;
    if (this.believable === undefined || this.proposal(c).offset < this.proposal(this.believable).offset) this.believable = c;
  }

  /** Whether the believable chain can be believed now. */
  private decided(): boolean {
    const b = this.believable;
    if (b === undefined) return false;
    if (this.startsMode !== 'byte' || this.startsLeft <= 0) return true;
    return this.scan >= this.proposal(b).offset;
  }

  /**
   * The stream ended (FIN or RST): a chain whose last frame ends exactly at the end gets the
   * evidence of that exact length; nothing else can be decided any more.
   */
  finish(): ChainVerdict {
    if (this.verdict !== undefined) return this.verdict;
    for (const c of this.pending) {
      if (c.next !== this.end || c.frames.length < 2) continue;
      c.bits += c.lastLengthBits;
      if (c.bits >= this.threshold) this.consider(c);
    }
    if (this.believable !== undefined) return this.matched(this.believable);
    for (const c of this.pending) this.record(c);
    this.pending = [];
    this.verdict = { kind: 'reject' };
    return this.verdict;
  }

  private matched(chain: Candidate): ChainVerdict {
    let c = chain;
    while (c.mergedInto !== undefined) c = c.mergedInto;
    const { frames, offset, index } = this.proposal(c);
    this.pending = [];
    this.tail = EMPTY;
    this.verdict = { kind: 'match', offset, frames: frames.slice(index), doubtful: frames.slice(0, index), next: c.next, bits: c.bits, threshold: this.threshold };
    return this.verdict;
  }

  /**
   * Where a chain's believed frames would begin. The chain and those that joined it by frames of
   * their own (a false header in a cut frame may reach the real chain first and carry it on) each
   * propose a start, proven by their own evidence; the earliest wins.
   */
  private proposal(chain: Candidate): { frames: readonly number[]; index: number; offset: number } {
    let c = chain;
    while (c.mergedInto !== undefined) c = c.mergedInto;
    let index = this.believedStart(c.frames, c.frameBits);
    let frames: readonly number[] = c.frames;
    for (const sib of c.siblings ?? []) {
      const join = c.frames.indexOf(sib.mergeAt);
      if (join < 0) continue; // the joint frame was forgotten
      const bits = sib.frameBits.slice();
      // The keys of the joint chain disagree if any two do: then the sibling's withheld payload
      // evidence counts too.
      if (this.t.maskBit !== 0 && (c.keyPhases === -2 || sib.keyPhases === -2 || c.keyPhases !== sib.keyPhases)) {
        for (let j = 0; j < sib.withheld.length; j += 2) bits[sib.withheld[j]!]! += sib.withheld[j + 1]!;
      }
      const joined = [...sib.frames, ...c.frames.slice(join)];
      const i = this.believedStart(joined, [...bits, ...c.frameBits.slice(join)]);
      if (joined[i]! < frames[index]!) {
        frames = joined;
        index = i;
      }
    }
    return { frames, index, offset: frames[index]! };
  }

  /**
   * The index of the first frame whose start is proven: the evidence of the frames up to it
   * reaches `startBits` (at the stream's known first byte, the first frame is).
   */
  private believedStart(frames: readonly number[], frameBits: readonly number[]): number {
    if (this.startsMode === 'first') return 0;
    let sum = 0;
    let i = 0;
    for (; i < frames.length - 1; i++) {
      sum += frameBits[i]!;
      if (sum >= this.startBits) break;
    }
    return i;
  }

  /** Follows the waiting chains up to offset `limit`; the first believed one, if any. */
  private followPending(limit: number): Candidate | undefined {
    let best: Candidate | undefined;
    this.followedTo = limit;
    for (let i = 0; i < this.pending.length; ) {
      const c = this.pending[i]!;
      const done = c.dead !== 0 ? 'drop' : this.follow(c, limit);
      if (done === 'keep') i++;
      else {
        this.pending.splice(i, 1);
        if (done === 'match' && (best === undefined || c.start < best.start)) best = c;
      }
    }
    return best;
  }

  /** Follows a chain through the bytes at hand, up to offset `limit`: matched, dropped, or kept waiting. */
  private follow(c: Candidate, limit: number): 'match' | 'drop' | 'keep' {
    const r = this.r;
    while (c.next < limit) {
      const v = this.viewAt(c.next);
      if (v.avail < 0) return 'drop'; // the bytes are gone (cannot happen: kept for waiting candidates)
      evalFrame(v.a, v.o, v.avail, c.state, this.t, r);
      if (r.status === 2) return 'keep';
      if (r.status === 0) {
        c.dead = BROKEN;
        this.record(c);
        return 'drop';
      }
      // The key and the periodicity check need the frame's first bytes: wait for them, so the
      // answer does not depend on how the bytes were chunked.
      const keyLength = r.headerLength + Math.min(r.payloadLength, PAYLOAD_CHECK);
      const span = Math.min(PERIOD_SPAN, r.headerLength + r.payloadLength);
      if (v.avail < Math.max(keyLength, span)) return 'keep';
      const state = nextState(c.state, r);
      const at = c.next;
      // Two chains through the same frame, leaving it in the same state, go on alike: keep one,
      // the one with more evidence. (In periodic or structured data every start would otherwise
      // follow the same long chain again.)
      if (this.visitedAt.length === 0) {
        this.visitedAt = new Float64Array(VISITED_RING).fill(-1);
        this.visitedState = new Uint8Array(VISITED_RING);
        this.visitedCand = new Array<Candidate | undefined>(VISITED_RING);
      }
      const slot = at % VISITED_RING;
      const seen = this.visitedAt[slot] === at ? this.visitedCand[slot] : undefined;
      if (seen !== undefined && this.visitedState[slot] === state) {
        let o = seen;
        while (o.mergedInto !== undefined) o = o.mergedInto;
        if (o !== c) {
          if (o.dead === BROKEN) {
            // Joining a chain that broke further on: this one breaks there too.
            c.dead = BROKEN;
            return 'drop';
          }
          if (o.dead === 0 && o.bits >= c.bits) {
            // The stronger goes on; the other, if it came by other frames, stays as a sibling
            // (its own start may be the right one: see matched()).
            c.dead = MERGED;
            c.mergedInto = o;
            if (c.frames.length > 0) addSibling(o, c, at);
            return 'drop';
          }
          if (o.dead === 0) {
            o.dead = MERGED;
            o.mergedInto = c;
            const i = o.frames.indexOf(at);
            if (i > 0) {
              // o went on past here: as a sibling it keeps only its frames before this one.
              o.frames.length = i;
              o.frameBits.length = i;
              addSibling(c, o, at);
            }
            if (o.siblings !== undefined) for (const sib of o.siblings) addSibling(c, sib, sib.mergeAt);
            o.siblings = undefined;
          }
        }
      }
      let bits = r.bits;
      let withheld = 0;
      if (this.t.maskBit !== 0 && c.keyPhases !== -2) {
        // Inside one masked frame of ASCII text, every false frame's key is cut from the same
        // masked text: the top bit of each key byte is the true key's at that offset modulo 4.
        // While all keys of a chain agree so, its payloads prove nothing (they unmask to text
        // XOR text). Independent random keys disagree with odds 15/16 per frame.
        const k = v.o + r.headerLength - 4;
        let phases = 0;
        for (let j = 0; j < 4; j++) phases |= (v.a[k + j]! >> 7) << ((at + r.headerLength - 4 + j) & 3);
        c.keyPhases = c.keyPhases === -1 || c.keyPhases === phases ? phases : -2;
        if (c.keyPhases !== -2) {
          bits -= r.payloadBits;
          withheld = r.payloadBits;
        } else {
          // The keys disagree: what the earlier payloads proved counts after all.
          for (let j = 0; j < c.withheld.length; j += 2) {
            c.frameBits[c.withheld[j]!]! += c.withheld[j + 1]!;
            c.bits += c.withheld[j + 1]!;
          }
          c.withheld.length = 0;
        }
      }
      if (bits > 0) {
        const key = frameKey(v.a, v.o, keyLength);
        if (c.keys.includes(key) || (span >= PERIOD_MIN_SPAN && this.periodic(at, span))) bits = 0;
        else c.keys.push(key);
      }
      if (bits > 0 && withheld > 0) c.withheld.push(c.frames.length, withheld);
      this.visitedAt[slot] = at;
      this.visitedState[slot] = state;
      this.visitedCand[slot] = c;
      c.bits += bits;
      c.frames.push(at);
      c.frameBits.push(bits);
      if (c.frames.length > MAX_CHAIN_FRAMES) forgetOldest(c);
      c.state = state;
      c.lastLengthBits = r.lengthBits;
      c.next += r.headerLength + r.payloadLength;
      if (c.frames.length >= 2 && c.bits >= this.threshold) {
        this.record(c);
        return 'match';
      }
    }
    return 'keep';
  }

  /**
   * A quick walk, allocating nothing, along the chain from `p` (whose first frame is in `r`): false
   * when it breaks within the bytes at hand (most starts in data that is not frames), true when
   * it may hold and must be followed properly.
   */
  private mayHold(p: number, r: FrameEval): boolean {
    let state = nextState(this.startState, r);
    let bits = r.bits;
    let at = p + r.headerLength + r.payloadLength;
    while (at < this.end) {
      const v = this.viewAt(at);
      evalFrame(v.a, v.o, v.avail, state, this.t, r);
      if (r.status === 2) return true;
      if (r.status === 0) return false;
      bits += r.bits;
      // Strong enough to be believed, perhaps: let the proper follow decide.
      if (bits >= this.security) return true;
      state = nextState(state, r);
      at += r.headerLength + r.payloadLength;
    }
    return true;
  }

  private record(c: Candidate): void {
    const h = this.histogram;
    if (h !== undefined) h[Math.min(h.length - 1, Math.floor(c.bits))]!++;
  }

  /**
   * Whether the frame's first `span` bytes (at most 16, all within the frame) continue the 8 bytes
   * before it with a period of 1 to 8, as masked zeros (the key repeated) do.
   */
  private periodic(at: number, span: number): boolean {
    if (at - PERIOD_BACK < this.tailBase || at < PERIOD_BACK) return false;
    const v = this.viewAt(at - PERIOD_BACK);
    if (v.avail < PERIOD_BACK + span) return false;
    const a = v.a;
    const o = v.o + PERIOD_BACK;
    for (let period = 1; period <= PERIOD_BACK; period++) {
      let i = 0;
      while (i < span && a[o + i] === a[o + i - period]) i++;
      if (i === span) return true;
    }
    return false;
  }

  private addPending(c: Candidate): void {
    if (this.pending.length >= this.maxPending) {
      // Evict the weakest (then the oldest): a true chain gains evidence with every frame.
      let worst = 0;
      for (let i = 1; i < this.pending.length; i++) if (this.pending[i]!.bits < this.pending[worst]!.bits) worst = i;
      if (this.pending[worst]!.bits > c.bits) {
        c.dead = EVICTED;
        this.record(c);
        return;
      }
      this.pending[worst]!.dead = EVICTED;
      this.record(this.pending[worst]!);
      this.pending.splice(worst, 1);
    }
    this.pending.push(c);
  }

  /** Bytes from stream offset `at`: an array, the index of `at` in it, and how many follow there. */
  private viewAt(at: number): { a: Uint8Array; o: number; avail: number } {
    const v = this.view;
    if (at >= this.chunkBase) {
      v.a = this.chunk;
      v.o = at - this.chunkBase;
      v.avail = this.end - at;
      return v;
    }
    if (at < this.tailBase) {
      v.avail = -1;
      return v;
    }
    if (this.joinLength < 0) {
      // The tail, then the chunk's first bytes: enough for any frame that starts in the tail.
      if (this.join.length === 0) this.join = new Uint8Array(JOIN_BYTES);
      const n = this.tail.length;
      const m = Math.min(this.chunk.length, this.join.length - n);
      this.join.set(this.tail, 0);
      this.join.set(this.chunk.subarray(0, m), n);
      this.joinLength = n + m;
    }
    v.a = this.join;
    v.o = at - this.tailBase;
    v.avail = this.joinLength - v.o;
    return v;
  }
  private readonly view: { a: Uint8Array; o: number; avail: number } = { a: EMPTY, o: 0, avail: 0 };

  /** Keeps the bytes a later push may need: from the first undecided position, and a few before it. */
  private keepTail(): void {
    let from = Math.max(0, this.end - PERIOD_BACK - FRAME_LOOKAHEAD);
    if (this.startsLeft > 0) from = Math.min(from, this.startsMode === 'byte' ? this.scan : (this.queue[0] ?? from));
    for (const c of this.pending) if (c.next < this.end) from = Math.min(from, c.next);
    from = Math.max(0, Math.min(from, this.end) - PERIOD_BACK, this.tailBase);
    const n = this.end - from;
    const out = new Uint8Array(n);
    // Whatever part is in the old tail, then the rest from the chunk.
    for (let at = from, i = 0; i < n; ) {
      if (at >= this.chunkBase) {
        out.set(this.chunk.subarray(at - this.chunkBase, at - this.chunkBase + (n - i)), i);
        break;
      }
      const take = Math.min(this.chunkBase - at, n - i);
      out.set(this.tail.subarray(at - this.tailBase, at - this.tailBase + take), i);
      i += take;
      at += take;
    }
    this.tail = out;
    this.tailBase = from;
    this.chunk = EMPTY;
    this.chunkBase = this.end;
  }

  private status(): ChainVerdict {
    let need = Infinity;
    if (this.startsLeft > 0) {
      if (this.startsMode !== 'first') need = 1; // every new byte or chunk brings new start positions
      else if (this.queue.length > 0) need = Math.max(1, this.startNeed);
    }
    for (const c of this.pending) {
      const n = c.next < this.end ? 1 : c.next - this.end + 2;
      if (n < need) need = n;
    }
    if (need === Infinity) {
      this.verdict = { kind: 'reject' };
      return this.verdict;
    }
    return { kind: 'need', bytes: need };
  }
}

const EMPTY = new Uint8Array(0);
/** Size of the buffer joining the kept tail to a chunk's first bytes. */
const JOIN_BYTES = 512;
const EMPTY_F64 = new Float64Array(0);

/**
 * The first believed frame in `bytes` (one direction; they may begin anywhere), as a fresh
 * {@link FrameChainSearch} would say after one push; `ended` when the stream ended right after.
 */
export function findFrameChain(bytes: Uint8Array, rules: DirectionRules, options: ChainSearchOptions & { readonly ended?: boolean } = {}): ChainVerdict {
  const s = new FrameChainSearch(rules, options);
  const v = s.push(bytes);
  return options.ended && v.kind !== 'match' ? s.finish() : v;
}

