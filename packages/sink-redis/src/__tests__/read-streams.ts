// Test helpers of the sink's tests: made-up records, polling; reading back what a sink wrote is in
// test-support/redis-server.ts (the command's tests use it too).
import type { RedisStreamRecord } from '../types.js';

export { plainClient, readShards, type StreamEntry as Entry } from '../../../../test-support/redis-server.js';

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
