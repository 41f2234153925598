// Records/s into a local Redis through RedisStreamSink:
//   node packages/sink-redis/bench/redis-throughput.mjs [records] [batchSize,maxBatchesInFlight …]
// (run `npx tsc -b packages/sink-redis` first; a variant is batchSize,maxBatchesInFlight[,window]). Starts its own redis-server on a free loopback port
// (no persistence, as a test server would be), generates `ws --format jsonl`-like records of
// 1000 connections (JSON lines of 150–400 bytes, as chat messages are), writes them in chunks of
// 5000 (one file chunk's worth) awaiting sink.ready() between chunks as a file reader does, and
// counts from the first write until close() has every XADD acknowledged. The key is deleted
// between runs. Numbers on a shared 2-core machine are noisy: take the median of several runs.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { RedisRecordBuilder, RedisStreamSink } from '../dist/index.js';

const N = Number(process.argv[2] ?? 200_000);
const variants = (process.argv.length > 3 ? process.argv.slice(3) : ['500,4', '100,4', '2000,4', '500,1', '500,16']).map((v) => v.split(',').map(Number));
const CHUNK = Number(process.env.CHUNK ?? 5000);
const REPEAT = 3;

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const dir = mkdtempSync(join(tmpdir(), 'netrx-redis-bench-'));
const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--logfile', ''], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve) => {
  let log = '';
  server.stdout.on('data', (b) => {
    log += b;
    if (log.includes('Ready to accept connections')) resolve();
  });
});

// Records are made as the pipeline would make them, chunk by chunk (the builder's ids and shard
// keys, a JSON line each); a run without the sink measures that cost alone, to subtract.
const connections = Array.from({ length: 1000 }, (_, i) => ({
  id: i,
  family: 4,
  client: { address: `10.0.${i >> 8}.${i & 255}`, port: 40000 + i },
  server: { address: '10.1.0.1', port: 7272 },
  clientBy: 'syn',
}));
const words = 'hi all hello world chat room the quick brown fox jumps over lazy dog message user 你好 café 🙂'.split(' ');
const texts = Array.from({ length: 256 }, (_, k) => {
  let text = '';
  while (text.length < 100 + ((k * 31) % 250)) text += words[(k + text.length) % words.length] + ' ';
  return text;
});
let jsonBytes = 0;
function makeRecord(builder, i) {
  const c = connections[(i * 7919) % connections.length];
  const dir = i & 1 ? 's2c' : 'c2s';
  const text = texts[i & 255];
  const ts = 1_700_000_000_000_000_000n + BigInt(i) * 1000n;
  const json = JSON.stringify({ ts: `${ts / 1_000_000_000n}.${String(ts % 1_000_000_000n).padStart(9, '0')}`, stream: c.id, client: `${c.client.address}:${c.client.port}`, server: '10.1.0.1:7272', dir, type: 'text', length: Buffer.byteLength(text), text, compressed: false, frames: 1 });
  jsonBytes += json.length;
  return builder.appEvent({ connection: c, dir, lastTs: ts }, 'text', json);
}

/** Makes the records in chunks and gives each to `write`, yielding between chunks as a file reader does. */
async function feed(write, ready) {
  const builder = new RedisRecordBuilder('bench');
  for (let i = 0; i < N; i += CHUNK) {
    const end = Math.min(N, i + CHUNK);
    for (let j = i; j < end; j++) write(makeRecord(builder, j));
    const wait = ready();
    if (wait) await wait;
    else await new Promise((r) => setImmediate(r));
  }
}

const admin = createClient({ socket: { host: '127.0.0.1', port }, RESP: 2 });
await admin.connect();

/** Seconds of CPU redis-server has used (user + system), from INFO cpu. */
async function redisCpu() {
  const info = String(await admin.sendCommand(['INFO', 'cpu']));
  const get = (k) => Number(new RegExp(`${k}:([0-9.]+)`).exec(info)[1]);
  return get('used_cpu_user') + get('used_cpu_sys');
}

