import {
  copyBytes,
  NetrxError,
  type ClientDecider,
  type ClientDecision,
  type CloseReason,
  type Connection,
  type Direction,
  type DirectionStats,
  type Endpoint,
  type Packet,
  type StreamEvent,
} from '@netrx/core';
import { TcpFlag, type TcpLayer } from './tcp.js';

/** Limits and timeouts of {@link TcpReassembler} and `reassembleTcp(registry)`. Times are packet time. */
export interface ReassembleTcpOptions {
  /**
   * A hole with data waiting behind it becomes a `gap` after this many milliseconds of packet time,
   * when the capture has shown no ACK from the receiver (a one-way capture; default 3000).
   */
  readonly holeTimeoutMs?: number;
  /**
   * The same when the receiver's ACKs are in the capture (default 60000). Then a hole the receiver
   * got is already a gap as soon as it acknowledges past it, so a hole still open is one the
   * receiver is waiting for too: its retransmission may take several RTO backoffs (RFC 6298 §5.5).
   */
  readonly holeTimeoutAckedMs?: number;
  /** A connection with no packets for this long is closed with reason `idle` (default 300000). */
  readonly idleTimeoutMs?: number;
  /**
   * After a connection closes, late packets of the same 4-tuple (the last ACK, a retransmitted
   * FIN) are absorbed for this long instead of opening a new connection (default 5000). A SYN
   * always opens a new one.
   */
  readonly closedLingerMs?: number;
  /** Most out-of-order bytes buffered per connection, both directions (default 4 MiB). */
  readonly maxBufferedPerConnection?: number;
  /** Most out-of-order bytes buffered over all connections (default 256 MiB). */
  readonly maxBufferedTotal?: number;
  /** Most connections tracked at once; past it the least recently active is closed (default 262144). */
  readonly maxConnections?: number;
  /** Counters to add to (see {@link createReassemblerTotals}), to read what the caps did. */
  readonly totals?: ReassemblerTotals;
  /**
   * Who is the client of a connection seen without its SYN, asked in order with the first payload
   * (the registry's `tcp.client` list; `reassembleTcp(registry)` passes it). Without one, or when
   * none knows, the side with the higher port.
   */
  readonly clients?: readonly ClientDecider[];
}

/** Counters over the whole run, for reports: what the caps did. */
export interface ReassemblerTotals {
  connections: number;
  /** Connections closed early because {@link ReassembleTcpOptions.maxConnections} was reached. */
  evicted: number;
  /** Holes turned into gaps because a buffer cap was reached (not by ACK, timeout or close). */
  capGaps: number;
  /** Segments ignored because their sequence number was implausibly far ahead (over 1 GiB). */
  implausibleSegments: number;
  /**
   * Segments carrying data that arrived for a connection already closed by FIN or RST (within
   * {@link ReassembleTcpOptions.closedLingerMs}), after its `close` event: not delivered.
   */
  afterClose: number;
}

/** New zeroed {@link ReassemblerTotals}. */
export function createReassemblerTotals(): ReassemblerTotals {
  return { connections: 0, evicted: 0, capGaps: 0, implausibleSegments: 0, afterClose: 0 };
}

interface Segment {
  offset: number;
  bytes: Uint8Array;
  ts: bigint;
  frame: number;
}

/** Stream offset differences beyond this are taken as garbage, not a hole (half the int32 range). */
const MAX_AHEAD = 0x40000000;
/** Packet-time clock jumps over this (ns) need a second packet to confirm them: one day. */
const MAX_CLOCK_JUMP = 86_400n * 1_000_000_000n;
/** Recent gaps remembered per direction, to tell late data from retransmissions. */
const RECENT_GAPS = 8;
/** Most bytes of the last delivered segment kept to compare retransmissions with (more than an MSS). */
const LAST_KEPT = 4096;

