import { concat, from, lastValueFrom, NEVER, throwError } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, noteIfRedisMissing, startRedisServer, type RedisServer } from '../../../../test-support/redis-server.js';
import { RedisSinkError, RedisStreamSink, connectionShardKey, createRedisSink, toRedisStreams } from '../index.js';
import { fakeRecord, plainClient, readShards, until } from './read-streams.js';

const missing = noteIfRedisMissing('RedisStreamSink against a real redis-server');

const codeOf = async (p: Promise<unknown>): Promise<RedisSinkError> => {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(RedisSinkError);
    return err as RedisSinkError;
  }
  throw new Error('it did not fail');
};

describe('connecting', () => {
  it('fails at once, before anything is written, when nothing listens', async () => {
    const port = await freePort();
    const err = await codeOf(createRedisSink({ target: `redis://127.0.0.1:${port}/k` }));
    expect(err.code).toBe('ERR_REDIS_SINK_CONNECT');
    expect(err.message).toBe(`cannot connect to Redis at 127.0.0.1:${port} (connection refused (ECONNREFUSED)): is redis-server running and listening there?`);
  });

  it('refuses writing before connect()', () => {
    const sink = new RedisStreamSink({ target: 'redis://h:1/k' });
    expect(() => sink.write({ id: 'a', json: '{}', fields: { stream: 0, ts: '0.000000000', client: 'a:1', server: 'b:2' } })).toThrow(
      expect.objectContaining({ code: 'ERR_REDIS_SINK_STATE', message: 'the sink to redis://h:1/k is not connected: call connect() before writing' }),
    );
  });

  it('refuses bad option values', () => {
    expect(() => new RedisStreamSink({ target: 'redis://h:1/k', window: 0 })).toThrow(/window must be a whole number of at least 1, not 0/);
    expect(() => new RedisStreamSink({ target: 'redis://h:1/k', overflow: 'block' as never })).toThrow(/overflow must be wait or drop-oldest/);
  });
});

