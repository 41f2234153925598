// Reads back what a sink wrote, with a plain client: every entry of KEY:0 … KEY:{shards-1}.
import { createClient } from 'redis';
import type { RedisStreamRecord } from '../types.js';

/** One stream entry as read back. */
export interface Entry {
  readonly shard: number;
  readonly entryId: string;
  readonly fields: Readonly<Record<string, string>>;
}

/** A RESP2 client on 127.0.0.1:port (the caller closes it). */
export async function plainClient(port: number, password?: string) {
  const client = createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: false }, RESP: 2, ...(password ? { password } : {}) });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Every entry of every shard, shard by shard, each in stream order. */
export async function readShards(port: number, key: string, shards: number): Promise<Entry[][]> {
  const client = await plainClient(port);
  try {
    const out: Entry[][] = [];
    for (let shard = 0; shard < shards; shard++) {
      const raw = (await client.sendCommand(['XRANGE', `${key}:${shard}`, '-', '+'])) as [string, string[]][];
      out.push(
        raw.map(([entryId, flat]) => {
          const fields: Record<string, string> = {};
          for (let i = 0; i < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
          return { shard, entryId, fields };
        }),
      );
    }
    return out;
  } finally {
    client.destroy();
  }
}

/** A made-up record of connection `stream`, the n-th of it. */
export function fakeRecord(stream: number, n: number, source = 'test'): RedisStreamRecord {
  const client = `10.0.${stream >> 8}.${stream & 255}:${40000 + stream}`;
  return {
    id: `${source}:${stream}:${n}`,
    json: JSON.stringify({ stream, n, text: `message ${n} of connection ${stream}` }),
    fields: { stream, dir: n % 2 ? 's2c' : 'c2s', type: 'text', ts: `1700000000.${String(n).padStart(9, '0')}`, client, server: '10.1.0.1:7272' },
  };
}

/** Resolves once `check()` is true (polled), or throws after `ms`. */
export async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
