import { concatBytes, copyBytes } from './bytes.js';
import type { MemoryBudget } from './memory-budget.js';
/**
 * Counters of IP fragment reassembly. One object may be shared by several reassemblers (IPv4 and
 * IPv6 of one pipeline): each adds to it.
 */
export interface FragmentStats {
  /** Fragments received (including ones later dropped). */
  fragments: number;
  /** Datagrams waiting for fragments now. */
  pending: number;
  /** Datagrams completed. */
  reassembled: number;
  /** Datagrams given up: timed out, over a cap, or inconsistent. */
  dropped: number;
  /** Of {@link dropped}, those given up because their timeout passed. */
  timedOut: number;
  /**
   * Of {@link dropped}, those given up to make room: the pending cap, the byte cap, or the
   * pipeline's memory budget (a refused draw, or a reclaimer's request).
   */
  evicted: number;
  /**
   * Datagrams that never completed — timed out, or still pending when the reassembler was closed —
   * without ever getting their first fragment (offset 0).
   */
  headless: number;
  /** Datagrams whose first fragment (offset 0) came after other fragments of theirs were held. */
  firstLate: number;
  /** Bytes thrown away with dropped fragments and datagrams. */
  droppedBytes: number;
  /** Bytes received again for a range already held (the first copy is kept). */
  overlapBytes: number;
  /** Bytes held for pending datagrams now. */
  bufferedBytes: number;
}

/** Creates zeroed {@link FragmentStats}. */
export function createFragmentStats(): FragmentStats {
  return { fragments: 0, pending: 0, reassembled: 0, dropped: 0, timedOut: 0, evicted: 0, headless: 0, firstLate: 0, droppedBytes: 0, overlapBytes: 0, bufferedBytes: 0 };
}

/** Limits of IP fragment reassembly (IPv4 and IPv6 each have their own reassembler). All are in packet time and bytes. */
export interface FragmentReassemblyOptions {
  /**
   * How long a datagram may wait for its missing fragments, in nanoseconds of *packet* time
   * (frame timestamps). Default 30 s, Linux's `ipfrag_time`; RFC 791 suggests 15 s, RFC 8200 §4.5 60 s.
   */
  readonly timeoutNs?: bigint;
  /** Largest reassembled payload; a fragment ending past it is dropped with its datagram. Default 65535. */
  readonly maxDatagramSize?: number;
  /** Most bytes held across all pending datagrams; the oldest are dropped to make room. Default 8 MiB. */
  readonly maxBufferedBytes?: number;
  /** Most datagrams pending at once; the oldest is dropped to make room. Default 1024. */
  readonly maxPending?: number;
}

/** What adding a fragment did. */
export type FragmentResult =
  | {
      /** The datagram still misses fragments. */
      readonly status: 'pending';
      /** Bytes of this fragment that were already held (the first copy was kept). */
      readonly overlap: number;
    }
  | {
      /** The fragment, and possibly its datagram, was thrown away. */
      readonly status: 'dropped';
      /** Why, for people. */
      readonly reason: string;
    }
  | {
      /** This fragment completed the datagram. */
      readonly status: 'complete';
      /** The whole reassembled payload: a new buffer. */
      readonly data: Uint8Array;
      /** How many fragments contributed bytes. */
      readonly fragments: number;
      /** The `meta` passed with the fragment at offset 0 (IPv6: its next header). */
      readonly meta: number;
      /** Bytes of this fragment that were already held. */
      readonly overlap: number;
    };

interface Piece {
  readonly start: number;
  readonly bytes: Uint8Array;
}

class Datagram {
  /** Received ranges, sorted by start, never overlapping. */
  readonly pieces: Piece[] = [];
  /** Payload length, once the last fragment (more = false) is seen; -1 before. */
  end = -1;
  buffered = 0;
  /** Bytes drawn from the memory budget for this datagram (its held bytes and {@link DATAGRAM_COST}). */
  drawn = 0;
  fragments = 0;
  meta = -1;
  /** Whether the fragment at offset 0 was received. */
  sawFirst = false;
  constructor(readonly first: bigint) {}
}

const DEFAULT_TIMEOUT_NS = 30_000_000_000n;

/** What a pending datagram costs besides its bytes (its entry, key and piece list), an estimate for the memory budget. */
const DATAGRAM_COST = 160;