describe.skipIf(missing)('RedisStreamSink on a real redis-server', () => {
  let redis: RedisServer;
  let locked: RedisServer;
  beforeAll(async () => {
    [redis, locked] = await Promise.all([startRedisServer(), startRedisServer({ password: 's3cret' })]);
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), locked?.stop()]);
  });

  it('writes json given as UTF-8 bytes (a Buffer, or a view into a bigger array) as it is', async () => {
    const sink = await createRedisSink({ target: redis.url('bytes', 'shards=1'), source: 'b' });
    const text = '{"text":"é世🙂 \\" end"}';
    const inBigger = new Uint8Array(100);
    const utf8 = Buffer.from(text);
    inBigger.set(utf8, 7);
    const base = fakeRecord(0, 0, 'b');
    sink.write({ ...base, id: 'b:0:0', json: utf8 });
    sink.write({ ...base, id: 'b:0:1', json: inBigger.subarray(7, 7 + utf8.length) });
    sink.write({ ...base, id: 'b:0:2', json: text });
    await sink.close();
    const [entries] = await readShards(redis.port, 'bytes', 1);
    expect(entries!.map((e) => [e.fields.id, e.fields.json])).toEqual([
      ['b:0:0', text],
      ['b:0:1', text],
      ['b:0:2', text],
    ]);
  });

  it('writes each record as one entry with its fields, in the shard of its connection, in order', async () => {
    const sink = await createRedisSink({ target: redis.url('basic', 'shards=4'), source: 'tap-1', batchSize: 7, maxBatchesInFlight: 3 });
    const written = [];
    for (let n = 0; n < 300; n++) {
      const r = fakeRecord(n % 10, Math.floor(n / 10));
      written.push(r);
      sink.write(r);
    }
    const stats = await sink.close();
    expect(stats).toMatchObject({ accepted: 300, written: 300, retried: 0, dropped: 0, pending: 0 });
    const shards = await readShards(redis.port, 'basic', 4);
    expect(shards.flat()).toHaveLength(300);
    for (const r of written) {
      const shard = connectionShardKey(r.fields.client, r.fields.server) % 4;
      const e = shards[shard]!.find((x) => x.fields.id === r.id);
      expect(e?.fields).toEqual({
        id: r.id,
        source: 'tap-1',
        stream: String(r.fields.stream),
        dir: r.fields.dir,
        type: 'text',
        ts: r.fields.ts,
        client: r.fields.client,
        server: r.fields.server,
        json: r.json,
      });
    }
    // Per connection, the entries come in the order the records were written.
    for (const entries of shards) {
      const byConn = new Map<string, number[]>();
      for (const e of entries) byConn.set(e.fields.stream!, [...(byConn.get(e.fields.stream!) ?? []), Number(e.fields.id!.split(':')[2])]);
      for (const seq of byConn.values()) expect(seq).toEqual([...seq].sort((a, b) => a - b));
    }
    const c = await plainClient(redis.port);
    expect(await c.get('basic:shards')).toBe('4');
    c.destroy();
  });

  it('uses the record\'s shardKey when it has one, and leaves out dir and type when absent', async () => {
    const sink = await createRedisSink({ target: redis.url('keyed', 'shards=3'), source: 's' });
    sink.write({ id: 'a', json: '{}', fields: { stream: 1, ts: '1.000000000', client: 'c:1', server: 's:2' }, shardKey: 5 });
    await sink.close();
    const shards = await readShards(redis.port, 'keyed', 3);
    expect(shards.map((s) => s.length)).toEqual([0, 0, 1]);
    expect(Object.keys(shards[2]![0]!.fields)).toEqual(['id', 'source', 'stream', 'ts', 'client', 'server', 'json']);
  });

  it('refuses a key already written with another shard count', async () => {
    await (await createRedisSink({ target: redis.url('counted', 'shards=8') })).close();
    const err = await codeOf(createRedisSink({ target: redis.url('counted', 'shards=2') }));
    expect(err.code).toBe('ERR_REDIS_SINK_SHARDS');
    expect(err.message).toContain('counted at 127.0.0.1:');
    expect(err.message).toContain('is already written with 8 shards (counted:shards), not 2: add ?shards=8 to the URL, or use another key');
  });

  it('trims each shard to about maxlen entries (MAXLEN ~)', async () => {
    const sink = await createRedisSink({ target: redis.url('trimmed', 'shards=1&maxlen=100') });
    for (let n = 0; n < 3000; n++) sink.write(fakeRecord(0, n));
    await sink.close();
    const c = await plainClient(redis.port);
    const len = await c.xLen('trimmed:0');
    c.destroy();
    // Approximate trimming removes whole radix-tree nodes (100 entries each by default).
    expect(len).toBeGreaterThanOrEqual(100);
    expect(len).toBeLessThan(300);
  });

  it('fails the sink when Redis refuses XADD, saying how many records were written', async () => {
    const c = await plainClient(redis.port);
    await c.set('wrongtype:0', 'not a stream');
    c.destroy();
    const sink = await createRedisSink({ target: redis.url('wrongtype', 'shards=1') });
    let told: RedisSinkError | undefined;
    sink.onFailure((e) => (told = e));
    sink.write(fakeRecord(0, 0));
    const err = await codeOf(sink.close());
    expect(err.code).toBe('ERR_REDIS_SINK_REPLY');
    expect(err.message).toMatch(/refused XADD to wrongtype:\*: WRONGTYPE .*; 0 records were written, 1 were not/);
    expect(told).toBe(err);
    expect(() => sink.write(fakeRecord(0, 1))).toThrow(/is failed: no more records can be written/);
  });

  it('toRedisStreams: emits the counters at the end; on an input error, flushes first and passes the error on', async () => {
    const sink = await createRedisSink({ target: redis.url('op-ok', 'shards=2') });
    const stats = await lastValueFrom(from(Array.from({ length: 40 }, (_, n) => fakeRecord(n % 3, n))).pipe(toRedisStreams(sink)));
    expect(stats).toMatchObject({ accepted: 40, written: 40, pending: 0 });
    expect(() => sink.write(fakeRecord(0, 99))).toThrow(/is closed/);

    const failing = await createRedisSink({ target: redis.url('op-err', 'shards=2') });
    const boom = new Error('capture broke');
    const records = Array.from({ length: 25 }, (_, n) => fakeRecord(n % 3, n));
    await expect(lastValueFrom(concat(from(records), throwError(() => boom)).pipe(toRedisStreams(failing)))).rejects.toBe(boom);
    expect((await readShards(redis.port, 'op-err', 2)).flat()).toHaveLength(25);
  });

  it('toRedisStreams: unsubscribing early destroys the sink', async () => {
    const sink = await createRedisSink({ target: redis.url('op-unsub', 'shards=1') });
    const sub = concat(from([fakeRecord(0, 0)]), NEVER).pipe(toRedisStreams(sink)).subscribe();
    sub.unsubscribe();
    expect(() => sink.write(fakeRecord(0, 1))).toThrow(expect.objectContaining({ code: 'ERR_REDIS_SINK_CLOSED' }));
  });

  it('refuses a wrong password, and writes with the right one', async () => {
    const wrong = await codeOf(createRedisSink({ target: `redis://:nope@127.0.0.1:${locked.port}/k` }));
    expect(wrong.code).toBe('ERR_REDIS_SINK_AUTH');
    expect(wrong.message).toMatch(/refused the credentials \(WRONGPASS.*\): check the user and password in the --sink URL/);
    const none = await codeOf(createRedisSink({ target: `redis://127.0.0.1:${locked.port}/k` }));
    expect(none.code).toBe('ERR_REDIS_SINK_AUTH');
    expect(none.message).toMatch(/needs credentials \(NOAUTH.*\): put them in the --sink URL/);
    const sink = await createRedisSink({ target: `redis://:s3cret@127.0.0.1:${locked.port}/k?shards=1` });
    sink.write(fakeRecord(0, 0));
    expect((await sink.close()).written).toBe(1);
  });
});

