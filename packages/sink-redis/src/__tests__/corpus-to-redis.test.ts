// The corpus' WebSocket captures through the library pipeline into a real redis-server: every
// message arrives once (by id), in its connection's order, its `json` equal to the `netrx ws
// --format jsonl` line; Redis killed and restarted mid-run (file source); Redis never coming back;
// two sources into one key.
import { basename } from 'node:path';
import { lastValueFrom, map, tap, type Observable } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corePlugin, createRegistry, dissect } from '@netrx/core';
import { dissectStreams, reassembleTcp, tcpPlugin } from '@netrx/dissector-tcp';
import { httpPlugin } from '@netrx/dissector-http';
import { websocketMessageJson, websocketMessages, websocketPlugin } from '@netrx/dissector-websocket';
import { fromCaptureFile, type CaptureFileOptions } from '@netrx/source-file';
import { corpusCaptures, noteIfCorpusMissing } from '../../../../test-support/corpus.js';
import { noteIfRedisMissing, startRedisServer, type RedisServer } from '../../../../test-support/redis-server.js';
import { RedisRecordBuilder, RedisSinkError, RedisStreamSink, createRedisSink, toRedisStreams, type RedisSinkOptions, type RedisStreamRecord } from '../index.js';
import { readShards, type Entry } from './read-streams.js';

const skip = noteIfCorpusMissing('sink-redis corpus runs') || noteIfRedisMissing('sink-redis corpus runs');

/** The records of a capture, as `netrx ws` would make them: the record, in pipeline order. */
function wsRecords(path: string, source: string, options: CaptureFileOptions = {}): Observable<RedisStreamRecord> {
  const registry = createRegistry([corePlugin, tcpPlugin, httpPlugin, websocketPlugin]);
  const records = new RedisRecordBuilder(source);
  return fromCaptureFile(path, options).pipe(
    dissect(registry),
    reassembleTcp(registry),
    dissectStreams(registry),
    websocketMessages(),
    map((m) => records.appEvent(m, m.kind, websocketMessageJson(m))),
  );
}

/** How {@link run} reads: the read size, what to do between chunks (default: wait for the sink), where to collect the records. */
interface RunOptions {
  readonly chunkSize?: number;
  readonly beforeNextChunk?: (sink: RedisStreamSink) => Promise<unknown> | undefined;
  readonly made?: RedisStreamRecord[];
}

/** Runs a capture into a new sink; returns the records made (in order) and the sink's counters. */
async function run(path: string, source: string, sinkOptions: Omit<RedisSinkOptions, 'source'>, options: RunOptions = {}) {
  const sink = await createRedisSink({ ...sinkOptions, source });
  const made = options.made ?? [];
  const hook = options.beforeNextChunk ?? ((s: RedisStreamSink) => s.ready());
  const stats = await lastValueFrom(
    wsRecords(path, source, { ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}), beforeNextChunk: () => hook(sink) }).pipe(
      tap((r) => made.push(r)),
      toRedisStreams(sink),
    ),
  );
  return { made, stats, sink };
}

/** Per `source:stream`, the ids in stream order, keeping the first copy of each; and the copies seen. */
function byConnection(shards: Entry[][]): { order: Map<string, string[]>; copies: Map<string, number>; shardOf: Map<string, Set<number>> } {
  const order = new Map<string, string[]>();
  const copies = new Map<string, number>();
  const shardOf = new Map<string, Set<number>>();
  for (const entries of shards) {
    for (const e of entries) {
      const id = e.fields.id!;
      const conn = `${e.fields.source}:${e.fields.stream}`;
      (shardOf.get(conn) ?? shardOf.set(conn, new Set()).get(conn)!).add(e.shard);
      copies.set(id, (copies.get(id) ?? 0) + 1);
      if (copies.get(id)! > 1) continue;
      (order.get(conn) ?? order.set(conn, []).get(conn)!).push(id);
    }
  }
  return { order, copies, shardOf };
}

/** The records' ids per `source:stream`, in the order they were made. */
function expectedOrder(made: readonly RedisStreamRecord[]): Map<string, string[]> {
  const order = new Map<string, string[]>();
  for (const r of made) {
    const conn = r.id.slice(0, r.id.lastIndexOf(':'));
    (order.get(conn) ?? order.set(conn, []).get(conn)!).push(r.id);
  }
  return order;
}

