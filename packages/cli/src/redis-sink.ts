import type { OperatorFunction } from 'rxjs';
import { NetrxError } from '@netrx/core';
import { RedisStreamSink, toRedisRecords, toRedisStreams, type RedisRecordInput } from '@netrx/sink-redis';
import type { CliArgs } from './args.js';

/**
 * `--sink URL` of a command run: a connected {@link RedisStreamSink} and the stages that end the
 * run in it. Loaded only when `--sink` is given, so other runs never load the Redis client.
 */
export interface CommandSink {
  /** For the file reader between chunks: a promise while Redis is behind (a full window), else nothing. */
  readonly ready: () => Promise<void> | undefined;
  /**
   * The end of the run: every item that `record` makes a record of is written to Redis; completes
   * once Redis has acknowledged everything, and closes the sink. Errors with the sink's failure
   * (Redis gone for good, a refused command), which also stops the reading.
   */
  readonly end: <T>(record: (item: T) => RedisRecordInput | undefined) => OperatorFunction<T, unknown>;
  /** The stderr line after the run: where the records went and what was written, resent and dropped. */
  readonly summary: () => string;
  /** Disconnects at once (the run failed before it ended in the sink). */
  readonly destroy: () => void;
}

/**
 * Connects the sink `--sink URL` names, before anything is read: an unreachable Redis, refused
 * credentials or a key written with another shard count fail here with a `RedisSinkError` that
 * says what to check (exit status 1), as does a malformed URL. A file is read only as fast as
 * Redis takes the records (`overflow: 'wait'`: nothing is lost); a live capture cannot wait, so
 * the oldest records not yet sent are dropped when Redis falls behind, and counted.
 */
export async function openCommandSink(args: Pick<CliArgs, 'sink' | 'sinkSource' | 'interface'> & { readonly sink: string }): Promise<CommandSink> {
  if (args.sinkSource !== undefined && args.sinkSource.trim() === '') {
    throw new NetrxError('ERR_INVALID_OPTION', '--sink-source needs a name (the source field of every record), not an empty string');
  }
  const live = args.interface !== undefined;
  const sink = new RedisStreamSink({ target: args.sink, source: args.sinkSource, overflow: live ? 'drop-oldest' : 'wait' });
  await sink.connect();
  return {
    ready: () => sink.ready(),
    end: (record) => (items) => items.pipe(toRedisRecords(record, { source: sink.source }), toRedisStreams(sink)),
    summary: () => {
      const s = sink.stats;
      const reconnects = s.reconnects === 0 ? '' : ` after ${s.reconnects} reconnection${s.reconnects === 1 ? '' : 's'}`;
      const dropped = live ? `, ${s.dropped} dropped (Redis too slow or away)` : '';
      return `sink ${sink.description} (source ${sink.source}): ${s.written} records written, ${s.retried} resent${reconnects}${dropped}`;
    },
    destroy: () => sink.destroy(),
  };
}
