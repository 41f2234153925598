/**
 * `@netrx/sink-redis`: writes decoded records (a command's JSON lines with a few flat fields) to
 * Redis Streams, sharded by connection so that one connection's records stay in order in one
 * stream and consumer groups spread the rest; pipelined, with a bounded window, reconnection and
 * at-least-once resending (stable record ids for consumers to de-duplicate by).
 *
 * @packageDocumentation
 * @module @netrx/sink-redis
 */
export { RedisStreamSink, createRedisSink } from './redis-stream-sink.js';
export type { RedisReconnectOptions, RedisSinkOptions } from './redis-sink-options.js';
export { toRedisStreams } from './to-redis-streams.js';
export type { ToRedisStreamsOptions } from './to-redis-streams.js';
export { RedisRecordBuilder } from './redis-record-builder.js';
export { toRedisRecords } from './to-redis-records.js';
export type { ToRedisRecordsOptions } from './to-redis-records.js';
export { connectionShardKey } from './connection-shard-key.js';
export { DEFAULT_SHARDS, MAX_SHARDS, formatRedisSinkTarget, parseRedisSinkUrl } from './parse-redis-sink-url.js';
export type { RedisSinkTarget } from './parse-redis-sink-url.js';
export { RedisSinkError, RedisSinkErrorCodes } from './errors.js';
export type { RedisSinkErrorCode } from './errors.js';
export type { RedisRecordFields, RedisRecordInput, RedisSinkOverflow, RedisSinkStats, RedisStreamRecord } from './types.js';
