import type { Connection, Direction, Endpoint } from '@netrx/core';
import { TcpHalf } from './tcp-half.js';

/**
 * The reassembler's state of one connection: its two {@link TcpHalf}s, its place in the
 * {@link ConnectionTable}, and — once the client is decided — the public {@link Connection} its
 * events carry.
 *
 * Kept small, since a capture can open hundreds of thousands of connections that never send a
 * byte (a SYN flood): a half is made with the first packet of its side, and its buffers and
 * counters with their first use (see {@link TcpHalf}).
 */
export class TcpConnection {
  /** Side 0's half (the lower address's) and side 1's, made with the first packet from that side. */
  h0: TcpHalf | undefined = undefined;
  h1: TcpHalf | undefined = undefined;
  connection: Connection | undefined;
  clientSide: 0 | 1 = 0;
  closed = false;
  /** Packet time of the first and the last segment seen. */
  firstTs = 0n;
  lastTs = 0n;
  /** Packet time of the last move to the back of the LRU order. */
  touched = 0n;
  /**
   * The sweep interval in which this connection last moved to the back of the LRU order: it moves
   * at most once an interval, and the per-packet test is a small-integer compare, not a BigInt one.
   */
  touchEpoch = 0;
  /** Bytes drawn on the reassembler's memory budget for this connection, given back when it closes. */
  drawn = 0;
  /** Out-of-order bytes buffered, both directions. */
  buffered = 0;
  /** The next connection in the same {@link ConnectionTable} bucket. */
  bucketNext: TcpConnection | undefined = undefined;

  constructor(
    /** The lower address (side 0's), then the other. */
    readonly lo: string,
    readonly hi: string,
    /** Side 0's port, then the other's: small integers, compared in place (a number over 2^30 would be boxed). */
    readonly loPort: number,
    readonly hiPort: number,
    /** The table bucket: a small integer hashed from the addresses and ports. */
    readonly bucket: number,
    readonly id: number,
    readonly family: 4 | 6,
    /** The tunnel the connection came through (`Packet.tunnel`): part of its identity. */
    readonly tunnel: string | undefined,
  ) {}

  /** Side `side`'s half, made now if that side has not been seen yet. */
  half(side: 0 | 1): TcpHalf {
    return side === 0 ? (this.h0 ??= new TcpHalf(this, 0)) : (this.h1 ??= new TcpHalf(this, 1));
  }

  /** Side `side`'s address and port. */
  end(side: 0 | 1): Endpoint {
    return side === 0 ? { address: this.lo, port: this.loPort } : { address: this.hi, port: this.hiPort };
  }

  /** Whether both sides sent a FIN and everything before it was delivered or reported missing. */
  get finished(): boolean {
    return this.h0 !== undefined && this.h1 !== undefined && this.h0.finished && this.h1.finished;
  }

  /** The direction of the bytes side `side` sends. */
  dir(side: 0 | 1): Direction {
    return side === this.clientSide ? 'c2s' : 's2c';
  }
}