/**
 * Reassembles IP datagrams from fragments: one mechanism for IPv4 (RFC 791) and IPv6 (RFC 8200
 * §4.5), keyed by a string the caller builds ((src, dst, proto, id) for IPv4; (src, dst, id) for
 * IPv6). Fragment bytes are copied on arrival (so a pending datagram never pins a source's large
 * read buffer, and the byte cap counts what is really held). Overlaps keep the first copy, as
 * RFC 5722 and the BSD stacks do. Time is packet time, never the wall clock.
 *
 * With a {@link MemoryBudget}, each pending datagram draws its bytes on it: a refused draw drops
 * the datagram (counted in {@link FragmentStats.evicted}), and under pressure from other holders
 * the oldest datagrams are dropped first. Call {@link FragmentReassembler.close} when done.
 */
export class FragmentReassembler {
  private readonly datagrams = new Map<string, Datagram>();
  private readonly timeoutNs: bigint;
  private readonly maxDatagramSize: number;
  private readonly maxBufferedBytes: number;
  private readonly maxPending: number;
  private buffered = 0;
  /** The datagram being added to: a reclaimer must not drop it. */
  private current: Datagram | undefined;
  private readonly stopReclaiming: (() => void) | undefined;

  constructor(
    options: FragmentReassemblyOptions = {},
    /** Counters this reassembler adds to. */
    readonly stats: FragmentStats = createFragmentStats(),
    /** The pipeline's memory budget, which pending datagrams draw on. */
    private readonly budget?: MemoryBudget,
  ) {
    this.timeoutNs = options.timeoutNs ?? DEFAULT_TIMEOUT_NS;
    this.maxDatagramSize = options.maxDatagramSize ?? 65535;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 8 * 1024 * 1024;
    this.maxPending = options.maxPending ?? 1024;
    this.stopReclaiming = budget?.onPressure((bytes) => this.reclaim(bytes));
  }

  /** Datagrams pending in this reassembler. */
  get pending(): number {
    return this.datagrams.size;
  }

  /** Bytes held by this reassembler. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * Adds one fragment: `offset` in bytes within the datagram's payload, `more` its more-fragments
   * flag, `bytes` its payload (read only during the call), `now` its frame's timestamp.
   */
  add(key: string, offset: number, more: boolean, bytes: Uint8Array, now: bigint, meta = -1): FragmentResult {
    this.stats.fragments++;
    this.expire(now);
    const end = offset + bytes.length;
    let d = this.datagrams.get(key);
    if (end > this.maxDatagramSize) {
      if (d) this.drop(key, d, false);
      return this.dropFragment(bytes.length, `fragment ends at ${end}, past the ${this.maxDatagramSize}-byte datagram cap`);
    }
    if (!d) {
      if (this.datagrams.size >= this.maxPending) this.dropOldest();
      d = new Datagram(now);
      this.datagrams.set(key, d);
      this.stats.pending++;
    }
    if (!more) {
      // The last fragment fixes the length; data past it, or a second different end, is inconsistent.
      if ((d.end >= 0 && d.end !== end) || lastEnd(d) > end) {
        this.drop(key, d, false);
        return this.dropFragment(bytes.length, 'fragments disagree on where the datagram ends');
      }
      d.end = end;
    } else if (d.end >= 0 && end > d.end) {
      this.drop(key, d, false);
      return this.dropFragment(bytes.length, 'fragment past the end the last fragment gave');
    }
    if (offset === 0) {
      d.meta = meta;
      if (!d.sawFirst) {
        d.sawFirst = true;
        if (d.pieces.length > 0) this.stats.firstLate++;
      }
    }
    if (this.budget !== undefined && !this.draw(d, bytes.length + (d.drawn === 0 ? DATAGRAM_COST : 0))) {
      this.drop(key, d, false, true);
      return this.dropFragment(bytes.length, 'the memory budget is spent');
    }
    const overlap = this.insert(d, offset, bytes);
    if (overlap > 0 && this.budget !== undefined) {
      this.budget.release(overlap);
      d.drawn -= overlap;
    }
    if (overlap > 0) this.stats.overlapBytes += overlap;
    if (this.buffered > this.maxBufferedBytes) {
      this.makeRoom(d);
      if (!this.datagrams.has(key)) return { status: 'dropped', reason: 'buffered fragment bytes over the cap' };
    }
    if (d.end < 0 || !complete(d)) return { status: 'pending', overlap };
    this.datagrams.delete(key);
    this.release(d);
    this.stats.reassembled++;
    // `complete` checked that the pieces tile [0, end) in order.
    const data = concatBytes(d.pieces.map((p) => p.bytes), d.end);
    return { status: 'complete', data, fragments: d.fragments, meta: d.meta, overlap };
  }

  /** Drops everything held (counted as dropped). */
  clear(): void {
    for (const [key, d] of this.datagrams) this.drop(key, d, false);
  }

