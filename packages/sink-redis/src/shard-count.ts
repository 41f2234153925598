import { ErrorReply } from 'redis';
import { RedisSinkError } from './errors.js';
import type { RedisSinkTarget } from './parse-redis-sink-url.js';

/** `KEY:shards`: where the key's first writer records its shard count. */
export function shardCountKey(key: string): string {
  return `${key}:shards`;
}

/**
 * Records the sink's shard count in `KEY:shards` unless a writer did first (`SET NX`), and checks
 * that every writer of the key agrees: records are sharded `mod shards`, so a writer with another
 * count would put one connection's records into two streams. Waits out `-LOADING` (Redis
 * restarted and loading its data set) every `initialDelayMs` for about `connectTimeoutMs`.
 * Rejects with `ERR_REDIS_SINK_SHARDS`, `ERR_REDIS_SINK_AUTH` or `ERR_REDIS_SINK_REPLY`, or with
 * the client's own error when the connection fails (for the caller to explain).
 */
export async function checkShardCount(
  client: { sendCommand(args: readonly string[]): Promise<unknown> },
  target: RedisSinkTarget,
  /** `HOST:PORT`, for messages. */
  where: string,
  wait: { readonly initialDelayMs: number; readonly connectTimeoutMs: number },
): Promise<void> {
  const shardsKey = shardCountKey(target.key);
  const n = String(target.shards);
  for (let attempt = 0; ; attempt++) {
    try {
      await client.sendCommand(['SET', shardsKey, n, 'NX']);
      const have = await client.sendCommand(['GET', shardsKey]);
      if (have !== n) {
        throw new RedisSinkError(
          'ERR_REDIS_SINK_SHARDS',
          `${target.key} at ${where} is already written with ${String(have)} shards (${shardsKey}), not ${n}: add ?shards=${String(have)} to the URL, or use another key`,
        );
      }
      return;
    } catch (err) {
      if (err instanceof ErrorReply && err.message.startsWith('LOADING') && attempt * wait.initialDelayMs < wait.connectTimeoutMs) {
        await new Promise((r) => setTimeout(r, wait.initialDelayMs));
        continue;
      }
      if (err instanceof ErrorReply && /^(NOAUTH|NOPERM)/.test(err.message)) {
        throw new RedisSinkError('ERR_REDIS_SINK_AUTH', `Redis at ${where} needs credentials (${err.message}): put them in the --sink URL, redis://[user:]password@HOST:PORT/KEY`, { cause: err });
      }
      if (err instanceof ErrorReply) throw new RedisSinkError('ERR_REDIS_SINK_REPLY', `Redis at ${where} refused SET ${shardsKey}: ${err.message}`, { cause: err });
      throw err;
    }
  }
}
