import { formatEndpoint, formatTimestamp, type AppEventBase, type Connection } from '@netrx/core';
import { connectionShardKey } from './connection-shard-key.js';
import type { RedisStreamRecord } from './types.js';

/** What the builder keeps per connection: its endpoints as text, its shard key, its record count. */
interface ConnectionInfo {
  readonly client: string;
  readonly server: string;
  readonly shardKey: number;
  next: number;
}

/**
 * Makes {@link RedisStreamRecord}s from a command's events and JSON lines, numbering each
 * connection's records so that ids are stable: `source:stream:n`, the `n`-th record of
 * connection `stream` (0-based, both directions together, in the order they were made). The same
 * capture read again by the same source gives the same ids; two sources never collide. The
 * endpoints' text and the shard key are made once per connection.
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
   * A record for an app event (a WebSocket message, an HTTP request or response): its
   * connection, direction and last timestamp, with `type` (`text`, `request`…) and its JSON line.
   */
  appEvent(event: AppEventBase, type: string | undefined, json: string): RedisStreamRecord {
    const c = this.info(event.connection);
    const fields = { stream: event.connection.id, dir: event.dir, ts: formatTimestamp(event.lastTs), client: c.client, server: c.server };
    return { id: `${this.source}:${event.connection.id}:${c.next++}`, json, fields: type === undefined ? fields : { ...fields, type }, shardKey: c.shardKey };
  }

  /** A record about a whole connection (`netrx tcp`): no direction, `type` `connection` unless given. */
  connection(connection: Connection, ts: bigint, json: string, type = 'connection'): RedisStreamRecord {
    const c = this.info(connection);
    return {
      id: `${this.source}:${connection.id}:${c.next++}`,
      json,
      fields: { stream: connection.id, type, ts: formatTimestamp(ts), client: c.client, server: c.server },
      shardKey: c.shardKey,
    };
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