describe.skipIf(skip)('corpus WebSocket captures into Redis Streams', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer({ persistent: true });
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('every message arrives exactly once, in its connection\'s order, its json the jsonl line', async () => {
    const all: RedisStreamRecord[] = [];
    for (const path of corpusCaptures()) {
      const { made, stats } = await run(path, basename(path), { target: redis.url('corpus'), batchSize: 16, maxBatchesInFlight: 2 });
      expect(made.length, path).toBeGreaterThan(0);
      expect(stats, path).toMatchObject({ accepted: made.length, written: made.length, retried: 0, dropped: 0, pending: 0 });
      all.push(...made);
    }
    const shards = await readShards(redis.port, 'corpus', 16);
    const { order, copies, shardOf } = byConnection(shards);
    expect(shards.flat().length).toBe(all.length);
    expect([...copies.values()].every((n) => n === 1)).toBe(true);
    expect(order).toEqual(expectedOrder(all));
    // One connection, one stream; and the connections do spread over several shards.
    for (const [conn, set] of shardOf) expect(set.size, conn).toBe(1);
    expect(new Set([...shardOf.values()].map((s) => [...s][0])).size).toBeGreaterThan(4);
    const byId = new Map(shards.flat().map((e) => [e.fields.id!, e.fields]));
    for (const r of all) {
      const f = byId.get(r.id)!;
      expect(f.json).toBe(r.json);
      const line = JSON.parse(r.json as string) as Record<string, unknown>;
      expect(f).toMatchObject({ stream: String(line.stream), dir: line.dir, type: line.type, ts: line.ts, client: line.client, server: line.server });
    }
  });

  it('Redis killed and restarted mid-run (file source): the run completes, nothing is lost, retries are counted', async () => {
    const path = corpusCaptures().find((p) => p.endsWith('s3_wsclient_pyserver_ipv6_plain.pcap'))!;
    let killed = false;
    let restarted: Promise<void> | undefined;
    const made: RedisStreamRecord[] = [];
    let madeBefore = 0;
    const beforeNextChunk = (sink: RedisStreamSink): Promise<unknown> | undefined => {
      // Once some records are in Redis and this chunk made records, crash Redis. This chunk's
      // records are queued, not sent (the sink sends after the synchronous run): they go out to
      // a dead Redis, now or once the batches on the wire are answered, and must be resent.
      // (Records pending is not enough: they may all be on the wire and answered already, and
      // the sink, with nothing more to send, may see Redis gone before it sends again.)
      if (!killed && sink.stats.written >= 20 && made.length > madeBefore) {
        killed = true;
        restarted = redis
          .kill()
          .then(() => new Promise((r) => setTimeout(r, 300)))
          .then(() => redis.restart());
      }
      madeBefore = made.length;
      return sink.ready();
    };
    // Redis is back up for the next tests when this settles, even if the run failed.
    const { stats } = await run(
      path,
      'restart',
      { target: redis.url('restart'), window: 8, batchSize: 4, maxBatchesInFlight: 2, reconnect: { maxDelayMs: 100 } },
      { chunkSize: 4096, beforeNextChunk, made },
    ).finally(() => restarted);
    expect(killed).toBe(true);
    expect(stats.retried).toBeGreaterThan(0);
    expect(stats.reconnects).toBeGreaterThanOrEqual(1);
    expect(stats).toMatchObject({ accepted: made.length, written: made.length, dropped: 0, pending: 0 });
    const shards = await readShards(redis.port, 'restart', 16);
    const { order, copies } = byConnection(shards);
    // At-least-once: every record is there; copies only of records that were resent.
    expect(order).toEqual(expectedOrder(made));
    const extra = [...copies.values()].reduce((a, n) => a + n - 1, 0);
    expect(extra).toBeLessThanOrEqual(stats.retried);
    const json = new Map(made.map((r) => [r.id, r.json]));
    for (const e of shards.flat()) expect(e.fields.json).toBe(json.get(e.fields.id!));
  });

  it('Redis never comes back: the run fails with a clear error naming how many records were written', async () => {
    const path = corpusCaptures().find((p) => p.endsWith('s3_wsclient_pyserver_ipv6_plain.pcap'))!;
    let killed = false;
    const beforeNextChunk = (sink: RedisStreamSink): Promise<unknown> | undefined => {
      if (!killed && sink.stats.written >= 20) {
        killed = true;
        void redis.kill();
      }
      return sink.ready();
    };
    const made: RedisStreamRecord[] = [];
    const failure = await run(
      path,
      'lost',
      { target: redis.url('lost'), window: 8, batchSize: 4, maxBatchesInFlight: 2, reconnect: { maxDelayMs: 100, giveUpAfterMs: 1000 } },
      { chunkSize: 4096, beforeNextChunk, made },
    ).then(
      () => undefined,
      (err: unknown) => err,
    );
    // What the sink counted as written is really there (the server keeps it in its append-only
    // file); and the next tests need Redis whatever is checked here.
    await redis.restart();
    expect(failure).toBeInstanceOf(RedisSinkError);
    const err = failure as RedisSinkError;
    expect(err.code).toBe('ERR_REDIS_SINK_LOST');
    const m = /: (\d+) records were written to lost, (\d+) were not$/.exec(err.message);
    expect(m, err.message).not.toBeNull();
    const written = Number(m![1]);
    expect(written).toBeGreaterThanOrEqual(20);
    // The reader stopped: it did not read the whole capture while Redis was away.
    const total = (await lastValueFrom(wsRecords(path, 'count').pipe(map((_, i) => i + 1)))) as number;
    expect(made.length).toBeLessThan(total);
    const { order } = byConnection(await readShards(redis.port, 'lost', 16));
    const stored = [...order.values()].reduce((a, ids) => a + ids.length, 0);
    expect(stored).toBeGreaterThanOrEqual(written);
    expect(stored).toBeLessThanOrEqual(written + 8);
    // And it is the first records made, in order.
    const want = expectedOrder(made.slice(0, written));
    for (const [conn, ids] of want) expect(order.get(conn)?.slice(0, ids.length), conn).toEqual(ids);
  });

  it('two sources into one key: both arrive, and source tells them apart', async () => {
    const [a, b] = [corpusCaptures().find((p) => p.includes('s2_ws_ws_deflate'))!, corpusCaptures().find((p) => p.includes('s1_chat_chromium_any_deflate'))!];
    const [ra, rb] = await Promise.all([
      run(a, 'tap-a', { target: redis.url('shared', 'shards=4'), batchSize: 8 }),
      run(b, 'tap-b', { target: redis.url('shared', 'shards=4'), batchSize: 8 }),
    ]);
    const entries = (await readShards(redis.port, 'shared', 4)).flat();
    for (const [source, made] of [['tap-a', ra.made], ['tap-b', rb.made]] as const) {
      const mine = entries.filter((e) => e.fields.source === source);
      expect(mine.map((e) => e.fields.id).sort()).toEqual(made.map((r) => r.id).sort());
      expect(new Set(mine.map((e) => e.fields.json))).toEqual(new Set(made.map((r) => r.json)));
    }
    expect(entries.length).toBe(ra.made.length + rb.made.length);
  });
});
