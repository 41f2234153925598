const codes = {
  ERR_REDIS_SINK_URL: 'a --sink URL is malformed (scheme, host, port, key or a query parameter)',
  ERR_REDIS_SINK_OPTION: 'a Redis sink option has an invalid value',
  ERR_REDIS_SINK_CONNECT: 'Redis could not be reached when the sink started',
  ERR_REDIS_SINK_AUTH: 'Redis refused the user name or password',
  ERR_REDIS_SINK_SHARDS: 'the key is already written with another shard count',
  ERR_REDIS_SINK_REPLY: 'Redis refused a command (the key holds another type, out of memory, a read-only replica…)',
  ERR_REDIS_SINK_LOST: 'the connection to Redis was lost, or Redis stopped answering, and it did not come back in time',
  ERR_REDIS_SINK_CLOSED: 'a record was written to a sink that is closed or has failed',
  ERR_REDIS_SINK_STATE: 'the sink was used in the wrong order (written before connect(), connected twice)',
} as const;

/** A stable error code from {@link RedisSinkErrorCodes}. */
export type RedisSinkErrorCode = keyof typeof codes;

/**
 * The catalogue of errors the Redis sink throws or fails with, each code with what it means.
 * Configuration mistakes (a bad URL) are thrown at once; Redis being unreachable at the start is
 * a rejected `connect()`, before anything is read; a lost connection that does not come back, or
 * a command Redis refuses, fails the sink (its `flush()`/`close()` reject and
 * `toRedisStreams()` errors) with a message that says how many records were written.
 */
export const RedisSinkErrorCodes: Readonly<Record<RedisSinkErrorCode, string>> = codes;

/** An error of the Redis sink with a stable {@link RedisSinkErrorCode}; `message` says what happened and what to do. */
export class RedisSinkError extends Error {
  /** Always `RedisSinkError`. */
  override readonly name = 'RedisSinkError';

  constructor(
    /** The stable code to match on. */
    readonly code: RedisSinkErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
