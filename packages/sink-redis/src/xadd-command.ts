import { connectionShardKey } from './connection-shard-key.js';
import type { RedisSinkTarget } from './parse-redis-sink-url.js';
import type { RedisStreamRecord } from './types.js';

/**
 * Makes each record's `XADD KEY:{shard} [MAXLEN ~ M] * id … source … json …`: the shard is
 * `shardKey mod shards` (by default the connection's, so one connection's records stay in order
 * in one stream), the `json` bytes go as they are.
 */
export class XaddCommand {
  /** `KEY:0` … `KEY:{shards-1}`. */
  private readonly keys: string[];
  /** `['MAXLEN', '~', M]` or nothing. */
  private readonly trim: string[];

  constructor(
    target: RedisSinkTarget,
    /** The `source` field of every entry. */
    private readonly source: string,
  ) {
    const { key, shards, maxlen } = target;
    this.keys = Array.from({ length: shards }, (_, i) => `${key}:${i}`);
    this.trim = maxlen === undefined ? [] : ['MAXLEN', '~', String(maxlen)];
  }

  /** The command's arguments for `r`. */
  args(r: RedisStreamRecord): (string | Buffer)[] {
    const f = r.fields;
    const shard = ((r.shardKey ?? connectionShardKey(f.client, f.server)) >>> 0) % this.keys.length;
    const args: (string | Buffer)[] = ['XADD', this.keys[shard]!, ...this.trim, '*', 'id', r.id, 'source', this.source, 'stream', String(f.stream)];
    if (f.dir !== undefined) args.push('dir', f.dir);
    if (f.type !== undefined) args.push('type', f.type);
    // Bytes go to the socket as they are (node-redis takes a Buffer, not any Uint8Array: a view, not a copy).
    const json = typeof r.json === 'string' || Buffer.isBuffer(r.json) ? r.json : Buffer.from(r.json.buffer, r.json.byteOffset, r.json.byteLength);
    args.push('ts', f.ts, 'client', f.client, 'server', f.server, 'json', json);
    return args;
  }
}
