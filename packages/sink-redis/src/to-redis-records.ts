import { Observable, type OperatorFunction } from 'rxjs';
import { RedisRecordBuilder } from './redis-record-builder.js';
import type { RedisRecordInput, RedisStreamRecord } from './types.js';

/** Options of {@link toRedisRecords}. */
export interface ToRedisRecordsOptions {
  /** The `source` part of the ids: the sink's `source` (`sink.source`). */
  readonly source: string;
}

/**
 * Turns any items into {@link RedisStreamRecord}s for {@link toRedisStreams}: `describe` gives an
 * item's JSON line and head fields ({@link RedisRecordInput}), or `undefined` for an item that is
 * not a record (it is skipped). Ids are numbered per connection, per subscription
 * ({@link RedisRecordBuilder}), so reading the same capture again gives the same ids. The sink
 * knows no protocol: `describe` says what a WebSocket message, an HTTP request or response, or a
 * TCP connection's summary is as a record.
 *
 * @example
 * ```ts
 * // netrx ws: every WebSocket message, its JSON line as `json`, its kind as `type`.
 * messages$.pipe(
 *   toRedisRecords((m) => ({ connection: m.connection, dir: m.dir, type: m.kind, ts: m.lastTs, json: websocketMessageJson(m) }), { source: sink.source }),
 *   toRedisStreams(sink),
 * );
 * // netrx http: requests and responses; other events (stream.error) are not records.
 * events$.pipe(
 *   toRedisRecords((e) => (e.type === 'http.request' || e.type === 'http.response'
 *     ? { connection: e.connection, dir: e.dir, type: e.type.slice(5), ts: e.lastTs, json: httpMessageJson(e) }
 *     : undefined), { source: sink.source }),
 *   toRedisStreams(sink),
 * );
 * ```
 */
export function toRedisRecords<T>(describe: (item: T) => RedisRecordInput | undefined, options: ToRedisRecordsOptions): OperatorFunction<T, RedisStreamRecord> {
  return (items) =>
    new Observable<RedisStreamRecord>((subscriber) => {
      const records = new RedisRecordBuilder(options.source);
      return items.subscribe({
        next: (item) => {
          const input = describe(item);
          if (input !== undefined) subscriber.next(records.record(input));
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}