/** One direction of a connection: the bytes one side sends. */
class Half {
  started = false;
  /** Sequence number (u32) of the next byte expected. */
  nextSeq = 0;
  /** Stream offset of the next byte expected. */
  next = 0;
  /** Out-of-order data: sorted by offset, never overlapping. */
  readonly segs: Segment[] = [];
  buffered = 0;
  holeSince = 0n;
  /** Stream offset of this side's FIN, or -1. */
  finAt = -1;
  /** Highest sequence number (u32) the peer acknowledged, when `acked`. */
  ackSeq = 0;
  acked = false;
  rst = false;
  /**
   * A copy of the last delivered bytes (their last {@link LAST_KEPT} at most), how many, and their
   * stream offset: overlapping retransmissions are compared to them. A copy and not a view: a view
   * keeps the whole read chunk it points into alive for as long as the connection is quiet, and
   * with a thousand connections that was most of the pipeline's memory.
   */
  last: Uint8Array | undefined;
  lastLength = 0;
  lastAt = 0;
  /** Recent gap ranges as [start, end) pairs. */
  readonly gaps: number[] = [];
  readonly stats: DirectionStats = { bytes: 0, gaps: 0, gapBytes: 0, retransmitted: 0, overlapConflicts: 0, droppedBytes: 0, lateBytes: 0 };

  constructor(
    readonly conn: Conn,
    readonly side: 0 | 1,
  ) {}

  /** Stream offset of a sequence number, relative to the next expected byte (handles wrap). */
  offsetOf(seq: number): number {
    return this.next + ((seq - this.nextSeq) | 0);
  }

  get finished(): boolean {
    return this.finAt >= 0 && this.next >= this.finAt;
  }
}

class Conn {
  readonly halves: [Half, Half];
  /** The halves again as fields: the per-packet path saves a load through the array. */
  readonly h0: Half;
  readonly h1: Half;
  connection: Connection | undefined;
  clientSide: 0 | 1 = 0;
  closed = false;
  lastTs = 0n;
  touched = 0n;
  /**
   * The sweep interval in which this connection last moved to the back of the LRU order: it moves
   * at most once an interval, and the per-packet test is a small-integer compare, not a BigInt one.
   */
  touchEpoch = 0;
  buffered = 0;

  /** The next connection in the same {@link TcpReassembler.index} bucket. */
  bucketNext: Conn | undefined = undefined;

  constructor(
    /** The lower address (side 0's), then the other. */
    readonly lo: string,
    readonly hi: string,
    /** Side 0's port, then the other's: small integers, compared in place (a number over 2^30 would be boxed). */
    readonly loPort: number,
    readonly hiPort: number,
    /** The index bucket: a small integer hashed from the addresses and ports. */
    readonly bucket: number,
    readonly id: number,
    readonly family: 4 | 6,
    readonly ends: [Endpoint, Endpoint],
  ) {
    this.h0 = new Half(this, 0);
    this.h1 = new Half(this, 1);
    this.halves = [this.h0, this.h1];
  }

  dir(side: 0 | 1): Direction {
    return side === this.clientSide ? 'c2s' : 's2c';
  }
}

/**
 * TCP stream reassembly as an I/O-free state machine: feed it packets with {@link push} in capture
 * order and call {@link end} at the end of input; it calls `emit` with `open`, `data`, `gap` and
 * `close` events, synchronously. `reassembleTcp(registry)` wraps it as an operator.
 *
 * Per connection and direction, in packet time: in-order data is passed through as a view of the
 * frame; out-of-order segments wait in a bounded buffer; bytes seen twice keep the first copy
 * (retransmissions are counted, differing bytes counted as conflicts); a hole becomes a `gap`
 * when the peer acknowledges past it, when it has waited `holeTimeoutMs`, when a buffer cap is
 * reached, or at close. Directions never wait on each other.
 *
 * A `data` event carries the time and frame number of the segment that carried its bytes (for
 * out-of-order data, earlier than the packet that released it); `gap` and `close` events those of
 * the packet that caused them.
 *
 * @example
 * ```ts
 * const r = new TcpReassembler({}, (ev) => console.log(ev.type, ev.connection.id));
 * for (const packet of packets) r.push(packet);
 * r.end();
 * ```
 */
