import { copyBytes, type CloseReason, type DirectionStats } from '@netrx/core';
import { SegmentList } from './segment-list.js';
import type { TcpConnection } from './tcp-connection.js';
import { MAX_AHEAD, seqAdd, seqDiff } from './tcp-sequence.js';

/** Recent gaps remembered per direction, to tell late data from retransmissions. */
const RECENT_GAPS = 8;
/** Most bytes of the last delivered segment kept to compare retransmissions with (more than an MSS). */
const LAST_KEPT = 4096;

/**
 * One direction of a connection (gopacket's `halfconnection`): the bytes one side sends, mapped
 * from sequence numbers to stream offsets, with what is delivered, what waits out of order, what
 * the peer acknowledged and the counters. It keeps the books; the reassembler decides when bytes
 * are delivered and when a hole becomes a gap, and emits the events.
 */
export class TcpHalf {
  started = false;
  /** Sequence number (u32) of the next byte expected. */
  nextSeq = 0;
  /** Stream offset of the next byte expected: everything before it was delivered or reported as a gap. */
  next = 0;
  /**
   * Out-of-order data: sorted by offset, never overlapping. Made with the first segment that waits
   * (most directions never have one) and kept for the connection's life once made.
   */
  ooo: SegmentList | undefined;
  /** Out-of-order bytes waiting. */
  buffered = 0;
  /** Out-of-order segments waiting. */
  get waiting(): number {
    return this.ooo === undefined ? 0 : this.ooo.size;
  }
  /** Packet time since which the hole at {@link next} has been waiting. */
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
  /** Recent gap ranges as [start, end) pairs (made with the first gap). */
  gaps: number[] | undefined;
  /** Segments seen from this side (the stats' `packets`, kept here so a quiet side needs no stats object). */
  packets = 0;
  private counters: DirectionStats | undefined;

  constructor(
    readonly conn: TcpConnection,
    readonly side: 0 | 1,
  ) {}

  /**
   * This side's counters, made on first use: a side that only ever sent a SYN has none until its
   * connection closes.
   */
  get stats(): DirectionStats {
    return (this.counters ??= newStats());
  }

  /** Stream offset of a sequence number, relative to the next expected byte (handles wrap). */
  offsetOf(seq: number): number {
    return this.next + seqDiff(seq, this.nextSeq);
  }

  /** Whether every byte up to this side's FIN has been delivered or reported missing. */
  get finished(): boolean {
    return this.finAt >= 0 && this.next >= this.finAt;
  }

  /** Starts the stream: `seq` is the sequence number of stream offset 0. */
  start(seq: number): void {
    this.started = true;
    this.nextSeq = seq;
  }

  /**
   * The peer acknowledged up to `ack` (RFC 9293 §3.4). Returns false, remembering nothing, for an
   * ACK far beyond anything sent: garbage (a corrupt or forged segment).
   */
  acknowledge(ack: number): boolean {
    if (this.offsetOf(ack) - this.next > MAX_AHEAD) return false;
    if (!this.acked || seqDiff(ack, this.ackSeq) > 0) {
      this.ackSeq = ack;
      this.acked = true;
    }
    return true;
  }

  /** Stream offset up to which the peer acknowledged (at most this side's FIN). */
  get ackedTo(): number {
    const upTo = this.offsetOf(this.ackSeq);
    return this.finAt >= 0 && upTo > this.finAt ? this.finAt : upTo;
  }

  /**
   * Stream offset up to which bytes were sent, as the sender's FIN or the receiver's ACK proves,
   * or -1 when neither says.
   */
  get sentTo(): number {
    if (this.finAt >= 0 || !this.acked) return this.finAt;
    const acked = this.offsetOf(this.ackSeq);
    return acked - this.next <= MAX_AHEAD ? acked : -1;
  }

  /** Counts bytes below the delivered edge: a retransmission, or late data for a hole already given up. */
  repeated(off: number, bytes: Uint8Array): void {
    const end = off + bytes.length;
    const stats = this.stats;
    let late = 0;
    const g = this.gaps ?? NO_GAPS;
    for (let i = 0; i < g.length; i += 2) {
      const s = Math.max(off, g[i]!);
      const e = Math.min(end, g[i + 1]!);
      if (e > s) late += e - s;
    }
    if (late > 0) {
      stats.lateBytes! += late;
      stats.droppedBytes += late;
    }
    if (late < bytes.length) stats.retransmitted++;
    const last = this.last;
    if (last !== undefined && this.lastLength > 0) {
      const s = Math.max(off, this.lastAt);
      const e = Math.min(end, this.lastAt + this.lastLength);
      if (e > s) stats.overlapConflicts += differing(bytes, s - off, last, s - this.lastAt, e - s);
    }
  }