  /**
   * Lets go of what is held without counting it as dropped (pending datagrams stay counted in
   * {@link FragmentStats.pending}: they never completed), gives its memory back to the budget and
   * stops answering its pressure.
   */
  close(): void {
    for (const d of this.datagrams.values()) {
      if (d.drawn > 0) this.budget?.release(d.drawn);
      if (!d.sawFirst) this.stats.headless++;
    }
    this.datagrams.clear();
    this.buffered = 0;
    this.stopReclaiming?.();
  }

  /** Draws `bytes` for `d` from the budget; the datagram is not given up while the reclaimers run. */
  private draw(d: Datagram, bytes: number): boolean {
    this.current = d;
    try {
      if (!this.budget!.take(bytes)) return false;
    } finally {
      this.current = undefined;
    }
    d.drawn += bytes;
    return true;
  }

  /** The budget's reclaimer: drops the oldest datagrams (not the one being added to) until `bytes` are freed. */
  private reclaim(bytes: number): number {
    let freed = 0;
    for (const [key, d] of this.datagrams) {
      if (freed >= bytes) break;
      if (d === this.current) continue;
      freed += d.drawn;
      this.drop(key, d, false, true);
    }
    return freed;
  }

  /** Copies the parts of [offset, offset + bytes.length) not held yet; returns the overlapping byte count. */
  private insert(d: Datagram, offset: number, bytes: Uint8Array): number {
    const end = offset + bytes.length;
    let cur = offset;
    let overlap = 0;
    let added = false;
    const pieces = d.pieces;
    for (let i = 0; i < pieces.length && cur < end; i++) {
      const p = pieces[i]!;
      const ps = p.start;
      const pe = ps + p.bytes.length;
      if (pe <= cur) continue;
      if (ps >= end) break;
      if (ps > cur) {
        pieces.splice(i, 0, { start: cur, bytes: copyBytes(bytes.subarray(cur - offset, ps - offset)) });
        i++;
        added = true;
      }
      overlap += Math.min(pe, end) - Math.max(ps, cur);
      cur = pe;
    }
    if (cur < end) {
      const piece = { start: cur, bytes: copyBytes(bytes.subarray(cur - offset)) };
      let i = pieces.length;
      while (i > 0 && pieces[i - 1]!.start > cur) i--;
      pieces.splice(i, 0, piece);
      added = true;
    }
    const held = bytes.length - overlap;
    d.buffered += held;
    this.buffered += held;
    this.stats.bufferedBytes += held;
    if (added) d.fragments++;
    return overlap;
  }

  private expire(now: bigint): void {
    for (const [key, d] of this.datagrams) {
      if (now - d.first <= this.timeoutNs) break;
      this.drop(key, d, true);
    }
  }

  private dropOldest(): void {
    const first = this.datagrams.entries().next();
    if (!first.done) this.drop(first.value[0], first.value[1], false, true);
  }

  /** Drops the oldest datagrams until the byte cap holds, `current` last. */
  private makeRoom(current: Datagram): void {
    for (const [key, d] of this.datagrams) {
      if (this.buffered <= this.maxBufferedBytes) return;
      if (d !== current) this.drop(key, d, false, true);
    }
    if (this.buffered > this.maxBufferedBytes) {
      for (const [key, d] of this.datagrams) if (d === current) this.drop(key, d, false, true);
    }
  }

  private drop(key: string, d: Datagram, timedOut: boolean, evicted = false): void {
    this.datagrams.delete(key);
    this.release(d);
    this.stats.dropped++;
    if (timedOut) {
      this.stats.timedOut++;
      if (!d.sawFirst) this.stats.headless++;
    }
    if (evicted) this.stats.evicted++;
    this.stats.droppedBytes += d.buffered;
  }

  private release(d: Datagram): void {
    if (d.drawn > 0) {
      this.budget?.release(d.drawn);
      d.drawn = 0;
    }
    this.buffered -= d.buffered;
    this.stats.bufferedBytes -= d.buffered;
    this.stats.pending--;
  }

  private dropFragment(length: number, reason: string): FragmentResult {
    this.stats.droppedBytes += length;
    return { status: 'dropped', reason };
  }
}

function lastEnd(d: Datagram): number {
  const p = d.pieces[d.pieces.length - 1];
  return p ? p.start + p.bytes.length : 0;
}

function complete(d: Datagram): boolean {
  let pos = 0;
  for (const p of d.pieces) {
    if (p.start !== pos) return false;
    pos += p.bytes.length;
  }
  return pos === d.end;
}
