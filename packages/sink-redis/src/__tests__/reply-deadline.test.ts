// A Redis that stops answering with its socket open (SIGSTOP: the kernel keeps the connection and
// takes what the sink writes, nothing comes back) is a lost connection once a batch has waited
// `replyTimeoutMs`: the sink drops it, reconnects and resends when Redis answers again, or gives
// up after `giveUpAfterMs` with an error naming how many records were written. Without the
// deadline a file run would wait forever.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { noteIfRedisMissing, startRedisServer, type RedisServer } from '../../../../test-support/redis-server.js';
import { RedisSinkError, createRedisSink } from '../index.js';
import { fakeRecord, readShards, until } from './read-streams.js';

const missing = noteIfRedisMissing('RedisStreamSink reply deadline against a real redis-server');

describe.skipIf(missing)('RedisStreamSink when Redis freezes (SIGSTOP)', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterEach(() => {
    // Never leave it stopped: the next test, and stop(), need it answering.
    try {
      redis.resume();
    } catch {}
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('drops the silent connection after the reply deadline, and once Redis answers again resends: nothing lost, in order', async () => {
    const sink = await createRedisSink({ target: redis.url('frozen', 'shards=2'), replyTimeoutMs: 300, reconnect: { maxDelayMs: 100, giveUpAfterMs: 60_000 } });
    for (let n = 0; n < 100; n++) sink.write(fakeRecord(n % 5, n));
    await sink.flush();
    redis.pause();
    for (let n = 100; n < 2000; n++) sink.write(fakeRecord(n % 5, n));
    await until(() => sink.stats.retried > 0, 'the reply deadline drops the frozen connection');
    expect(sink.stats.written).toBe(100);
    expect(sink.connected).toBe(false);
    redis.resume();
    const stats = await sink.close();
    expect(stats).toMatchObject({ accepted: 2000, written: 2000, pending: 0, dropped: 0 });
    expect(stats.reconnects).toBeGreaterThanOrEqual(1);
    const entries = (await readShards(redis.port, 'frozen', 2)).flat();
    const ids = entries.map((e) => e.fields.id!);
    expect(new Set(ids)).toEqual(new Set(Array.from({ length: 2000 }, (_, n) => fakeRecord(n % 5, n).id)));
    // The dropped connection's XADDs reach Redis once it runs again, and are resent: copies only of resent records.
    expect(ids.length - 2000).toBeLessThanOrEqual(stats.retried);
    // Each connection's first copies in order.
    const seen = new Set<string>();
    const byConn = new Map<string, number[]>();
    for (const e of entries) {
      if (seen.has(e.fields.id!)) continue;
      seen.add(e.fields.id!);
      byConn.set(e.fields.stream!, [...(byConn.get(e.fields.stream!) ?? []), Number(e.fields.id!.split(':')[2])]);
    }
    for (const seq of byConn.values()) expect(seq).toEqual([...seq].sort((a, b) => a - b));
  });

  it('never answering again: fails after giveUpAfterMs, naming the silence and how many records were written', async () => {
    const sink = await createRedisSink({ target: redis.url('silent', 'shards=1'), reconnect: { giveUpAfterMs: 1000, maxDelayMs: 100 } });
    for (let n = 0; n < 100; n++) sink.write(fakeRecord(0, n));
    await sink.flush();
    redis.pause();
    for (let n = 100; n < 150; n++) sink.write(fakeRecord(0, n));
    let err: unknown;
    await sink.close().catch((e: unknown) => (err = e));
    expect(err).toBeInstanceOf(RedisSinkError);
    expect((err as RedisSinkError).code).toBe('ERR_REDIS_SINK_LOST');
    // The reply deadline defaults to the give-up time when that is under 10 s.
    expect((err as Error).message).toMatch(
      /^lost the connection to Redis at 127\.0\.0\.1:\d+ and it did not come back within 1 s \(Redis did not answer 50 XADDs within 1 s\): 100 records were written to silent, 50 were not$/,
    );
    expect(sink.ready()).toBeUndefined();
  });

  it('a Redis frozen at the start: connect() fails after connectTimeoutMs instead of waiting', async () => {
    redis.pause();
    let err: unknown;
    await createRedisSink({ target: redis.url('start'), connectTimeoutMs: 500 }).catch((e: unknown) => (err = e));
    expect((err as RedisSinkError).code).toBe('ERR_REDIS_SINK_CONNECT');
    expect((err as Error).message).toBe(`cannot connect to Redis at 127.0.0.1:${redis.port} (no answer within 0.5 s): is redis-server running and listening there?`);
  });
});
