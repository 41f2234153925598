// Two consumer processes in one group share what netrx writes: every message reaches exactly one
// of them, both get some, and each prints per-connection message rates.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { lastValueFrom, map, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corePlugin, createRegistry, dissect } from '@netrx/core';
import { dissectStreams, reassembleTcp, tcpPlugin } from '@netrx/dissector-tcp';
import { httpPlugin } from '@netrx/dissector-http';
import { websocketMessages, websocketPlugin } from '@netrx/dissector-websocket';
import { fromCaptureFile } from '@netrx/source-file';
import { createClient } from 'redis';
import { noteIfRedisMissing, startRedisServer, type RedisServer } from '../../test-support/redis-server.js';
import { produce } from './produce.mjs';

const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));
const sample = here('../chat-server/capture/chat.pcap');
const missing = noteIfRedisMissing('examples/redis-consumer');

interface Summary {
  consumer: string;
  messages: number;
  duplicates: number;
  rates: Record<string, { perSecond?: number; total: number; captureSeconds?: number }>;
  done?: boolean;
  ids?: string[];
}

/** Starts a consumer; resolves once it reads (its first stderr line), with a promise of its stdout lines at exit. */
async function consumer(url: string, name: string): Promise<{ child: ChildProcessWithoutNullStreams; lines: Promise<Summary[]> }> {
  const child = spawn(process.execPath, [here('consumer.mjs'), url, '--group', 'g', '--name', name, '--count', '5', '--interval', '0.2', '--idle-exit', '8', '--json', '--report-ids']);
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const lines = new Promise<Summary[]>((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve(out.trim().split('\n').map((l) => JSON.parse(l) as Summary)) : reject(new Error(`${name} exited ${code}: ${err}`)))),
  );
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
      if (err.includes('reading')) resolve();
    });
    child.once('exit', () => reject(new Error(`${name} did not start: ${err}`)));
  });
  return { child, lines };
}

describe.skipIf(missing)('examples/redis-consumer', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('two consumers in one group share the messages: each arrives once, both get some', async () => {
    const url = redis.url('chat', 'shards=4');
    const a = await consumer(url, 'alpha');
    const b = await consumer(url, 'beta');
    // The sample capture, three times under three sources: more connections to spread.
    const written = [];
    for (const source of ['tap-1', 'tap-2', 'tap-3']) written.push(await produce(sample, url, source));
    const [la, lb] = await Promise.all([a.lines, b.lines]);
    const [fa, fb] = [la.at(-1)!, lb.at(-1)!];
    expect(fa.done && fb.done).toBe(true);

    const registry = createRegistry([corePlugin, tcpPlugin, httpPlugin, websocketPlugin]);
    const messages = await lastValueFrom(
      fromCaptureFile(sample).pipe(dissect(registry), reassembleTcp(registry), dissectStreams(registry), websocketMessages(), map((m) => m.connection.id), toArray()),
    );
    expect(written.map((s) => s.written)).toEqual([messages.length, messages.length, messages.length]);

    const ids = [...fa.ids!, ...fb.ids!];
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(3 * messages.length);
    expect(fa.messages).toBeGreaterThan(0);
    expect(fb.messages).toBeGreaterThan(0);
    // Per connection, the totals of both consumers add up to the connection's messages.
    const totals = new Map<string, number>();
    for (const f of [fa, fb]) for (const [conn, r] of Object.entries(f.rates)) totals.set(conn, (totals.get(conn) ?? 0) + r.total);
    for (const source of ['tap-1', 'tap-2', 'tap-3']) {
      for (const id of new Set(messages)) {
        const conn = [...totals.keys()].find((k) => k.startsWith(`${source} #${id} `));
        expect(conn, `${source} #${id}`).toBeDefined();
        expect(totals.get(conn!)).toBe(messages.filter((m) => m === id).length);
      }
    }
    // Rates were printed while they ran, and everything was acknowledged.
    expect([...la, ...lb].some((l) => !l.done && Object.values(l.rates).some((r) => (r.perSecond ?? 0) > 0))).toBe(true);
    const client = createClient({ socket: { host: '127.0.0.1', port: redis.port }, RESP: 2 });
    await client.connect();
    for (let shard = 0; shard < 4; shard++) expect(((await client.sendCommand(['XPENDING', `chat:${shard}`, 'g'])) as unknown[])[0]).toBe(0);
    client.destroy();
  });
});
