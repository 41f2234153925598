/**
 * `npm run bench:redis`: `netrx ws -r CAPTURE -q --sink redis://…` into a local redis-server,
 * end to end through the command. Generates the plain capture it needs (deterministic, cached in
 * `.bench/`, as `npm run bench` does), starts a redis-server without persistence on a free
 * loopback port (`test-support/redis-server.ts`, as the tests do), and for each run measures the
 * same command without `--sink` and with it, one after the other. Prints records/s (wall clock),
 * netrx's CPU time per record with and without the sink, redis-server's CPU time per record (its
 * `INFO cpu`), peak RSS and the load average, and writes `.bench/redis-results.json`. Each sink
 * run checks that Redis holds every record the summary counts, and deletes the key afterwards.
 *
 * @example
 * ```sh
 * npm run bench:redis                                  # the 1M-packet capture, one run
 * npm run bench:redis -- --packets 200000 --runs 3     # smaller, three runs
 * ```
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runMeasured, type ChildRun } from './child-run.js';
import { BENCH_DIR, ensureCapture } from './generate.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NETRX_BIN = join(ROOT, 'packages/cli/bin/netrx.js');
const KEY = 'bench';
const SHARDS = 16;

interface Options {
  packets: number;
  runs: number;
}

function parseCli(argv: string[]): Options {
  const o: Options = { packets: 1_000_000, runs: 1 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const n = Number(argv[i + 1]);
    if ((a === '--packets' || a === '--runs') && Number.isInteger(n) && n > 0) {
      o[a === '--packets' ? 'packets' : 'runs'] = n;
      i++;
    } else throw new Error(`bench:redis: unknown or bad option ${a} (--packets N --runs N)`);
  }
  return o;
}

/** The part of `test-support/redis-server.ts` used here. */
interface RedisSupport {
  startRedisServer(): Promise<{ port: number; url(key: string): string; stop(): Promise<void> }>;
  plainClient(port: number): Promise<{ sendCommand(args: string[]): Promise<unknown>; destroy(): void }>;
}

/**
 * `test-support/redis-server.ts`, compiled into `.bench/test-support/` first: it is TypeScript
 * outside the bench's build, and Node 20 does not strip types (as `bench/hostile.ts` does with
 * its generators).
 */
async function loadRedisSupport(): Promise<RedisSupport> {
  const out = join(BENCH_DIR, 'test-support');
  const tsc = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '--outDir', out, '--rootDir', join(ROOT, 'test-support'), '--module', 'nodenext', '--moduleResolution', 'nodenext',
      '--target', 'es2022', '--skipLibCheck', '--noCheck', join(ROOT, 'test-support/redis-server.ts')],
    { encoding: 'utf8' },
  );
  if (tsc.status !== 0) throw new Error(`test-support/redis-server.ts: tsc failed:\n${tsc.stdout}${tsc.stderr}`);
  return (await import(pathToFileURL(join(out, 'redis-server.js')).href)) as RedisSupport;
}

/** redis-server's own CPU time so far, seconds (user + system, all its threads). */
async function redisCpu(redis: RedisSupport, port: number): Promise<number> {
  const c = await redis.plainClient(port);
  try {
    const info = String(await c.sendCommand(['INFO', 'cpu']));
    const field = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)![1]);
    return field('used_cpu_user') + field('used_cpu_sys');
  } finally {
    c.destroy();
  }
}

/** Entries in the key's shards; then deletes them. */
async function storedAndClear(redis: RedisSupport, port: number): Promise<number> {
  const c = await redis.plainClient(port);
  try {
    let n = 0;
    const keys = Array.from({ length: SHARDS }, (_, i) => `${KEY}:${i}`);
    for (const k of keys) n += Number(await c.sendCommand(['XLEN', k]));
    await c.sendCommand(['DEL', ...keys, `${KEY}:shards`]);
    return n;
  } finally {
    c.destroy();
  }
}

interface SinkRun {
  load: number;
  wallSeconds: number;
  records: number;
  resent: number;
  recordsPerSecond: number;
  netrxCpuSeconds: number;
  netrxUsPerRecord: number;
  redisCpuSeconds: number;
  redisUsPerRecord: number;
  peakRssMB: number;
  /** The same command without --sink. */
  plain: { wallSeconds: number; cpuSeconds: number; peakRssMB: number };
  /** netrx CPU the sink adds, µs per record. */
  sinkUsPerRecord: number;
}

