import { formatTimestamp } from './frame.js';
import type { Diagnostic } from './diagnostic.js';

/** Direction of bytes on a connection: client to server, or server to client. */
export type Direction = 'c2s' | 's2c';

/** One end of a connection. IPv6 addresses are written without brackets here. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/**
 * How the client of a connection was decided: `syn` (a SYN was seen), the name of the `tcp.client`
 * list entry that recognised the first payload (`http`, `ws-mask`, `tls`… — see
 * {@link ClientDecider}), or `port` (nothing better: the side with the higher port).
 */
export type ClientDecision = 'syn' | 'port' | (string & {});

/** How a connection ended. */
export type CloseReason = 'fin' | 'rst' | 'idle' | 'end';

/**
 * A TCP connection as the reassembler knows it. Roles are decided once, when the connection's
 * first SYN or first payload is seen, and never change afterwards.
 */
export interface Connection {
  /** Stable 0-based index in the order connections were first seen in the capture. */
  readonly id: number;
  /** 4 or 6. */
  readonly family: 4 | 6;
  readonly client: Endpoint;
  readonly server: Endpoint;
  readonly clientBy: ClientDecision;
  /**
   * The layers this byte stream came through between the transport and its dissector, by name,
   * set by the dissector that unwrapped each (TLS: `{ tls: { version, suite, sni } }`). JSON
   * records carry each entry as a field of its own after `server`; text output marks `[name]`.
   */
  readonly via?: ConnectionVia;
}

/** What a connection came through, by layer name: a short text, or a few facts. */
export type ConnectionVia = Readonly<Record<string, string | Readonly<Record<string, string | number | boolean>>>>;

/** Formats an endpoint as `addr:port`, or `[addr]:port` for IPv6, as the JSON contract does. */
export function formatEndpoint(e: Endpoint): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

interface StreamEventBase {
  readonly connection: Connection;
  /** Packet time of the frame that caused the event, ns since the epoch. */
  readonly ts: bigint;
  /** Frame number of the frame that caused the event. */
  readonly frame: number;
}

/** A connection was seen for the first time (its roles are decided). */
export interface StreamOpen extends StreamEventBase {
  readonly type: 'open';
}

/**
 * In-order bytes of one direction. `bytes` is a view valid until the next event of the stream:
 * copy what you keep.
 */
export interface StreamData extends StreamEventBase {
  readonly type: 'data';
  readonly dir: Direction;
  readonly bytes: Uint8Array;
  /** Offset of `bytes[0]` in this direction's stream, counting gaps (0 = first byte seen). */
  readonly offset: number;
}

/** Bytes of one direction that were never captured: the stream goes on after them. */
export interface StreamGap extends StreamEventBase {
  readonly type: 'gap';
  readonly dir: Direction;
  /** Stream offset of the first missing byte. */
  readonly offset: number;
  /** Number of missing bytes. */
  readonly length: number;
}

/** Per-direction counters, final when the connection closes. */
export interface DirectionStats {
  /** Bytes delivered as `data`. */
  bytes: number;
  gaps: number;
  gapBytes: number;
  /** Segments (or parts of them) that repeated bytes already seen, dropped. */
  retransmitted: number;
  /** Bytes that overlapped earlier data with different content (the first copy was kept). */
  overlapConflicts: number;
  /** Bytes dropped because a buffer cap was reached (and {@link DirectionStats.lateBytes}). */
  droppedBytes: number;
  /** Bytes that arrived after their hole had already been reported as a gap, dropped. */
  lateBytes?: number;
  /** How this direction ended: its sender's FIN or RST, else the connection's close reason. */
  close?: CloseReason;
  /** TCP segments seen from this direction's sender (pure ACKs and retransmissions included). */
  packets?: number;
}