export class TcpReassembler {
  private readonly holeTimeout: bigint;
  private readonly holeTimeoutAcked: bigint;
  private readonly idleTimeout: bigint;
  private readonly linger: bigint;
  private readonly maxPerConn: number;
  private readonly maxTotal: number;
  private readonly maxConns: number;
  /** Packet time between sweeps, which is also how often a busy connection moves in the LRU order. */
  private readonly touchStep: bigint;
  /**
   * Active connections by a hash of their addresses and ports (a small integer, a cheap Map key),
   * each bucket a chain through {@link Conn.bucketNext} checked against the ports and addresses:
   * one Map lookup per packet, where nested Maps by address, address and ports cost three (and
   * building one key string per packet was half the cost of a packet). The hash is seeded per
   * reassembler, so a capture made to collide (a flood from one port pair) cannot make chains long.
   */
  private readonly index = new Map<number, Conn>();
  private readonly seed = (Math.random() * 0x100000000) | 0;
  /** Active connections, roughly least recently active first. */
  private readonly conns = new Set<Conn>();
  /** Closed connections still absorbing late packets: key → when they are forgotten. */
  private readonly closed = new Map<string, bigint>();
  /** Directions holding out-of-order data, oldest hole first. */
  private readonly holding = new Set<Half>();
  private totalBuffered = 0;
  private nextId = 0;
  private now = 0n;
  private nowFrame = 0;
  private nextSweep = 0n;
  /** Sweeps so far: the current LRU interval (see {@link Conn.touchEpoch}). */
  private epoch = 0;
  private jumped = false;
  /** `now` + a day, refreshed at each sweep: a timestamp past it is a suspicious jump. */
  private jumpLimit = 0n;
  /** Counters over the whole run. */
  readonly totals: ReassemblerTotals;
  private readonly clients: readonly ClientDecider[];

  constructor(
    options: ReassembleTcpOptions,
    private readonly emit: (event: StreamEvent) => void,
  ) {
    this.totals = options.totals ?? createReassemblerTotals();
    this.clients = options.clients ?? [];
    const ms = (name: Exclude<keyof ReassembleTcpOptions, 'totals' | 'clients'>, dflt: number): bigint => BigInt(Math.round(positive(options, name, dflt) * 1e6));
    this.holeTimeout = ms('holeTimeoutMs', 3000);
    this.holeTimeoutAcked = ms('holeTimeoutAckedMs', 60_000);
    this.idleTimeout = ms('idleTimeoutMs', 300_000);
    this.linger = ms('closedLingerMs', 5000);
    this.maxPerConn = positive(options, 'maxBufferedPerConnection', 4 * 1024 * 1024);
    this.maxTotal = positive(options, 'maxBufferedTotal', 256 * 1024 * 1024);
    this.maxConns = positive(options, 'maxConnections', 262_144);
    const step = this.holeTimeout < this.idleTimeout ? this.holeTimeout : this.idleTimeout;
    this.touchStep = step / 4n;
  }

  /** Connections currently tracked (open ones, not the closed ones lingering). */
  get activeConnections(): number {
    return this.conns.size;
  }

  /** Closed connections remembered for {@link ReassembleTcpOptions.closedLingerMs} (4-tuple only). */
  get lingeringConnections(): number {
    return this.closed.size;
  }

