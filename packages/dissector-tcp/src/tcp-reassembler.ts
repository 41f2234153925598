import type { ClientDecider, ClientDecision, CloseReason, DirectionStats, MemoryBudget, Packet, StreamEvent } from '@netrx/core';
import { ConnectionTable, tupleKey } from './connection-table.js';
import { PacketClock } from './packet-clock.js';
import { CONNECTION_COST, createReassemblerTotals, reassemblerLimits, type ReassembleTcpOptions, type ReassemblerTotals } from './reassembler-options.js';
import { StreamDelivery } from './stream-delivery.js';
import { TcpFlag, type TcpLayer } from './tcp.js';
import { TcpConnection } from './tcp-connection.js';
import { newStats } from './tcp-half.js';
import { seqAdd } from './tcp-sequence.js';

/**
 * TCP stream reassembly as an I/O-free state machine: feed it packets with {@link push} in capture
 * order and call {@link end} at the end of input; it calls `emit` with `open`, `data`, `gap` and
 * `close` events, synchronously. `reassembleTcp(registry)` wraps it as an operator.
 *
 * A connection is its two endpoints and the tunnel its packets came through (`Packet.tunnel`):
 * the same endpoints in two tunnels (two tenants' 10.0.0.1) are two connections, and a
 * tunnelled connection says which in `Connection.via.tunnel`.
 *
 * Per connection and direction, in packet time: in-order data is passed through as a view of the
 * frame; out-of-order segments wait in a bounded buffer; bytes seen twice keep the first copy
 * (retransmissions are counted, differing bytes counted as conflicts); a hole becomes a `gap`
 * when the peer acknowledges past it, when it has waited `holeTimeoutMs`, when a buffer cap is
 * reached, or at close. Directions never wait on each other.
 *
 * Memory: with `options.budget` (core's `MemoryBudget`), open connections and waiting segments
 * draw on the pipeline's budget, and when it is reached the least recently active connections are
 * closed (see {@link ReassembleTcpOptions.budget}); a connection's halves, buffers and counters
 * are made on first use, so one that only sent a SYN costs a few hundred bytes. Out-of-order
 * segments wait in a skip list: N segments cost O(N log N) whatever their order.
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
  private readonly maxConns: number;
  private readonly sweepStep: bigint;
  private readonly table = new ConnectionTable();
  private readonly clock = new PacketClock();
  /** The connections' byte streams: delivery, out-of-order data, holes and the caps. */
  private readonly out: StreamDelivery;
  private nextId = 0;
  /** The frame {@link advance} saw last, until it is pushed: {@link push} does not count it twice. */
  private advancedFrame = -1;
  /** Counters over the whole run. */
  readonly totals: ReassemblerTotals;
  private readonly clients: readonly ClientDecider[];
  private readonly budget: MemoryBudget | undefined;
  private readonly unregister: (() => void) | undefined;

  constructor(
    options: ReassembleTcpOptions,
    private readonly emit: (event: StreamEvent) => void,
  ) {
    const limits = reassemblerLimits(options);
    this.holeTimeout = limits.holeTimeout;
    this.holeTimeoutAcked = limits.holeTimeoutAcked;
    this.idleTimeout = limits.idleTimeout;
    this.linger = limits.linger;
    this.maxConns = limits.maxConnections;
    this.sweepStep = limits.sweepStep;
    this.totals = options.totals ?? createReassemblerTotals();
    this.clients = options.clients ?? [];
    this.budget = options.budget;
    this.out = new StreamDelivery(limits.maxPerConnection, limits.maxTotal, this.totals, this.budget, this.clock, emit, (c) => this.afterProgress(c));
    this.unregister = this.budget?.onPressure((bytes) => this.reclaim(bytes));
  }

  /**
   * Lets go of the budget without closing anything (the subscription ended early): gives back
   * what the open connections drew and removes the reclaimer. {@link end} does it too.
   */
  dispose(): void {
    this.unregister?.();
    const budget = this.budget;
    if (budget === undefined) return;
    for (const c of this.table.byActivity()) {
      budget.release(c.drawn);
      c.drawn = 0;
    }
  }

  /** Connections currently tracked (open ones, not the closed ones lingering). */
  get activeConnections(): number {
    return this.table.size;
  }

  /** Closed connections remembered for {@link ReassembleTcpOptions.closedLingerMs} (4-tuple only). */
  get lingeringConnections(): number {
    return this.table.lingering;
  }

  /**
   * Feeds one packet. Every packet moves the packet clock (timeouts run on the capture's time,
   * whatever protocol fills it); packets without a decoded TCP layer are otherwise ignored.
   */
  push(packet: Packet): void {
    const frame = packet.frame;
    const ts = frame.timestamp;
    if (frame.frameNumber === this.advancedFrame) this.advancedFrame = -1;
    else this.moveClock(ts, frame.frameNumber);
    const layers = packet.layers;
    let i = layers.length - 1;
    const t = layers[i];
    if (t === undefined || t.protocol !== 'tcp') return;
    let ip = layers[--i];
    while (ip !== undefined && ip.protocol !== 'ipv4' && ip.protocol !== 'ipv6') ip = layers[--i];
    if (ip === undefined || (ip.protocol !== 'ipv4' && ip.protocol !== 'ipv6')) return;
    this.segment(ip.protocol === 'ipv4' ? 4 : 6, ip.src, ip.dst, t, ts, frame.frameNumber, packet.tunnel);
  }

  /**
   * Moves the packet clock to a frame's time, as {@link push} does first with every packet, and
   * runs the timeouts that are due (emitting what they close or cut). A frame advanced here is
   * not advanced again when it is pushed next. For a parallel run: each worker sees only its share
   * of the packets, and advances its clock with the time of every other packet, so that timeouts
   * fire at the same packet as in one thread.
   */
  advance(ts: bigint, frameNumber: number): void {
    this.moveClock(ts, frameNumber);
    this.advancedFrame = frameNumber;
  }

  private moveClock(ts: bigint, frameNumber: number): void {
    if (this.clock.move(ts, frameNumber)) this.sweep();
  }

  /** End of input: flushes and closes every open connection (reason `end`), in order of first sight. */
  end(): void {
    const open = [...this.table.byActivity()].sort((a, b) => a.id - b.id);
    for (const c of open) this.close(c, 'end', this.clock.now, this.clock.frame);
    this.table.clearLingering();
    this.unregister?.();
  }

  private segment(family: 4 | 6, src: string, dst: string, t: TcpLayer, ts: bigint, frame: number, tunnel: string | undefined): void {
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
    const table = this.table;
    const bucket = table.bucketOf(lo, hi, loPort, hiPort, tunnel);
    let c = table.find(bucket, lo, hi, loPort, hiPort, tunnel);
    if (c !== undefined && syn && !ackFlag) {
      // A new SYN on a tracked 4-tuple with another ISN: the port was reused before we saw a close.
      const h = forward ? c.h0 : c.h1;
      if (h !== undefined && h.started && h.offsetOf(seqAdd(t.seq, 1)) !== 0) {
        this.close(c, 'idle', ts, frame);
        c = undefined;
      }
    }
    if (c === undefined) {
      const key = tupleKey(lo, hi, loPort, hiPort, tunnel);
      if (table.isLingering(key)) {
        if (!(syn && !ackFlag)) {
          // A late packet of a closed connection: the last ACK, a retransmission.
          if (t.payload.length > 0) this.totals.afterClose++;
          return;
        }
        table.unlinger(key);
      }
      if (table.size >= this.maxConns) this.evictOne(ts, frame);
      if (this.budget !== undefined) {
        // Any open connection may be closed to make room for this one.
        this.out.busy = undefined;
        if (!this.budget.take(CONNECTION_COST)) {
          this.totals.budgetRefused++;
          return;
        }
      }
      c = new TcpConnection(lo, hi, loPort, hiPort, bucket, this.nextId++, family, tunnel);
      c.drawn = this.budget === undefined ? 0 : CONNECTION_COST;
      c.firstTs = ts;
      this.totals.connections++;
      table.add(c, ts);
    } else table.touch(c, ts);
    c.lastTs = ts;
    this.out.busy = c;
    const side: 0 | 1 = forward ? 0 : 1;
    const half = c.half(side);
    const peer = forward ? c.h1 : c.h0;
    half.packets++;
    let seq = t.seq;
    if (syn) {
      // RFC 9293 §3.4: the SYN occupies one sequence number; data starts after it.
      seq = seqAdd(seq, 1);
      if (!half.started) half.start(seq);
      if (c.connection === undefined) this.decide(c, ackFlag ? (side === 0 ? 1 : 0) : side, 'syn', ts, frame);
    } else if (!half.started) {
      // Midstream pickup: the first sequence number seen from this side is stream offset 0.
      half.start(seq);
    }
    if (ackFlag && peer !== undefined && peer.started) this.out.acknowledge(peer, t.ack);
    const payload = t.payload;
    if (payload.length > 0) {
      if (c.connection === undefined) this.decideByPayload(c, side, payload, ts, frame);
      this.out.data(half, half.offsetOf(seq), payload, ts, frame);
    }
    if ((flags & TcpFlag.FIN) !== 0 && half.finAt < 0) {
      half.finAt = half.offsetOf(seq) + payload.length + t.truncatedBytes;
    }
    if ((flags & TcpFlag.RST) !== 0) {
      half.rst = true;
      this.close(c, 'rst', ts, frame);
      return;
    }
    if (c.finished) this.close(c, 'fin', ts, frame);
  }

  private afterProgress(c: TcpConnection): void {
    if (!c.closed && c.finished) this.close(c, 'fin', this.clock.now, this.clock.frame);
  }

  /**
   * Timeouts in packet time: holes waited long enough, idle connections, lingering closed ones.
   * What is due is handled connection by connection in the order of their ids (a connection's
   * holes, then its idle close), so the events a sweep emits come in an order that does not depend
   * on which other connections the reassembler holds (a parallel run's workers each hold some).
   */
  private sweep(): void {
    const now = this.clock.now;
    this.clock.swept(this.sweepStep);
    this.table.nextInterval();
    let due: TcpConnection[] | undefined;
    // Holes are few (directions with data waiting right now), so each sweep looks at all of them.
    for (const h of this.out.holding) {
      if (h.holeSince + (h.acked ? this.holeTimeoutAcked : this.holeTimeout) > now) continue;
      (due ??= []).push(h.conn);
    }
    let idle: Set<TcpConnection> | undefined;
    for (const c of this.table.byActivity()) {
      if (c.touched + this.idleTimeout > now) break;
      if (c.lastTs + this.idleTimeout <= now) {
        (idle ??= new Set()).add(c);
        (due ??= []).push(c);
      }
    }
    // Not idle after all: active since it last moved in the order.
    for (const c of this.table.byActivity()) {
      if (c.touched + this.idleTimeout > now) break;
      if (c.lastTs + this.idleTimeout > now) this.table.moveToBack(c, c.lastTs);
    }
    if (due !== undefined) {
      due.sort((a, b) => a.id - b.id);
      let last: TcpConnection | undefined;
      for (const c of due) {
        if (c === last || c.closed) continue;
        last = c;
        for (const h of [c.h0, c.h1]) {
          if (h === undefined || h.waiting === 0 || !this.out.holding.has(h) || h.holeSince + (h.acked ? this.holeTimeoutAcked : this.holeTimeout) > now) continue;
          this.out.skipHole(h);
          this.afterProgress(c);
          if (c.closed) break;
        }
        if (!c.closed && idle?.has(c) === true) this.close(c, 'idle', now, this.clock.frame);
      }
    }
    this.table.expireLingering(now);
  }

  private evictOne(ts: bigint, frame: number): void {
    const oldest = this.table.oldest();
    if (oldest === undefined) return;
    this.totals.evicted++;
    this.close(oldest, 'idle', ts, frame);
  }

  /** The first `tcp.client` entry that knows decides who the client is; else the port does. */
  private decideByPayload(c: TcpConnection, side: 0 | 1, payload: Uint8Array, ts: bigint, frame: number): void {
    for (const d of this.clients) {
      const verdict = d.decide(payload);
      if (verdict === undefined) continue;
      this.decide(c, verdict === 'sender' ? side : side === 0 ? 1 : 0, d.name, ts, frame);
      return;
    }
    this.decideByPort(c, ts, frame);
  }

  private decideByPort(c: TcpConnection, ts: bigint, frame: number): void {
    this.decide(c, c.hiPort > c.loPort ? 1 : 0, 'port', ts, frame);
  }

  private decide(c: TcpConnection, client: 0 | 1, by: ClientDecision, ts: bigint, frame: number): void {
    c.clientSide = client;
    const server = client === 0 ? 1 : 0;
    const base = { id: c.id, family: c.family, client: c.end(client), server: c.end(server), clientBy: by };
    // The tunnel is written into every JSON line about the connection (Connection.via).
    c.connection = c.tunnel === undefined ? base : { ...base, via: { tunnel: c.tunnel } };
    this.emit({ type: 'open', connection: c.connection, ts, frame });
  }

  private close(c: TcpConnection, reason: CloseReason, ts: bigint, frame: number): void {
    if (c.closed) return;
    c.closed = true;
    const out = this.out;
    const busy = out.busy;
    out.busy = c;
    if (c.connection === undefined) this.decideByPort(c, ts, frame);
    for (const h of [c.h0, c.h1]) {
      if (h === undefined) continue;
      while (h.waiting > 0) out.skipHole(h);
      // Bytes the sender's FIN or the receiver's ACK prove were sent but never captured.
      const sent = h.sentTo;
      if (sent > h.next) out.gap(h, sent);
      out.holding.delete(h);
      h.recordClose(reason);
    }
    this.table.remove(c);
    const key = tupleKey(c.lo, c.hi, c.loPort, c.hiPort, c.tunnel);
    // Only a FIN or RST ends the 4-tuple: after an idle close, a packet starts a new connection.
    if (reason === 'fin' || reason === 'rst') this.table.linger(key, this.clock.now + this.linger);
    else this.table.unlinger(key);
    // A side never seen has zero counters, closed like the other.
    const cs = (c.clientSide === 0 ? c.h0 : c.h1)?.stats ?? closedStats(reason);
    const ss = (c.clientSide === 0 ? c.h1 : c.h0)?.stats ?? closedStats(reason);
    this.emit({ type: 'close', connection: c.connection!, reason, stats: { c2s: cs, s2c: ss }, ts, frame, firstSeen: c.firstTs, lastSeen: c.lastTs });
    out.busy = busy;
    if (this.budget !== undefined) {
      this.budget.release(c.drawn);
      c.drawn = 0;
    }
  }

  /**
   * The budget's reclaimer: closes the least recently active connections (never the busy one, or
   * one closing already), each flushing its buffers as gaps and ending its dissectors, until
   * `bytes` were given back (by them and by their dissectors). Returns the bytes given back.
   */
  private reclaim(bytes: number): number {
    const budget = this.budget!;
    const before = budget.used;
    for (const c of this.table.byActivity()) {
      if (before - budget.used >= bytes) break;
      if (c === this.out.busy || c.closed) continue;
      this.totals.budgetEvicted++;
      this.close(c, 'idle', this.clock.now, this.clock.frame);
    }
    return before > budget.used ? before - budget.used : 0;
  }
}

/** The counters of a side that sent nothing, as its connection closes for `reason`. */
function closedStats(reason: CloseReason): DirectionStats {
  const stats = newStats();
  stats.close = reason;
  return stats;
}