describe.skipIf(missing)('RedisStreamSink when Redis goes away', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer({ persistent: true });
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('overflow wait: ready() holds the writer while Redis is away, and nothing is lost', async () => {
    const sink = await createRedisSink({ target: redis.url('waiting', 'shards=2'), window: 10, reconnect: { maxDelayMs: 100 } });
    sink.write(fakeRecord(0, 0));
    await sink.flush();
    await redis.kill();
    let ready: Promise<void> | undefined;
    try {
      await until(() => !sink.connected, 'the sink sees Redis gone');
      for (let n = 1; n <= 20; n++) sink.write(fakeRecord(n % 3, n));
      ready = sink.ready();
      expect(ready).toBeInstanceOf(Promise);
      let released = false;
      void ready!.then(() => (released = true));
      await new Promise((r) => setTimeout(r, 200));
      expect(released).toBe(false);
    } finally {
      // The next tests need Redis whatever happened here.
      await redis.restart();
    }
    await ready;
    const stats = await sink.close();
    expect(stats).toMatchObject({ accepted: 21, written: 21, dropped: 0, pending: 0 });
    expect(stats.reconnects).toBeGreaterThanOrEqual(1);
    const ids = (await readShards(redis.port, 'waiting', 2)).flat().map((e) => e.fields.id);
    expect(new Set(ids)).toEqual(new Set(Array.from({ length: 21 }, (_, n) => fakeRecord(n % 3, n).id)));
  });

  it('overflow drop-oldest: keeps the newest window of records while Redis is away, and counts the rest', async () => {
    const sink = await createRedisSink({ target: redis.url('live', 'shards=1'), overflow: 'drop-oldest', window: 100, reconnect: { maxDelayMs: 100 } });
    sink.write(fakeRecord(0, 0));
    await sink.flush();
    await redis.kill();
    try {
      await until(() => !sink.connected, 'the sink sees Redis gone');
      for (let n = 1; n <= 1000; n++) sink.write(fakeRecord(0, n));
      expect(sink.ready()).toBeUndefined();
      expect(sink.stats).toMatchObject({ accepted: 1001, dropped: 900, pending: 100 });
    } finally {
      await redis.restart();
    }
    const stats = await sink.close();
    expect(stats).toMatchObject({ written: 101, dropped: 900, pending: 0 });
    const ids = (await readShards(redis.port, 'live', 1))[0]!.map((e) => e.fields.id);
    expect(ids).toEqual([0, ...Array.from({ length: 100 }, (_, i) => 901 + i)].map((n) => fakeRecord(0, n).id));
  });

  it('fails with a clear error naming how many records were written when Redis never comes back', async () => {
    // The error names the last failure before giving up: the refusal of a reconnection attempt
    // (every 50 ms from 50 ms after the loss), unless this process was held from then to the
    // give-up time, when it would still be the lost connection. 2 s leaves room for that.
    const sink = await createRedisSink({ target: redis.url('gone', 'shards=1'), reconnect: { giveUpAfterMs: 2000, maxDelayMs: 50 } });
    for (let n = 0; n < 5; n++) sink.write(fakeRecord(0, n));
    await sink.flush();
    await redis.kill();
    try {
      for (let n = 5; n < 8; n++) sink.write(fakeRecord(0, n));
      const err = await codeOf(sink.close());
      expect(err.code).toBe('ERR_REDIS_SINK_LOST');
      expect(err.message).toMatch(/^lost the connection to Redis at 127\.0\.0\.1:\d+ and it did not come back within 2 s \(connection refused \(ECONNREFUSED\)\): 5 records were written to gone, 3 were not$/);
      expect(sink.ready()).toBeUndefined();
    } finally {
      await redis.restart();
    }
  });
});