  /** Feeds one packet. Packets without a decoded TCP layer are ignored. */
  push(packet: Packet): void {
    const layers = packet.layers;
    let i = layers.length - 1;
    const t = layers[i];
    if (t === undefined || t.protocol !== 'tcp') return;
    let ip = layers[--i];
    while (ip !== undefined && ip.protocol !== 'ipv4' && ip.protocol !== 'ipv6') ip = layers[--i];
    if (ip === undefined || (ip.protocol !== 'ipv4' && ip.protocol !== 'ipv6')) return;
    const frame = packet.frame;
    const ts = frame.timestamp;
    // BigInt arithmetic allocates: the per-packet path only compares against precomputed limits.
    if (ts > this.now) {
      // One timestamp far ahead of the rest (a corrupt record) must not age every connection out
      // at once: a jump over a day moves the clock only when the next packet confirms it.
      const jump = ts > this.jumpLimit && this.now !== 0n;
      if (!jump || this.jumped) {
        this.now = ts;
        this.jumped = false;
        if (jump || this.jumpLimit === 0n) this.jumpLimit = ts + MAX_CLOCK_JUMP;
      } else this.jumped = true;
    } else this.jumped = false;
    this.nowFrame = frame.frameNumber;
    if (this.now >= this.nextSweep) this.sweep();
    this.segment(ip.protocol === 'ipv4' ? 4 : 6, ip.src, ip.dst, t, ts, frame.frameNumber);
  }

  /** End of input: flushes and closes every open connection (reason `end`), in order of first sight. */
  end(): void {
    const open = [...this.conns.values()].sort((a, b) => a.id - b.id);
    for (const c of open) this.close(c, 'end', this.now, this.nowFrame);
    this.closed.clear();
  }

  private segment(family: 4 | 6, src: string, dst: string, t: TcpLayer, ts: bigint, frame: number): void {
    const sp = t.srcPort;
    const dp = t.dstPort;
    const forward = src < dst || (src === dst && sp <= dp);
    const lo = forward ? src : dst;
    const hi = forward ? dst : src;
    const loPort = forward ? sp : dp;
    const hiPort = forward ? dp : sp;
    const flags = t.flags;
    const syn = (flags & TcpFlag.SYN) !== 0;
    const ackFlag = (flags & TcpFlag.ACK) !== 0;
    const bucket = connectionBucket(this.seed, lo, hi, loPort, hiPort);
    let c = this.index.get(bucket);
    while (c !== undefined && (c.loPort !== loPort || c.hiPort !== hiPort || c.lo !== lo || c.hi !== hi)) c = c.bucketNext;
    if (c !== undefined && syn && !ackFlag) {
      // A new SYN on a tracked 4-tuple with another ISN: the port was reused before we saw a close.
      const h = c.halves[c.ends[0].port === sp && c.ends[0].address === src ? 0 : 1];
      if (h.started && h.offsetOf(t.seq + 1) !== 0) {
        this.close(c, 'idle', ts, frame);
        c = undefined;
      }
    }
    if (c === undefined) {
      const key = `${lo} ${hi} ${loPort} ${hiPort}`;
      if (this.closed.has(key)) {
        if (!(syn && !ackFlag)) {
          // A late packet of a closed connection: the last ACK, a retransmission.
          if (t.payload.length > 0) this.totals.afterClose++;
          return;
        }
        this.closed.delete(key);
      }
      if (this.conns.size >= this.maxConns) this.evictOne(ts, frame);
      const ends: [Endpoint, Endpoint] = forward
        ? [{ address: src, port: sp }, { address: dst, port: dp }]
        : [{ address: dst, port: dp }, { address: src, port: sp }];
      c = new Conn(lo, hi, loPort, hiPort, bucket, this.nextId++, family, ends);
      c.touched = ts;
      c.touchEpoch = this.epoch;
      this.totals.connections++;
      this.conns.add(c);
      c.bucketNext = this.index.get(bucket);
      this.index.set(bucket, c);
    } else if (c.touchEpoch !== this.epoch) {
      // Keep the set in rough least-recently-active order without moving entries on every packet.
      this.conns.delete(c);
      this.conns.add(c);
      c.touched = ts;
      c.touchEpoch = this.epoch;
    }
    c.lastTs = ts;
    const side: 0 | 1 = forward ? 0 : 1;
    const half = forward ? c.h0 : c.h1;
    const peer = forward ? c.h1 : c.h0;
    let seq = t.seq;
    if (syn) {
      // RFC 9293 §3.4: the SYN occupies one sequence number; data starts after it.
      if (!half.started) {
        half.started = true;
        half.nextSeq = (seq + 1) >>> 0;
      }
      seq = (seq + 1) >>> 0;
      if (c.connection === undefined) this.decide(c, ackFlag ? (side === 0 ? 1 : 0) : side, 'syn', ts, frame);
    } else if (!half.started) {
      // Midstream pickup: the first sequence number seen from this side is stream offset 0.
      half.started = true;
      half.nextSeq = seq;
    }
    if (ackFlag && peer.started) this.acknowledge(peer, t.ack);
    const payload = t.payload;
    if (payload.length > 0) {
      if (c.connection === undefined) this.decideByPayload(c, side, payload, ts, frame);
      this.data(half, half.offsetOf(seq), payload, ts, frame);
    }
    if ((flags & TcpFlag.FIN) !== 0 && half.finAt < 0) {
      half.finAt = half.offsetOf(seq) + payload.length + t.truncatedBytes;
    }
    if ((flags & TcpFlag.RST) !== 0) {
      half.rst = true;
      this.close(c, 'rst', ts, frame);
      return;
    }
    if (c.h0.finished && c.h1.finished) this.close(c, 'fin', ts, frame);
  }

