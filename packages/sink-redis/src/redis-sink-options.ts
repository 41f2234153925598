import { hostname } from 'node:os';
import { RedisSinkError } from './errors.js';
import { parseRedisSinkUrl, type RedisSinkTarget } from './parse-redis-sink-url.js';
import type { RedisSinkOverflow } from './types.js';

/** How the sink reconnects after losing Redis. */
export interface RedisReconnectOptions {
  /** First wait before reconnecting, in ms (default 50); doubled each attempt. */
  readonly initialDelayMs?: number;
  /** Longest wait between attempts, in ms (default 2000). */
  readonly maxDelayMs?: number;
  /** Give up (fail the sink) when Redis has been away this long, in ms (default: the URL's `?timeout=`, else 30000). */
  readonly giveUpAfterMs?: number;
}

/** Options of {@link RedisStreamSink}. */
export interface RedisSinkOptions {
  /** Where to write: a `redis://` URL (see {@link parseRedisSinkUrl}) or a parsed target. */
  readonly target: string | RedisSinkTarget;
  /** Names this netrx instance in every entry's `source` field (default: the host name). */
  readonly source?: string;
  /**
   * When the window is full: `wait` (default; for a file: nothing is lost, the reader waits on
   * {@link RedisStreamSink.ready}) or `drop-oldest` (for a live capture, which cannot wait: the
   * oldest records not yet on the wire are dropped and counted).
   */
  readonly overflow?: RedisSinkOverflow;
  /** Most records held that Redis has not acknowledged (default 20000). */
  readonly window?: number;
  /** XADDs per pipelined batch (default 500). */
  readonly batchSize?: number;
  /** Batches on the wire at once, awaiting their replies (default 4). */
  readonly maxBatchesInFlight?: number;
  /** Reconnection backoff and when to give up. */
  readonly reconnect?: RedisReconnectOptions;
  /** How long connecting may take, at the start and on each reconnection attempt, in ms (default 5000). */
  readonly connectTimeoutMs?: number;
  /**
   * How long a batch may wait for its replies, in ms (default 10000, or `reconnect.giveUpAfterMs`
   * when that is shorter). A Redis that stops answering with its socket open (frozen, stopped,
   * a dead host whose TCP connection has not timed out) is then treated as a lost connection:
   * the socket is dropped and the sink reconnects, resends, or gives up as it does when the
   * connection closes. One timer per batch, not per XADD.
   */
  readonly replyTimeoutMs?: number;
}

/** {@link RedisSinkOptions} with every default filled in and every number checked. */
export interface RedisSinkSettings {
  /** The parsed target. */
  readonly target: RedisSinkTarget;
  /** The `source` field of every entry. */
  readonly source: string;
  /** What to do when the window is full. */
  readonly overflow: RedisSinkOverflow;
  /** Most records held unacknowledged. */
  readonly window: number;
  /** Pending records at which a waiting reader may go on: half the window. */
  readonly lowWater: number;
  /** XADDs per pipelined batch. */
  readonly batchSize: number;
  /** Batches awaiting their replies at once. */
  readonly maxBatchesInFlight: number;
  /** First reconnection (and `LOADING` probe) wait, in ms. */
  readonly initialDelayMs: number;
  /** Longest wait between attempts, in ms. */
  readonly maxDelayMs: number;
  /** How long Redis may be away before the sink fails, in ms. */
  readonly giveUpAfterMs: number;
  /** How long connecting may take, in ms. */
  readonly connectTimeoutMs: number;
  /** How long a batch or a probe may wait for its reply, in ms. */
  readonly replyTimeoutMs: number;
}

/**
 * Fills in the defaults of `options` (the give-up time from the URL's `?timeout=` when the
 * options do not say) and checks them; throws `ERR_REDIS_SINK_OPTION` (a configuration mistake)
 * for a count or duration that is not a whole number of at least 1, or an unknown `overflow`.
 */
export function resolveRedisSinkOptions(options: RedisSinkOptions): RedisSinkSettings {
  const target = typeof options.target === 'string' ? parseRedisSinkUrl(options.target) : options.target;
  const overflow = options.overflow ?? 'wait';
  const window = positive('window', options.window ?? 20_000);
  const batchSize = positive('batchSize', options.batchSize ?? 500);
  const maxBatchesInFlight = positive('maxBatchesInFlight', options.maxBatchesInFlight ?? 4);
  const initialDelayMs = positive('reconnect.initialDelayMs', options.reconnect?.initialDelayMs ?? 50);
  const maxDelayMs = positive('reconnect.maxDelayMs', options.reconnect?.maxDelayMs ?? 2000);
  const giveUpAfterMs = positive('reconnect.giveUpAfterMs', options.reconnect?.giveUpAfterMs ?? target.giveUpAfterMs ?? 30_000);
  const connectTimeoutMs = positive('connectTimeoutMs', options.connectTimeoutMs ?? 5000);
  const replyTimeoutMs = positive('replyTimeoutMs', options.replyTimeoutMs ?? Math.min(10_000, giveUpAfterMs));
  if (overflow !== 'wait' && overflow !== 'drop-oldest') {
    throw new RedisSinkError('ERR_REDIS_SINK_OPTION', `overflow must be wait or drop-oldest, not "${String(overflow)}"`);
  }
  return {
    target,
    source: options.source ?? hostname(),
    overflow,
    window,
    lowWater: Math.floor(window / 2),
    batchSize,
    maxBatchesInFlight,
    initialDelayMs,
    maxDelayMs,
    giveUpAfterMs,
    connectTimeoutMs,
    replyTimeoutMs,
  };
}

function positive(name: string, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RedisSinkError('ERR_REDIS_SINK_OPTION', `${name} must be a whole number of at least 1, not ${n}`);
  return n;
}
