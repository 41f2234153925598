// The sink pipelines: the records written in one synchronous run (a file chunk) go out as batches
// of `batchSize` XADDs without waiting for replies, up to `maxBatchesInFlight` batches, and each
// batch answered in full lets one more go. Seen from a proxy that holds Redis' replies back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noteIfRedisMissing, startRedisServer, type RedisServer } from '../../../../test-support/redis-server.js';
import { createRedisSink } from '../index.js';
import { fakeRecord, readShards, until } from './read-streams.js';
import { startReplyGate, type ReplyGate } from './reply-gate.js';

const missing = noteIfRedisMissing('RedisStreamSink pipelining against a real redis-server');

describe.skipIf(missing)('RedisStreamSink pipelining', () => {
  let redis: RedisServer;
  let gate: ReplyGate;
  beforeAll(async () => {
    redis = await startRedisServer();
    gate = await startReplyGate(redis.port);
  });
  afterAll(async () => {
    await gate?.stop();
    await redis?.stop();
  });

  it('sends batchSize × maxBatchesInFlight XADDs before any reply, and one more batch per batch answered', async () => {
    const sink = await createRedisSink({ target: `redis://127.0.0.1:${gate.port}/piped?shards=2`, batchSize: 10, maxBatchesInFlight: 3 });
    gate.close();
    // One synchronous run, as a file chunk through the pipeline.
    for (let n = 0; n < 100; n++) sink.write(fakeRecord(n % 4, n));
    // Redis answered all three batches; the sink has seen none of it.
    await until(() => gate.held === 30, 'Redis has answered 30 XADDs');
    expect(gate.xadds).toBe(30);
    expect(sink.stats).toMatchObject({ written: 0, pending: 100 });

    // Most of a batch answered: still three batches awaiting replies, nothing more sent.
    gate.release(9);
    await new Promise((r) => setTimeout(r, 200));
    expect(gate.xadds).toBe(30);
    expect(sink.stats.written).toBe(0);

    // The first batch answered in full: it is counted, and one batch of 10 more goes out.
    gate.release(1);
    await until(() => gate.xadds === 40 && gate.held === 30, 'the next batch is answered by Redis');
    await new Promise((r) => setTimeout(r, 200));
    expect(gate.xadds).toBe(40);
    expect(sink.stats).toMatchObject({ written: 10, pending: 90 });

    gate.open();
    expect(await sink.close()).toMatchObject({ accepted: 100, written: 100, retried: 0, pending: 0 });
    // Sent once each.
    expect(gate.xadds).toBe(100);
    const ids = (await readShards(redis.port, 'piped', 2)).flat().map((e) => e.fields.id);
    expect(ids.length).toBe(100);
    expect(new Set(ids)).toEqual(new Set(Array.from({ length: 100 }, (_, n) => fakeRecord(n % 4, n).id)));
  });
});
