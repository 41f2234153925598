import type { TcpConnection } from './tcp-connection.js';

/**
 * The reassembler's connections: found by their addresses, ports and tunnel, kept in rough least recently
 * active order (for idle timeouts and for eviction at the cap), and the 4-tuples of connections
 * closed by FIN or RST that still absorb late packets for a while.
 */
export class ConnectionTable {
  /**
   * Active connections by a hash of their addresses and ports (a small integer, a cheap Map key),
   * each bucket a chain through {@link TcpConnection.bucketNext} checked against the ports and
   * addresses: one Map lookup per packet, where nested Maps by address, address and ports cost
   * three (and building one key string per packet was half the cost of a packet). The hash is
   * seeded per table, so a capture made to collide (a flood from one port pair) cannot make chains long.
   */
  private readonly index = new Map<number, TcpConnection>();
  private readonly seed = (Math.random() * 0x100000000) | 0;
  /** Active connections, roughly least recently active first. */
  private readonly active = new Set<TcpConnection>();
  /** Closed connections still absorbing late packets: 4-tuple key → when they are forgotten. */
  private readonly closed = new Map<string, bigint>();
  /** Sweeps so far: the current LRU interval (see {@link TcpConnection.touchEpoch}). */
  private epoch = 0;

  /** Active connections. */
  get size(): number {
    return this.active.size;
  }

  /** Closed connections remembered by 4-tuple. */
  get lingering(): number {
    return this.closed.size;
  }

  /** The bucket of a connection's addresses, ports (side 0's first) and tunnel. */
  bucketOf(lo: string, hi: string, loPort: number, hiPort: number, tunnel: string | undefined): number {
    return connectionBucket(this.seed, lo, hi, loPort, hiPort, tunnel);
  }

  /**
   * The active connection with these addresses, ports and tunnel, in `bucket`. Two tenants'
   * 10.0.0.1 are different hosts: the same 4-tuple through another tunnel is another connection.
   */
  find(bucket: number, lo: string, hi: string, loPort: number, hiPort: number, tunnel: string | undefined): TcpConnection | undefined {
    let c = this.index.get(bucket);
    while (c !== undefined && (c.loPort !== loPort || c.hiPort !== hiPort || c.lo !== lo || c.hi !== hi || c.tunnel !== tunnel)) c = c.bucketNext;
    return c;
  }

  /** Adds a new connection, most recently active, seen at `ts`. */
  add(c: TcpConnection, ts: bigint): void {
    c.touched = ts;
    c.touchEpoch = this.epoch;
    this.active.add(c);
    c.bucketNext = this.index.get(c.bucket);
    this.index.set(c.bucket, c);
  }

  /** A sweep starts a new LRU interval: each connection may move once more in it. */
  nextInterval(): void {
    this.epoch++;
  }

  /** A packet of `c` at `ts`: moves it to the back of the order, at most once per sweep interval. */
  touch(c: TcpConnection, ts: bigint): void {
    // Keep the set in rough least-recently-active order without moving entries on every packet.
    if (c.touchEpoch !== this.epoch) this.moveToBack(c, ts);
  }

  /** Moves `c` to the back of the order as last active at `ts`. */
  moveToBack(c: TcpConnection, ts: bigint): void {
    this.active.delete(c);
    this.active.add(c);
    c.touched = ts;
    c.touchEpoch = this.epoch;
  }

  /**
   * The active connections, least recently active first. A sweep may {@link remove} or
   * {@link moveToBack} the connection it is looking at.
   */
  byActivity(): Iterable<TcpConnection> {
    return this.active;
  }

  /** The least recently active connection. */
  oldest(): TcpConnection | undefined {
    return this.active.values().next().value;
  }

  /** Takes a connection out of the table. */
  remove(c: TcpConnection): void {
    this.active.delete(c);
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

  /** Whether a closed connection with this {@link tupleKey} still absorbs late packets. */
  isLingering(key: string): boolean {
    return this.closed.has(key);
  }

  /** Absorbs late packets of this {@link tupleKey} until `until` (packet time). */
  linger(key: string, until: bigint): void {
    // Delete first: a key set again moves to the end, keeping the map in expiry order.
    this.closed.delete(key);
    this.closed.set(key, until);
  }

  /** Stops absorbing packets of this {@link tupleKey}: they open a new connection. */
  unlinger(key: string): void {
    this.closed.delete(key);
  }

  /** Forgets the closed connections whose lingering time is over. */
  expireLingering(now: bigint): void {
    for (const [key, until] of this.closed) {
      if (until > now) break;
      this.closed.delete(key);
    }
  }

  /** Forgets every closed connection (end of input). */
  clearLingering(): void {
    this.closed.clear();
  }
}

/** The key of a closed connection's 4-tuple (side 0's address and port first) and tunnel. */
export function tupleKey(lo: string, hi: string, loPort: number, hiPort: number, tunnel: string | undefined): string {
  return tunnel === undefined ? `${lo} ${hi} ${loPort} ${hiPort}` : `${lo} ${hi} ${loPort} ${hiPort} ${tunnel}`;
}

/**
 * The table bucket of a connection: a seeded FNV-1a hash of its addresses, port pair and tunnel
 * (when there is one), folded to 16 bits (a small integer for V8; at the default cap of 262,144
 * connections, chains of 4 on average). Hashing some 20 characters costs less than the Map
 * lookups it replaces. The tunnel is hashed too, so that many tunnels carrying one 4-tuple (a
 * crafted capture) cannot make a chain long.
 */
export function connectionBucket(seed: number, lo: string, hi: string, loPort: number, hiPort: number, tunnel?: string): number {
  let h = seed ^ 0x811c9dc5;
  for (let i = 0; i < lo.length; i++) h = Math.imul(h ^ lo.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0x20, 0x01000193);
  for (let i = 0; i < hi.length; i++) h = Math.imul(h ^ hi.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ loPort, 0x01000193);
  h = Math.imul(h ^ hiPort, 0x01000193);
  if (tunnel !== undefined) for (let i = 0; i < tunnel.length; i++) h = Math.imul(h ^ tunnel.charCodeAt(i), 0x01000193);
  return (h ^ (h >>> 16)) & 0xffff;
}