/** The connection ended; what was buffered has been flushed before this event. */
export interface StreamClose extends StreamEventBase {
  readonly type: 'close';
  readonly reason: CloseReason;
  readonly stats: Readonly<Record<Direction, Readonly<DirectionStats>>>;
  /** Packet time of the connection's first segment, ns since the epoch. */
  readonly firstSeen?: bigint;
  /** Packet time of its last segment (`ts` is the time of the close, which may be later: idle, end of input). */
  readonly lastSeen?: bigint;
}

/** What `reassembleTcp(registry)` (in `@netrx/dissector-tcp`) emits per connection and direction. */
export type StreamEvent = StreamOpen | StreamData | StreamGap | StreamClose;

/**
 * Fields every application-level event has. Dissector packages add their events to
 * {@link AppEventMap} by declaration merging.
 */
export interface AppEventBase {
  readonly type: string;
  readonly connection: Connection;
  readonly dir: Direction;
  readonly firstTs: bigint;
  readonly lastTs: bigint;
  readonly firstFrame: number;
  readonly lastFrame: number;
}

/** A connection's dissector hit a fatal violation: the connection is no longer dissected. */
export interface StreamErrorEvent extends AppEventBase {
  readonly type: 'stream.error';
  readonly dissector: string;
  readonly diagnostic: Diagnostic;
}

/**
 * Builds a {@link StreamErrorEvent}: `dissector` (its name) stopped on `connection` in direction
 * `dir` because of `diagnostic`. `ts`/`frame` are those of the first byte concerned; `lastTs` and
 * `lastFrame` (default: the same) those of the last, when the error covers a range of bytes.
 *
 * @example
 * ```ts
 * ctx.emit(streamErrorEvent(ctx.connection, 'c2s', 'chat', { code: 'ERR_CHAT_BAD_FRAME', severity: 'error', message: 'length over 1 MiB' }, ts, frame));
 * ```
 */
export function streamErrorEvent(
  connection: Connection,
  dir: Direction,
  dissector: string,
  diagnostic: Diagnostic,
  ts: bigint,
  frame: number,
  lastTs: bigint = ts,
  lastFrame: number = frame,
): StreamErrorEvent {
  return { type: 'stream.error', connection, dir, firstTs: ts, lastTs, firstFrame: frame, lastFrame, dissector, diagnostic };
}

/**
 * Map of event type to event, extended by dissector packages:
 *
 * ```ts
 * declare module '@netrx/core' {
 *   interface AppEventMap { 'chat.message': ChatMessage }
 * }
 * ```
 */
export interface AppEventMap {
  'stream.error': StreamErrorEvent;
}

/** Any application-level event: a discriminated union on `type`. */
export type AppEvent = AppEventMap[keyof AppEventMap];

/**
 * The fields every JSON line about an application event starts with, in contract order: `ts` (of
 * its last byte, `seconds.nanoseconds`), `stream`, `client`, `server`, the connection's
 * {@link Connection.via} entries, `dir`.
 */
export function appEventJsonHead(e: AppEventBase): { ts: string; stream: number; client: string; server: string; dir: Direction } {
  const c = e.connection;
  return { ts: formatTimestamp(e.lastTs), stream: c.id, client: formatEndpoint(c.client), server: formatEndpoint(c.server), ...c.via, dir: e.dir };
}

/**
 * The connection's part of a JSON line, as {@link appEventJsonHead} orders it, as JSON text
 * without braces: `"stream":0,"client":"127.0.0.1:60653","server":"127.0.0.1:7272"` and any
 * {@link Connection.via} entries (`,"tls":{"version":"TLSv1.3",…}`). For writers that build lines
 * as text: make it once per connection object.
 */
export function connectionJsonFields(c: Connection): string {
  let s = `"stream":${c.id},"client":${JSON.stringify(formatEndpoint(c.client))},"server":${JSON.stringify(formatEndpoint(c.server))}`;
  if (c.via !== undefined) for (const [name, value] of Object.entries(c.via)) s += `,${JSON.stringify(name)}:${JSON.stringify(value)}`;
  return s;
}
