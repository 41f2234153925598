import { NetrxError, type ClientDecider, type MemoryBudget } from '@netrx/core';

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
  /**
   * The pipeline's memory budget (core's `MemoryBudget`). Each connection draws an estimate of
   * what it costs (`CONNECTION_COST`, 1 KiB) while it is open, and each out-of-order segment its
   * bytes and an overhead (`SEGMENT_COST`, 256 bytes) while it waits. When the budget is reached, the
   * reassembler's reclaimer closes the least recently active connections (never the one whose
   * packet is being handled), flushing their buffers as gaps and ending their dissectors, counted
   * in {@link ReassemblerTotals.budgetEvicted}. A segment whose draw is still refused is not
   * buffered: the holes before it become gaps and it is delivered at once
   * ({@link ReassemblerTotals.budgetGaps}); a packet that would open a connection the budget
   * cannot hold is dropped ({@link ReassemblerTotals.budgetRefused}). The byte caps below apply
   * as well, budget or not. Without a budget, only the caps bound memory.
   */
  readonly budget?: MemoryBudget;
  /** Counters to add to (see {@link createReassemblerTotals}), to read what the caps did. */
  readonly totals?: ReassemblerTotals;
  /**
   * Who is the client of a connection seen without its SYN, asked in order with the first payload
   * (the registry's `tcp.client` list; `reassembleTcp(registry)` passes it). Without one, or when
   * none knows, the side with the higher port.
   */
  readonly clients?: readonly ClientDecider[];
  /**
   * Called once per subscription of `reassembleTcp()` with that reassembler's
   * `TcpReassembler.advance`, to move its packet clock with frames it is not given: a parallel
   * run's worker sees only its share of the packets and advances its clock with the time of all
   * the others, so that timeouts fire at the same packet as in one thread.
   */
  readonly onClock?: (advance: (ts: bigint, frameNumber: number) => void) => void;
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
  /** Connections closed early to free memory when {@link ReassembleTcpOptions.budget} was reached. */
  budgetEvicted: number;
  /**
   * Out-of-order segments the budget refused to hold: the holes before each became gaps and the
   * segment was delivered at once.
   */
  budgetGaps: number;
  /** Packets dropped because the budget could not hold the new connection they would open. */
  budgetRefused: number;
}

/**
 * What the reassembler draws on {@link ReassembleTcpOptions.budget} for one open connection: an
 * estimate of its state with both directions seen, its table entries and its `Connection` (the
 * heap grows by about 600 bytes for a SYN-only connection, 940 for a SYN and 8 bytes, measured
 * with `bench/hostile.ts`).
 */
export const CONNECTION_COST = 1024;

/**
 * What one waiting out-of-order segment draws besides its bytes: its node in the segment list and
 * its own copy's `ArrayBuffer` (a crafted capture of one-byte segments costs this, not 1 byte, each).
 */
export const SEGMENT_COST = 256;

/** New zeroed {@link ReassemblerTotals}. */
export function createReassemblerTotals(): ReassemblerTotals {
  return { connections: 0, evicted: 0, capGaps: 0, implausibleSegments: 0, afterClose: 0, budgetEvicted: 0, budgetGaps: 0, budgetRefused: 0 };
}

/** The options with defaults applied, times in nanoseconds of packet time. */
export interface ReassemblerLimits {
  readonly holeTimeout: bigint;
  readonly holeTimeoutAcked: bigint;
  readonly idleTimeout: bigint;
  readonly linger: bigint;
  readonly maxPerConnection: number;
  readonly maxTotal: number;
  readonly maxConnections: number;
  /** Packet time between sweeps, which is also how often a busy connection moves in the LRU order. */
  readonly sweepStep: bigint;
}

type NumericOption = Exclude<keyof ReassembleTcpOptions, 'totals' | 'clients' | 'onClock' | 'budget'>;

/** Applies the defaults. Throws `ERR_INVALID_OPTION` for an option that is not a positive number. */
export function reassemblerLimits(options: ReassembleTcpOptions): ReassemblerLimits {
  const ms = (name: NumericOption, dflt: number): bigint => BigInt(Math.round(positive(options, name, dflt) * 1e6));
  // Checked in this order, so the first bad option is the one reported.
  const holeTimeout = ms('holeTimeoutMs', 3000);
  const holeTimeoutAcked = ms('holeTimeoutAckedMs', 60_000);
  const idleTimeout = ms('idleTimeoutMs', 300_000);
  const linger = ms('closedLingerMs', 5000);
  const maxPerConnection = positive(options, 'maxBufferedPerConnection', 4 * 1024 * 1024);
  const maxTotal = positive(options, 'maxBufferedTotal', 256 * 1024 * 1024);
  const maxConnections = positive(options, 'maxConnections', 262_144);
  const step = (holeTimeout < idleTimeout ? holeTimeout : idleTimeout) / 4n;
  return { holeTimeout, holeTimeoutAcked, idleTimeout, linger, maxPerConnection, maxTotal, maxConnections, sweepStep: step > 0n ? step : 1n };
}

function positive(options: ReassembleTcpOptions, name: NumericOption, dflt: number): number {
  const v = options[name];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !(v > 0)) {
    throw new NetrxError('ERR_INVALID_OPTION', `reassembleTcp: ${name} must be a positive number, not ${String(v)}`);
  }
  return v;
}
