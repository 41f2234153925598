import type { MemoryBudget, StreamEvent } from '@netrx/core';
import { SEGMENT_COST, type ReassemblerTotals } from './reassembler-options.js';
import type { PacketClock } from './packet-clock.js';
import type { TcpConnection } from './tcp-connection.js';
import type { TcpHalf } from './tcp-half.js';
import { MAX_AHEAD } from './tcp-sequence.js';

/** What a half's segment list draws on the budget when it is made (it lives as long as the connection). */
const LIST_COST = 256;
/** What the copy of a half's last delivered bytes draws besides its length (its `ArrayBuffer`). */
const LAST_COST = 128;

/**
 * The byte streams of the reassembler's connections, direction by direction: in-order bytes
 * handed on as views of the packet, out-of-order segments held (as copies, drawn on the budget)
 * until the hole before them fills, holes given up as `gap` events (acknowledged, timed out,
 * over a cap, refused by the budget), and the caps on what is held per connection and in all.
 * The connections themselves (finding them, opening, closing, timeouts) are the reassembler's.
 *
 * @internal
 */
export class StreamDelivery {
  /** Directions holding out-of-order data, oldest hole first. */
  readonly holding = new Set<TcpHalf>();
  /**
   * The connection being worked on (whose packet is being handled, or whose events are being
   * emitted): the budget's reclaimer never closes it.
   */
  busy: TcpConnection | undefined;
  private totalBuffered = 0;

  constructor(
    private readonly maxPerConn: number,
    private readonly maxTotal: number,
    private readonly totals: ReassemblerTotals,
    private readonly budget: MemoryBudget | undefined,
    private readonly clock: PacketClock,
    private readonly emit: (event: StreamEvent) => void,
    /** Called when data moved on a connection: it may be finished now (both FINs reached). */
    private readonly onProgress: (c: TcpConnection) => void,
  ) {}

  /** The peer acknowledged up to `ack`: a hole below it will never be seen (RFC 9293 §3.4). */
  acknowledge(h: TcpHalf, ack: number): void {
    if (!h.acknowledge(ack) || h.waiting === 0) return;
    const upTo = h.ackedTo;
    while (h.waiting > 0 && upTo > h.next) this.skipHole(h, upTo);
  }

  /** Bytes of `h` at stream offset `off`: delivered, held out of order, or counted as seen before. */
  data(h: TcpHalf, off: number, bytes: Uint8Array, ts: bigint, frame: number): void {
    const next = h.next;
    if (off + bytes.length <= next) {
      h.repeated(off, bytes);
      return;
    }
    if (off < next) {
      h.repeated(off, bytes.subarray(0, next - off));
      bytes = bytes.subarray(next - off);
      off = next;
    }
    if (off - next > MAX_AHEAD) {
      this.totals.implausibleSegments++;
      h.stats.droppedBytes += bytes.length;
      return;
    }
    if (off === next && h.waiting === 0) {
      this.deliver(h, bytes, ts, frame);
      return;
    }
    if (this.budget !== undefined) {
      const cost = h.cost(off, off + bytes.length, SEGMENT_COST) + (h.ooo === undefined ? LIST_COST : 0);
      if (!this.budget.take(cost)) {
        this.deliverRefused(h, off, bytes, ts, frame);
        this.enforceCaps(h);
        return;
      }
      h.conn.drawn += cost;
    }
    const added = h.insert(off, off + bytes.length, bytes, ts, frame);
    if (added > 0) {
      if (h.buffered === added) this.holding.add(h);
      h.conn.buffered += added;
      this.totalBuffered += added;
    }
    this.drain(h);
    this.enforceCaps(h);
  }