  /** The peer acknowledged up to `ack`: a hole below it will never be seen (RFC 9293 §3.4). */
  private acknowledge(h: Half, ack: number): void {
    // An ACK far beyond anything sent is garbage (a corrupt or forged segment): ignore it.
    if (h.offsetOf(ack) - h.next > MAX_AHEAD) return;
    if (!h.acked || ((ack - h.ackSeq) | 0) > 0) {
      h.ackSeq = ack;
      h.acked = true;
    }
    if (h.segs.length === 0) return;
    let upTo = h.offsetOf(h.ackSeq);
    if (h.finAt >= 0 && upTo > h.finAt) upTo = h.finAt;
    while (h.segs.length > 0 && upTo > h.next) this.skipHole(h, upTo);
  }

  private data(h: Half, off: number, bytes: Uint8Array, ts: bigint, frame: number): void {
    const next = h.next;
    let end = off + bytes.length;
    if (end <= next) {
      this.repeated(h, off, bytes);
      return;
    }
    if (off < next) {
      this.repeated(h, off, bytes.subarray(0, next - off));
      bytes = bytes.subarray(next - off);
      off = next;
    }
    if (off - next > MAX_AHEAD) {
      this.totals.implausibleSegments++;
      h.stats.droppedBytes += bytes.length;
      return;
    }
    if (off === next && h.segs.length === 0) {
      this.deliver(h, bytes, ts, frame);
      return;
    }
    end = off + bytes.length;
    this.insert(h, off, end, bytes, ts, frame);
    this.drain(h);
    this.enforceCaps(h);
  }

  /** Bytes below the delivered edge: a retransmission, or late data for a hole already given up. */
  private repeated(h: Half, off: number, bytes: Uint8Array): void {
    const end = off + bytes.length;
    let late = 0;
    const g = h.gaps;
    for (let i = 0; i < g.length; i += 2) {
      const s = Math.max(off, g[i]!);
      const e = Math.min(end, g[i + 1]!);
      if (e > s) late += e - s;
    }
    if (late > 0) {
      h.stats.lateBytes! += late;
      h.stats.droppedBytes += late;
    }
    if (late < bytes.length) h.stats.retransmitted++;
    const last = h.last;
    if (last !== undefined && h.lastLength > 0) {
      const s = Math.max(off, h.lastAt);
      const e = Math.min(end, h.lastAt + h.lastLength);
      if (e > s) h.stats.overlapConflicts += differing(bytes, s - off, last, s - h.lastAt, e - s);
    }
  }