async function once(batchSize, maxBatchesInFlight, window) {
  await admin.sendCommand(['FLUSHALL']);
  const redis0 = await redisCpu();
  const cpu0 = process.cpuUsage();
  const sink = new RedisStreamSink({ target: `redis://127.0.0.1:${port}/bench`, source: 'bench', batchSize, maxBatchesInFlight, ...(window ? { window } : {}) });
  await sink.connect();
  const t0 = performance.now();
  await feed((r) => sink.write(r), () => sink.ready());
  const stats = await sink.close();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const redisUs = ((await redisCpu()) - redis0) * 1e6;
  if (stats.written !== N) throw new Error(`wrote ${stats.written} of ${N}`);
  return { ms, clientUs: (cpu.user + cpu.system) / N, redisUs: redisUs / N };
}

// The records alone, without the sink: what the pipeline would spend anyway.
{
  const base = [];
  for (let r = 0; r < REPEAT; r++) {
    const cpu0 = process.cpuUsage();
    await feed(() => {}, () => undefined);
    const cpu = process.cpuUsage(cpu0);
    base.push((cpu.user + cpu.system) / N);
  }
  base.sort((a, b) => a - b);
  console.log(`${N} records, ${(jsonBytes / N / REPEAT).toFixed(0)} bytes of JSON each on average, 1000 connections, 16 shards, redis-server on 127.0.0.1:${port}`);
  console.log(`making the records alone: ${base[1].toFixed(2)} µs of CPU each (included in the netrx CPU below)`);
}

// Bare node-redis on the same records, 500 XADDs per Promise.all, 4 batches awaiting replies: what
// the client library costs by itself, for comparison with the sink's own bookkeeping.
async function bare() {
  await admin.sendCommand(['FLUSHALL']);
  const client = createClient({ socket: { host: '127.0.0.1', port }, RESP: 2, disableOfflineQueue: true, commandOptions: { timeout: 0 } });
  await client.connect();
  const redis0 = await redisCpu();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let batch = [];
  const inflight = [];
  await feed(
    (r) => {
      const f = r.fields;
      batch.push(client.sendCommand(['XADD', `bench:${r.shardKey % 16}`, '*', 'id', r.id, 'source', 'bench', 'stream', String(f.stream), 'dir', f.dir, 'type', f.type, 'ts', f.ts, 'client', f.client, 'server', f.server, 'json', r.json]));
      if (batch.length === 500) {
        inflight.push(Promise.all(batch));
        batch = [];
      }
    },
    () => (inflight.length > 4 ? Promise.all(inflight.splice(0, inflight.length - 4)) : undefined),
  );
  await Promise.all([...inflight, Promise.all(batch)]);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const redisUs = ((await redisCpu()) - redis0) * 1e6;
  client.destroy();
  return { ms, clientUs: (cpu.user + cpu.system) / N, redisUs: redisUs / N };
}

for (const [batchSize, maxBatches, window] of [[0, 0, 0], ...variants]) {
  const times = [];
  for (let r = 0; r < REPEAT; r++) times.push(batchSize === 0 ? await bare() : await once(batchSize, maxBatches, window));
  times.sort((a, b) => a.ms - b.ms);
  const median = times[Math.floor(times.length / 2)];
  // CPU time per record is what the machine's load does not change much: the wall-clock rate
  // on a quiet machine is about 1e6 / max(client µs, redis µs) when the two overlap.
  console.log(
    (batchSize === 0 ? 'bare node-redis, no sink: ' : `batchSize ${String(batchSize).padStart(4)}, ${String(maxBatches).padStart(2)} batches in flight, window ${window ?? 'default'}: `) +
      `${Math.round(N / (median.ms / 1000)).toLocaleString('en')} records/s (median of ${REPEAT}: ${times.map((t) => t.ms.toFixed(0)).join(' / ')} ms); ` +
      `CPU per record: netrx ${median.clientUs.toFixed(2)} µs, redis-server ${median.redisUs.toFixed(2)} µs`,
  );
}

await admin.sendCommand(['FLUSHALL']);
admin.destroy();
server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));
rmSync(dir, { recursive: true, force: true });
