import { Observable, type OperatorFunction } from 'rxjs';
import type { RedisStreamSink } from './redis-stream-sink.js';
import type { RedisSinkStats, RedisStreamRecord } from './types.js';

/** Options of {@link toRedisStreams}. */
export interface ToRedisStreamsOptions {
  /**
   * Close the sink when the records end (default true). With false it is only flushed, for a
   * sink that several pipelines share; close it yourself.
   */
  readonly close?: boolean;
}

/**
 * Writes every record to a connected {@link RedisStreamSink}, at the end of any pipeline. When
 * the records end, it waits until Redis has acknowledged them all, closes the sink (unless
 * `close: false`), then emits the sink's counters and completes. If the records end with an
 * error, what was written before it is still flushed, then the error is passed on. If the sink
 * fails (Redis gone for good, a command refused), the output errors with its
 * {@link RedisSinkError} and the input is unsubscribed, which stops a file reader. Unsubscribing
 * early destroys the sink.
 *
 * For a file source, let the reader wait for Redis: `fromCaptureFile(path, { beforeNextChunk: ()
 * => sink.ready() })`.
 *
 * @example
 * ```ts
 * const stats = await lastValueFrom(records$.pipe(toRedisStreams(sink)));
 * console.error(`${stats.written} records to Redis, ${stats.retried} resent, ${stats.dropped} dropped`);
 * ```
 */
export function toRedisStreams(sink: RedisStreamSink, options: ToRedisStreamsOptions = {}): OperatorFunction<RedisStreamRecord, RedisSinkStats> {
  const close = options.close ?? true;
  return (source) =>
    new Observable<RedisSinkStats>((subscriber) => {
      let ended = false;
      const finish = (): Promise<RedisSinkStats> => (close ? sink.close() : sink.flush().then(() => ({ ...sink.stats })));
      const offFailure = sink.onFailure((err) => subscriber.error(err));
      const subscription = source.subscribe({
        next: (record) => sink.write(record),
        error: (err: unknown) => {
          ended = true;
          finish().then(
            () => subscriber.error(err),
            () => subscriber.error(err),
          );
        },
        complete: () => {
          ended = true;
          finish().then(
            (stats) => {
              subscriber.next(stats);
              subscriber.complete();
            },
            (err: unknown) => subscriber.error(err),
          );
        },
      });
      return () => {
        offFailure();
        subscription.unsubscribe();
        if (!ended) sink.destroy();
      };
    });
}