  /**
   * Buffers the parts of [off, end) not already buffered; the first copy wins. What waits is
   * copied: a view would keep its whole read chunk alive (a 100-byte segment holding 1 MiB), so
   * the buffer caps would not bound memory.
   */
  private insert(h: Half, off: number, end: number, bytes: Uint8Array, ts: bigint, frame: number): void {
    const segs = h.segs;
    // Binary search for the first segment ending after `off`.
    let lo = 0;
    let hi = segs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = segs[mid]!;
      if (s.offset + s.bytes.length <= off) lo = mid + 1;
      else hi = mid;
    }
    let cur = off;
    let i = lo;
    let overlapped = false;
    let added = 0;
    while (cur < end) {
      const s = segs[i];
      if (s === undefined || s.offset >= end) {
        segs.splice(i, 0, { offset: cur, bytes: copyBytes(bytes.subarray(cur - off, end - off)), ts, frame });
        added += end - cur;
        break;
      }
      if (s.offset > cur) {
        segs.splice(i, 0, { offset: cur, bytes: copyBytes(bytes.subarray(cur - off, s.offset - off)), ts, frame });
        added += s.offset - cur;
        i++;
        cur = s.offset;
      }
      // Overlap with an earlier copy: keep it, count the bytes that differ.
      const sEnd = s.offset + s.bytes.length;
      const e = Math.min(end, sEnd);
      h.stats.overlapConflicts += differing(bytes, cur - off, s.bytes, cur - s.offset, e - cur);
      overlapped = true;
      cur = e;
      i++;
    }
    if (overlapped) h.stats.retransmitted++;
    if (added > 0) {
      if (h.buffered === 0) {
        h.holeSince = ts;
        this.holding.add(h);
      }
      h.buffered += added;
      h.conn.buffered += added;
      this.totalBuffered += added;
    }
  }

  /** Delivers buffered segments that now start at or before the delivered edge. */
  private drain(h: Half): void {
    const segs = h.segs;
    let n = 0;
    while (n < segs.length && segs[n]!.offset <= h.next) {
      const s = segs[n++]!;
      const len = s.bytes.length;
      this.unbuffer(h, len);
      const end = s.offset + len;
      if (end <= h.next) continue; // defensive: buffered data always starts at or after `next`
      this.deliver(h, s.offset < h.next ? s.bytes.subarray(h.next - s.offset) : s.bytes, s.ts, s.frame);
    }
    if (n > 0) segs.splice(0, n);
    if (segs.length === 0) this.holding.delete(h);
  }

  private unbuffer(h: Half, len: number): void {
    h.buffered -= len;
    h.conn.buffered -= len;
    this.totalBuffered -= len;
  }

  private deliver(h: Half, bytes: Uint8Array, ts: bigint, frame: number): void {
    const c = h.conn;
    const offset = h.next;
    const kept = bytes.length < LAST_KEPT ? bytes.length : LAST_KEPT;
    let last = h.last;
    if (last === undefined || last.length < kept) {
      // Grown in steps of powers of two, so a connection settles on one buffer.
      h.last = last = new Uint8Array(Math.min(LAST_KEPT, Math.max(64, 1 << (32 - Math.clz32(kept - 1)))));
    }
    last.set(kept === bytes.length ? bytes : bytes.subarray(bytes.length - kept));
    h.lastLength = kept;
    h.lastAt = offset + bytes.length - kept;
    h.next = offset + bytes.length;
    h.nextSeq = (h.nextSeq + bytes.length) >>> 0;
    h.stats.bytes += bytes.length;
    this.emit({ type: 'data', connection: c.connection!, dir: c.dir(h.side), bytes, offset, ts, frame });
  }

  /** Gives up on the hole at the delivered edge: a gap up to the next buffered byte (or `upTo`). */
  private skipHole(h: Half, upTo = Infinity): void {
    const first = h.segs[0];
    const to = first === undefined ? upTo : Math.min(first.offset, upTo);
    if (to > h.next) this.gap(h, to);
    this.drain(h);
    if (h.segs.length > 0) {
      // Another hole behind the data just delivered: its wait starts now.
      h.holeSince = this.now;
      this.holding.delete(h);
      this.holding.add(h);
    }
  }

  private gap(h: Half, to: number): void {
    const c = h.conn;
    const length = to - h.next;
    const g = h.gaps;
    if (g.length >= RECENT_GAPS * 2) g.splice(0, 2);
    g.push(h.next, to);
    h.stats.gaps++;
    h.stats.gapBytes += length;
    this.emit({ type: 'gap', connection: c.connection!, dir: c.dir(h.side), offset: h.next, length, ts: this.now, frame: this.nowFrame });
    h.next = to;
    h.nextSeq = (h.nextSeq + length) >>> 0;
    h.lastLength = 0;
  }

  private enforceCaps(h: Half): void {
    const c = h.conn;
    while (c.buffered > this.maxPerConn) {
      const victim = h.segs.length > 0 ? h : c.halves[h.side === 0 ? 1 : 0];
      this.totals.capGaps++;
      this.skipHole(victim);
    }
    while (this.totalBuffered > this.maxTotal) {
      const oldest = this.holding.values().next().value as Half;
      this.totals.capGaps++;
      this.skipHole(oldest);
      this.afterProgress(oldest.conn);
    }
    this.afterProgress(c);
  }

  private afterProgress(c: Conn): void {
    if (!c.closed && c.halves[0].finished && c.halves[1].finished) this.close(c, 'fin', this.now, this.nowFrame);
  }

  /** Timeouts in packet time: holes waited long enough, idle connections, lingering closed ones. */
  private sweep(): void {
    const now = this.now;
    this.nextSweep = now + (this.touchStep > 0n ? this.touchStep : 1n);
    this.epoch++;
    this.jumpLimit = now + MAX_CLOCK_JUMP;
    // Holes are few (directions with data waiting right now), so each sweep looks at all of them.
    for (const h of this.holding) {
      if (h.holeSince + (h.acked ? this.holeTimeoutAcked : this.holeTimeout) > now) continue;
      this.skipHole(h);
      this.afterProgress(h.conn);
    }
    for (const c of this.conns) {
      if (c.touched + this.idleTimeout > now) break;
      if (c.lastTs + this.idleTimeout <= now) this.close(c, 'idle', now, this.nowFrame);
      else {
        this.conns.delete(c);
        this.conns.add(c);
        c.touched = c.lastTs;
        c.touchEpoch = this.epoch;
      }
    }
    for (const [key, until] of this.closed) {
      if (until > now) break;
      this.closed.delete(key);
    }
  }

  private evictOne(ts: bigint, frame: number): void {
    const oldest = this.conns.values().next().value;
    if (oldest === undefined) return;
    this.totals.evicted++;
    this.close(oldest, 'idle', ts, frame);
  }

  private decideByPayload(c: Conn, side: 0 | 1, payload: Uint8Array, ts: bigint, frame: number): void {
    for (const d of this.clients) {
      const verdict = d.decide(payload);
      if (verdict === undefined) continue;
      this.decide(c, verdict === 'sender' ? side : side === 0 ? 1 : 0, d.name, ts, frame);
      return;
    }
    this.decideByPort(c, ts, frame);
  }

  private decideByPort(c: Conn, ts: bigint, frame: number): void {
    this.decide(c, c.ends[1].port > c.ends[0].port ? 1 : 0, 'port', ts, frame);
  }

  private decide(c: Conn, client: 0 | 1, by: ClientDecision, ts: bigint, frame: number): void {
    c.clientSide = client;
    const server = client === 0 ? 1 : 0;
    c.connection = { id: c.id, family: c.family, client: c.ends[client], server: c.ends[server], clientBy: by };
    this.emit({ type: 'open', connection: c.connection, ts, frame });
  }

  /** Takes a connection out of its index bucket's chain. */
  private unindex(c: Conn): void {
    const head = this.index.get(c.bucket);
    if (head === c) {
      if (c.bucketNext === undefined) this.index.delete(c.bucket);
      else this.index.set(c.bucket, c.bucketNext);
    } else {
      let p = head;
      while (p !== undefined && p.bucketNext !== c) p = p.bucketNext;
      if (p !== undefined) p.bucketNext = c.bucketNext;
    }
    c.bucketNext = undefined;
  }

  private close(c: Conn, reason: CloseReason, ts: bigint, frame: number): void {
    if (c.closed) return;
    c.closed = true;
    if (c.connection === undefined) this.decideByPort(c, ts, frame);
    for (const h of c.halves) {
      while (h.segs.length > 0) this.skipHole(h);
      // Bytes the sender's FIN or the receiver's ACK prove were sent but never captured.
      let sent = h.finAt;
      if (sent < 0 && h.acked) {
        const acked = h.offsetOf(h.ackSeq);
        if (acked - h.next <= MAX_AHEAD) sent = acked;
      }
      if (sent > h.next) this.gap(h, sent);
      this.holding.delete(h);
      h.last = undefined;
      h.lastLength = 0;
      h.stats.close = h.rst ? 'rst' : h.finAt >= 0 ? 'fin' : reason;
    }
    this.conns.delete(c);
    this.unindex(c);
    const key = `${c.lo} ${c.hi} ${c.loPort} ${c.hiPort}`;
    this.closed.delete(key);
    // Only a FIN or RST ends the 4-tuple: after an idle close, a packet starts a new connection.
    if (reason === 'fin' || reason === 'rst') this.closed.set(key, this.now + this.linger);
    const cs = c.halves[c.clientSide].stats;
    const ss = c.halves[c.clientSide === 0 ? 1 : 0].stats;
    this.emit({ type: 'close', connection: c.connection!, reason, stats: { c2s: cs, s2c: ss }, ts, frame });
  }
}

