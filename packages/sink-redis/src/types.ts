import type { Connection, Direction } from '@netrx/core';

/**
 * The flat fields written beside `json` in each stream entry, for consumers that filter without
 * parsing JSON (`XRANGE` then a look at `dir`, a consumer that only wants `close` messages…).
 * Values are the ones of the command's JSON line.
 */
export interface RedisRecordFields {
  /** The connection's index in its capture (`stream` of the JSON line). */
  readonly stream: number;
  /** `c2s` or `s2c`; none for records about a whole connection (`netrx tcp`). */
  readonly dir?: string;
  /** What the record is: `text`, `binary`, `close`… for WebSocket, `request`/`response` for HTTP, `connection` for TCP. */
  readonly type?: string;
  /** Packet time as the JSON line writes it: seconds since the epoch with nine decimals. */
  readonly ts: string;
  /** Client endpoint, `addr:port` (`[addr]:port` for IPv6). */
  readonly client: string;
  /** Server endpoint. */
  readonly server: string;
}

/**
 * One record for the sink: a command's JSON line and the fields consumers filter on. The sink
 * keeps the object until Redis has acknowledged it and may send it more than once (after a
 * reconnect), so it must not change after it is written.
 */
export interface RedisStreamRecord {
  /**
   * Stable and unique per record (the same on a resend, and for the same capture read again):
   * consumers de-duplicate by it. {@link RedisRecordBuilder} makes `source:stream:n`.
   */
  readonly id: string;
  /**
   * The JSON line (without the line end), written as the entry's `json` field: text, or its UTF-8
   * bytes (what a writer that builds lines as bytes has; sent as they are, never decoded).
   */
  readonly json: string | Uint8Array;
  readonly fields: RedisRecordFields;
  /**
   * Chooses the shard: the sink writes to `KEY:{shardKey mod shards}`. The same for every
   * record of a connection, both directions, so a connection's records stay in order in one
   * stream. Default: {@link connectionShardKey} of `fields.client` and `fields.server`.
   */
  readonly shardKey?: number;
}

/**
 * What a record is made from ({@link RedisRecordBuilder.record}, {@link toRedisRecords}): the
 * item's JSON line and the head fields of that line, taken from the item itself rather than
 * parsed back out of the JSON. Any command's objects fit: a WebSocket message, an HTTP request or
 * response, a TCP connection's summary.
 */
export interface RedisRecordInput {
  /** The connection the record is about: ids are numbered, and the shard chosen, per connection. */
  readonly connection: Connection;
  /** `c2s` or `s2c`; none for a record about a whole connection. */
  readonly dir?: Direction;
  /** The `type` of the JSON line (`text`, `request`, `connection`…); none when it has none. */
  readonly type?: string;
  /** Packet time of the record (nanoseconds since the epoch): the `ts` of the JSON line. */
  readonly ts: bigint;
  /** The JSON line, without the line end, as text or UTF-8 bytes: exactly what `--format jsonl` prints. */
  readonly json: string | Uint8Array;
}

/** What to do with records when the in-flight window is full (Redis slow or away). */
export type RedisSinkOverflow = 'wait' | 'drop-oldest';

/**
 * The counters of a sink, kept up to date while it runs (`sink.stats`) and returned by
 * `close()`. Nothing is dropped or resent without being counted here.
 */
export interface RedisSinkStats {
  /** Records given to `write()`. */
  accepted: number;
  /** Records written: Redis acknowledged them (`XADD` replied with an entry id). */
  written: number;
  /**
   * Records sent again after the connection was lost before Redis acknowledged them: some may
   * have been stored the first time too (at-least-once), so consumers de-duplicate by `id`.
   */
  retried: number;
  /** Records dropped, oldest first, because the window was full (`overflow: 'drop-oldest'`, live capture). */
  dropped: number;
  /** Times the connection was lost and made again. */
  reconnects: number;
  /** Records waiting: given but neither acknowledged nor dropped. */
  pending: number;
  /** The most records that were ever waiting at once. */
  pendingHighWater: number;
}