describe.skipIf(missing)('RedisStreamSink when Redis restarts with a data set to load', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    // 20,000 keys in the append-only file's base, each loaded after a 100 µs pause (key-load-delay):
    // loading takes 2 s at least however fast the machine, during which Redis accepts connections
    // and, looking up from the loading every KiB read, answers data commands with -LOADING. (How
    // long a natural data set takes to load depends on the machine: half a million keys took 0.4 s.)
    redis = await startRedisServer({
      persistent: true,
      args: ['--enable-debug-command', 'yes', '--key-load-delay', '100', '--loading-process-events-interval-bytes', '1024'],
    });
    const c = await plainClient(redis.port);
    await c.sendCommand(['DEBUG', 'POPULATE', '20000', 'filler', '100']);
    await c.sendCommand(['BGREWRITEAOF']);
    for (;;) {
      const info = String(await c.sendCommand(['INFO', 'persistence']));
      if (info.includes('aof_rewrite_in_progress:0') && info.includes('aof_rewrite_scheduled:0')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    c.destroy();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('waits while Redis answers LOADING, then resends in order: nothing lost', async () => {
    const sink = await createRedisSink({ target: redis.url('loading', 'shards=2'), reconnect: { maxDelayMs: 50 } });
    for (let n = 0; n < 50; n++) sink.write(fakeRecord(n % 4, n));
    await sink.flush();
    await redis.kill();
    for (let n = 50; n < 100; n++) sink.write(fakeRecord(n % 4, n));
    await redis.restart({ loading: true });
    // Check independently that Redis really is loading now (else this test would not test it).
    const c = await plainClient(redis.port);
    const loading = await c.sendCommand(['EXISTS', 'x']).then(
      () => false,
      (err: Error) => err.message.startsWith('LOADING'),
    );
    c.destroy();
    expect(loading).toBe(true);
    const stats = await sink.close();
    expect(stats).toMatchObject({ accepted: 100, written: 100, pending: 0, dropped: 0 });
    const shards = await readShards(redis.port, 'loading', 2);
    for (const entries of shards) {
      const byConn = new Map<string, number[]>();
      for (const e of entries) byConn.set(e.fields.stream!, [...(byConn.get(e.fields.stream!) ?? []), Number(e.fields.id!.split(':')[2])]);
      for (const seq of byConn.values()) expect(seq).toEqual([...new Set(seq)].sort((a, b) => a - b));
    }
    expect(new Set(shards.flat().map((e) => e.fields.id))).toEqual(new Set(Array.from({ length: 100 }, (_, n) => fakeRecord(n % 4, n).id)));
  });
});