/**
 * The index bucket of a connection: a seeded FNV-1a hash of its addresses and port pair, folded
 * to 16 bits (a small integer for V8; at the default cap of 262,144 connections, chains of 4 on
 * average). Hashing some 20 characters costs less than the Map lookups it replaces.
 *
 * @internal exported for tests.
 */
export function connectionBucket(seed: number, lo: string, hi: string, loPort: number, hiPort: number): number {
  let h = seed ^ 0x811c9dc5;
  for (let i = 0; i < lo.length; i++) h = Math.imul(h ^ lo.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0x20, 0x01000193);
  for (let i = 0; i < hi.length; i++) h = Math.imul(h ^ hi.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ loPort, 0x01000193);
  h = Math.imul(h ^ hiPort, 0x01000193);
  return (h ^ (h >>> 16)) & 0xffff;
}

/** Counts the bytes of a[ai…ai+n) that differ from b[bi…bi+n). */
function differing(a: Uint8Array, ai: number, b: Uint8Array, bi: number, n: number): number {
  let d = 0;
  for (let k = 0; k < n; k++) if (a[ai + k] !== b[bi + k]) d++;
  return d;
}

function positive(options: ReassembleTcpOptions, name: Exclude<keyof ReassembleTcpOptions, 'totals' | 'clients'>, dflt: number): number {
  const v = options[name];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !(v > 0)) {
    throw new NetrxError('ERR_INVALID_OPTION', `reassembleTcp: ${name} must be a positive number, not ${String(v)}`);
  }
  return v;
}