  /**
   * What {@link insert} of [off, end) would hold: the bytes not already buffered, plus
   * `perSegment` for each segment they would make.
   */
  cost(off: number, end: number, perSegment: number): number {
    let s = this.ooo?.firstEndingAfter(off);
    let cur = off;
    let added = 0;
    let pieces = 0;
    while (cur < end) {
      if (s === undefined || s.offset >= end) {
        added += end - cur;
        pieces++;
        break;
      }
      if (s.offset > cur) {
        added += s.offset - cur;
        pieces++;
      }
      cur = Math.min(end, s.offset + s.bytes.length);
      s = s.forward[0];
    }
    return added + pieces * perSegment;
  }

  /**
   * Buffers the parts of [off, end) not already buffered; the first copy wins. Returns the bytes
   * added. What waits is copied: a view would keep its whole read chunk alive (a 100-byte segment
   * holding 1 MiB), so the buffer caps would not bound memory.
   */
  insert(off: number, end: number, bytes: Uint8Array, ts: bigint, frame: number): number {
    const list = (this.ooo ??= new SegmentList());
    // The first segment that ends after `off`; from there on, a walk along the list.
    let s = list.firstEndingAfter(off);
    let cur = off;
    let overlapped = false;
    let added = 0;
    while (cur < end) {
      if (s === undefined || s.offset >= end) {
        list.insert(cur, copyBytes(bytes.subarray(cur - off, end - off)), ts, frame);
        added += end - cur;
        break;
      }
      if (s.offset > cur) {
        list.insert(cur, copyBytes(bytes.subarray(cur - off, s.offset - off)), ts, frame);
        added += s.offset - cur;
        cur = s.offset;
      }
      // Overlap with an earlier copy: keep it, count the bytes that differ.
      const sEnd = s.offset + s.bytes.length;
      const e = Math.min(end, sEnd);
      this.stats.overlapConflicts += differing(bytes, cur - off, s.bytes, cur - s.offset, e - cur);
      overlapped = true;
      cur = e;
      s = s.forward[0];
    }
    if (overlapped) this.stats.retransmitted++;
    if (added > 0) {
      if (this.buffered === 0) this.holeSince = ts;
      this.buffered += added;
    }
    return added;
  }

  /**
   * Moves the delivered edge past `bytes` (delivered at {@link next}) and keeps their tail to
   * compare retransmissions with.
   */
  delivered(bytes: Uint8Array): void {
    const offset = this.next;
    const kept = bytes.length < LAST_KEPT ? bytes.length : LAST_KEPT;
    let last = this.last;
    if (last === undefined || last.length < kept) {
      // Grown in steps of powers of two, so a connection settles on one buffer.
      this.last = last = new Uint8Array(Math.min(LAST_KEPT, Math.max(64, 1 << (32 - Math.clz32(kept - 1)))));
    }
    last.set(kept === bytes.length ? bytes : bytes.subarray(bytes.length - kept));
    this.lastLength = kept;
    this.lastAt = offset + bytes.length - kept;
    this.next = offset + bytes.length;
    this.nextSeq = seqAdd(this.nextSeq, bytes.length);
    this.stats.bytes += bytes.length;
  }

  /** Drops the copy of the last delivered bytes (retransmissions overlapping them are not compared). */
  forgetLast(): void {
    this.last = undefined;
    this.lastLength = 0;
  }

  /** Moves the delivered edge to `to` over bytes never seen, remembering the gap; returns its length. */
  skipped(to: number): number {
    const length = to - this.next;
    const g = (this.gaps ??= []);
    if (g.length >= RECENT_GAPS * 2) g.splice(0, 2);
    g.push(this.next, to);
    this.stats.gaps++;
    this.stats.gapBytes += length;
    this.next = to;
    this.nextSeq = seqAdd(this.nextSeq, length);
    this.lastLength = 0;
    return length;
  }

  /** The connection closed for `reason`: lets go of the kept bytes and records how this side ended. */
  recordClose(reason: CloseReason): void {
    this.last = undefined;
    this.lastLength = 0;
    this.gaps = undefined;
    const stats = this.stats;
    stats.packets = this.packets;
    stats.close = this.rst ? 'rst' : this.finAt >= 0 ? 'fin' : reason;
  }
}

const NO_GAPS: readonly number[] = [];

/** Zeroed counters of one direction. */
export function newStats(): DirectionStats {
  return { bytes: 0, gaps: 0, gapBytes: 0, retransmitted: 0, overlapConflicts: 0, droppedBytes: 0, lateBytes: 0, packets: 0 };
}

/** Counts the bytes of a[ai…ai+n) that differ from b[bi…bi+n). */
function differing(a: Uint8Array, ai: number, b: Uint8Array, bi: number, n: number): number {
  let d = 0;
  for (let k = 0; k < n; k++) if (a[ai + k] !== b[bi + k]) d++;
  return d;
}