function check(r: ChildRun, what: string): void {
  if (r.status !== 0) throw new Error(`${what} exited ${r.status ?? r.signal}: ${r.stderr}`);
  if (r.cpuSeconds === undefined) throw new Error('/usr/bin/time is needed for the CPU times (apt-get install time)');
}

async function main(): Promise<void> {
  const o = parseCli(process.argv.slice(2));
  const capture = ensureCapture({ packets: o.packets, variant: 'plain' });
  process.stderr.write(`capture ${capture.file} (${capture.expected.messages} WebSocket messages${capture.reused ? '' : ', generated now'})\n`);
  const support = await loadRedisSupport();
  const redis = await support.startRedisServer();
  const version = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.trim();
  const runs: SinkRun[] = [];
  try {
    for (let i = 0; i < o.runs; i++) {
      const load = loadavg()[0]!;
      const plain = await runMeasured(process.execPath, [NETRX_BIN, 'ws', '-r', capture.file, '-q'], { timeoutSeconds: 600 });
      check(plain, 'netrx without --sink');
      const cpu0 = await redisCpu(support, redis.port);
      const sunk = await runMeasured(process.execPath, [NETRX_BIN, 'ws', '-r', capture.file, '-q', '--sink', redis.url(KEY), '--sink-source', 'bench'], { timeoutSeconds: 1800 });
      check(sunk, 'netrx --sink');
      const redisCpuSeconds = (await redisCpu(support, redis.port)) - cpu0;
      const m = / (\d+) records written, (\d+) resent/.exec(sunk.stderr);
      if (!m) throw new Error(`no sink summary in: ${sunk.stderr}`);
      const records = Number(m[1]);
      const stored = await storedAndClear(support, redis.port);
      if (stored < records) throw new Error(`the summary says ${records} records were written, Redis holds ${stored}`);
      const r: SinkRun = {
        load,
        wallSeconds: sunk.wallSeconds,
        records,
        resent: Number(m[2]),
        recordsPerSecond: records / sunk.wallSeconds,
        netrxCpuSeconds: sunk.cpuSeconds!,
        netrxUsPerRecord: (sunk.cpuSeconds! / records) * 1e6,
        redisCpuSeconds,
        redisUsPerRecord: (redisCpuSeconds / records) * 1e6,
        peakRssMB: (sunk.peakRssBytes ?? 0) / 2 ** 20,
        plain: { wallSeconds: plain.wallSeconds, cpuSeconds: plain.cpuSeconds!, peakRssMB: (plain.peakRssBytes ?? 0) / 2 ** 20 },
        sinkUsPerRecord: ((sunk.cpuSeconds! - plain.cpuSeconds!) / records) * 1e6,
      };
      runs.push(r);
      process.stderr.write(`run ${i + 1}/${o.runs} done (load ${load.toFixed(1)} at its start)\n`);
    }
  } finally {
    await redis.stop();
  }

  const f = (n: number, d = 1): string => n.toLocaleString('en', { minimumFractionDigits: d, maximumFractionDigits: d });
  console.log(`netrx ws -r ${capture.file} -q --sink redis://127.0.0.1:PORT/${KEY}  (${version.split(' ').slice(0, 3).join(' ')}, no persistence; Node ${process.version})`);
  console.log('| load (1 min) | wall s | records | records/s | netrx CPU s | netrx µs/record | without --sink: CPU s | the sink adds µs/record | redis CPU s | redis µs/record | peak RSS MB (without) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of runs) {
    console.log(
      `| ${f(r.load, 2)} | ${f(r.wallSeconds)} | ${r.records}${r.resent ? ` (${r.resent} resent)` : ''} | ${f(r.recordsPerSecond, 0)} | ${f(r.netrxCpuSeconds)} | ${f(r.netrxUsPerRecord)} | ${f(r.plain.cpuSeconds)} | ${f(r.sinkUsPerRecord)} | ${f(r.redisCpuSeconds, 2)} | ${f(r.redisUsPerRecord)} | ${f(r.peakRssMB, 0)} (${f(r.plain.peakRssMB, 0)}) |`,
    );
  }
  console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const out = join(BENCH_DIR, 'redis-results.json');
  writeFileSync(out, JSON.stringify({ capture: capture.file, redis: version, node: process.version, runs }, null, 2) + '\n');
  console.log(`(${out})`);
}

await main();
