import { formatEndpoint, formatTimestamp, type AppEventBase, type Connection } from '@netrx/core';
import { connectionShardKey } from './connection-shard-key.js';
import type { RedisRecordFields, RedisRecordInput, RedisStreamRecord } from './types.js';

/** What the builder keeps per connection: its endpoints as text, its shard key, its record count. */
interface ConnectionInfo {
  readonly client: string;
  readonly server: string;
  readonly shardKey: number;
  next: number;
}

/**
 * Makes {@link RedisStreamRecord}s from a command's items and JSON lines, numbering each
 * connection's records so that ids are stable: `source:stream:n`, the `n`-th record of
 * connection `stream` (0-based, both directions together, in the order they were made). The same
 * capture read again by the same source gives the same ids; two sources never collide. The
 * endpoints' text and the shard key are made once per connection object (held weakly: a closed
 * connection's entry goes with it).
 *
 * @example
 * ```ts
 * const records = new RedisRecordBuilder('tap-1');
 * messages$.pipe(map((m) => records.appEvent(m, m.kind, websocketMessageJson(m))), toRedisStreams(sink));
 * ```
 */
export class RedisRecordBuilder {
  private readonly connections = new WeakMap<Connection, ConnectionInfo>();

  constructor(
    /** The `source` part of the ids (use the sink's `source`). */
    readonly source: string,
  ) {}

  /**
   * A record from its JSON line and head fields: the connection, the direction (none for a
   * record about a whole connection), `type` and packet time.
   */
  record(input: RedisRecordInput): RedisStreamRecord {
    const c = this.info(input.connection);
    const stream = input.connection.id;
    // One object shape for every record (absent fields are undefined, not missing).
    const fields: RedisRecordFields = { stream, dir: input.dir, type: input.type, ts: formatTimestamp(input.ts), client: c.client, server: c.server };
    return { id: `${this.source}:${stream}:${c.next++}`, json: input.json, fields, shardKey: c.shardKey };
  }

  /**
   * A record for an app event (a WebSocket message, an HTTP request or response): its
   * connection, direction and last timestamp, with `type` (`text`, `request`…) and its JSON line.
   */
  appEvent(event: AppEventBase, type: string | undefined, json: string): RedisStreamRecord {
    return this.record({ connection: event.connection, dir: event.dir, type, ts: event.lastTs, json });
  }

  /** A record about a whole connection (`netrx tcp`): no direction, `type` `connection` unless given. */
  connection(connection: Connection, ts: bigint, json: string, type = 'connection'): RedisStreamRecord {
    return this.record({ connection, type, ts, json });
  }

  private info(connection: Connection): ConnectionInfo {
    let c = this.connections.get(connection);
    if (c === undefined) {
      const client = formatEndpoint(connection.client);
      const server = formatEndpoint(connection.server);
      c = { client, server, shardKey: connectionShardKey(client, server), next: 0 };
      this.connections.set(connection, c);
    }
    return c;
  }
}