  /** Delivers buffered segments that now start at or before the delivered edge. */
  private drain(h: TcpHalf): void {
    const list = h.ooo;
    if (list === undefined) return;
    let s;
    const budget = this.budget;
    while ((s = list.first) !== undefined && s.offset <= h.next) {
      list.shift();
      const len = s.bytes.length;
      if (budget !== undefined) {
        budget.release(len + SEGMENT_COST);
        h.conn.drawn -= len + SEGMENT_COST;
      }
      h.buffered -= len;
      h.conn.buffered -= len;
      this.totalBuffered -= len;
      const end = s.offset + len;
      if (end <= h.next) continue; // defensive: buffered data always starts at or after `next`
      this.deliver(h, s.offset < h.next ? s.bytes.subarray(h.next - s.offset) : s.bytes, s.ts, s.frame);
    }
    if (list.size === 0) this.holding.delete(h);
  }

  /** In-order bytes handed on (a view, valid during the call) and their tail kept for comparing retransmissions. */
  private deliver(h: TcpHalf, bytes: Uint8Array, ts: bigint, frame: number): void {
    const c = h.conn;
    const offset = h.next;
    const budget = this.budget;
    if (budget === undefined) {
      h.delivered(bytes);
      this.emit({ type: 'data', connection: c.connection!, dir: c.dir(h.side), bytes, offset, ts, frame });
      return;
    }
    const kept = h.last === undefined ? 0 : h.last.length;
    h.delivered(bytes);
    const grown = h.last!.length - kept;
    if (grown > 0) {
      // The copy kept to compare retransmissions with is only for counting conflicts: without
      // room for it, none is kept (what it drew before stays drawn until the close).
      const cost = grown + (kept === 0 ? LAST_COST : 0);
      if (budget.take(cost)) c.drawn += cost;
      else h.forgetLast();
    }
    const busy = this.busy;
    this.busy = c;
    this.emit({ type: 'data', connection: c.connection!, dir: c.dir(h.side), bytes, offset, ts, frame });
    this.busy = busy;
  }

  /**
   * The budget refused to hold [off, off + bytes.length) out of order: the holes before it become
   * gaps now, and it is delivered (past what is buffered, which stays) — never dropped unsaid.
   */
  private deliverRefused(h: TcpHalf, off: number, bytes: Uint8Array, ts: bigint, frame: number): void {
    if (h.next < off) this.totals.budgetGaps++;
    const end = off + bytes.length;
    while (h.next < end) {
      if (h.next < off) {
        this.skipHole(h, off);
        continue;
      }
      const first = h.ooo?.first;
      const stop = first === undefined || first.offset > end ? end : first.offset;
      if (stop > h.next) this.deliver(h, bytes.subarray(h.next - off, stop - off), ts, frame);
      this.drain(h);
    }
  }

  /** Gives up on the hole at the delivered edge: a gap up to the next buffered byte (or `upTo`). */
  skipHole(h: TcpHalf, upTo = Infinity): void {
    const first = h.ooo?.first;
    const to = first === undefined ? upTo : Math.min(first.offset, upTo);
    if (to > h.next) this.gap(h, to);
    this.drain(h);
    if (h.waiting > 0) {
      // Another hole behind the data just delivered: its wait starts now.
      h.holeSince = this.clock.now;
      this.holding.delete(h);
      this.holding.add(h);
    }
  }

  /** A gap from the delivered edge of `h` to `to`. */
  gap(h: TcpHalf, to: number): void {
    const c = h.conn;
    const offset = h.next;
    const length = h.skipped(to);
    const busy = this.busy;
    this.busy = c;
    this.emit({ type: 'gap', connection: c.connection!, dir: c.dir(h.side), offset, length, ts: this.clock.now, frame: this.clock.frame });
    this.busy = busy;
  }

  /** Holes become gaps while the connection or all of them hold more than the caps allow. */
  private enforceCaps(h: TcpHalf): void {
    const c = h.conn;
    while (c.buffered > this.maxPerConn) {
      const victim = h.waiting > 0 ? h : (h.side === 0 ? c.h1 : c.h0)!;
      this.totals.capGaps++;
      this.skipHole(victim);
    }
    while (this.totalBuffered > this.maxTotal) {
      const oldest = this.holding.values().next().value as TcpHalf;
      this.totals.capGaps++;
      this.skipHole(oldest);
      this.onProgress(oldest.conn);
    }
    this.onProgress(c);
  }
}
