// `netrx ws|http|tcp --sink redis://…` against a real redis-server: every record of the corpus'
// WebSocket captures arrives exactly once, in its connection's order, its `json` the line `--format
// jsonl` prints; http and tcp; Redis killed and restarted mid-run (nothing lost, retries in the
// summary); Redis never coming back, frozen (SIGSTOP) for good, and unreachable at the start
// (exit status 1, clear errors); two netrx processes into one key; a live capture dropping the
// oldest while Redis is frozen. In process through main(), except where processes are the point
// (those run the built command, packages/cli/bin/netrx.js, built from the sources first).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCapture } from '../../../../bench/generate.js';
import { ensureBuiltDist } from '../../../../test-support/built-dist.js';
import { corpusCaptures, noteIfCorpusMissing } from '../../../../test-support/corpus.js';
import { freePort, noteIfRedisMissing, plainClient, readShards, redisServerPath, startRedisServer, type RedisServer, type StreamEntry } from '../../../../test-support/redis-server.js';
import { run } from './run-cli.js';

const skip = noteIfCorpusMissing('netrx --sink') || noteIfRedisMissing('netrx --sink');
const bin = fileURLToPath(new URL('../../bin/netrx.js', import.meta.url));
const SHARDS = 16;
/**
 * The sink's default window: 4 batches of 500 XADDs sent before their replies. Redis holding S
 * records means the sink had read the replies to at least S − WINDOW of them: what it counts as
 * written can trail what Redis stored by up to that much (replies not yet read when Redis went).
 */
const WINDOW = 500 * 4;
/**
 * `?timeout=` of the runs that lose Redis for good: it is also how long a batch may wait for its
 * replies before the sink counts Redis as gone, and gives up (from the batch's sending on). Redis
 * fsyncs every write here, and one fsync on a busy disk can take a second: that must not end the
 * run before the test freezes or kills Redis.
 */
const TIMEOUT_S = 3;

/** What a run's stdout lines say should be in Redis: each line's id (`source:stream:n`), in order. */
interface Expected {
  readonly id: string;
  /** `source:stream`: the connection, per source. */
  readonly conn: string;
  readonly json: string;
  readonly line: Record<string, unknown>;
}

/** The records a `--format jsonl` output makes for `source`: ids numbered per connection in line order. */
function expectedRecords(jsonl: string, source: string): Expected[] {
  const next = new Map<number, number>();
  return jsonl
    .split('\n')
    .filter(Boolean)
    .map((json) => {
      const line = JSON.parse(json) as Record<string, unknown>;
      const stream = line.stream as number;
      const n = next.get(stream) ?? 0;
      next.set(stream, n + 1);
      return { id: `${source}:${stream}:${n}`, conn: `${source}:${stream}`, json, line };
    });
}

/**
 * Checks the entries against what was expected: every record there, its `json` and flat fields
 * those of its line, each connection in one shard with its records in order (first copies), and
 * how many copies there are beyond one (0 unless records were resent).
 */
function checkArrived(entries: readonly StreamEntry[], expected: readonly Expected[]): { extraCopies: number } {
  const want = new Map(expected.map((e) => [e.id, e]));
  const copies = new Map<string, number>();
  const order = new Map<string, string[]>();
  const shardOf = new Map<string, Set<number>>();
  for (const e of entries) {
    const id = e.fields.id!;
    const w = want.get(id);
    expect(w, `an entry nobody made: ${id}`).toBeDefined();
    copies.set(id, (copies.get(id) ?? 0) + 1);
    const conn = `${e.fields.source}:${e.fields.stream}`;
    (shardOf.get(conn) ?? shardOf.set(conn, new Set()).get(conn)!).add(e.shard);
    if (copies.get(id)! > 1) continue;
    (order.get(conn) ?? order.set(conn, []).get(conn)!).push(id);
    expect(e.fields.json).toBe(w!.json);
    const l = w!.line;
    expect(e.fields.source).toBe(w!.conn.slice(0, w!.conn.lastIndexOf(':')));
    expect({ stream: e.fields.stream, client: e.fields.client, server: e.fields.server }).toEqual({ stream: String(l.stream), client: l.client, server: l.server });
    // ts, dir and type where the line has them (a tcp line has neither ts nor dir).
    if (l.ts !== undefined) expect(e.fields.ts).toBe(l.ts);
    else expect(e.fields.ts).toMatch(/^\d+\.\d{9}$/);
    expect(e.fields.dir).toBe(l.dir);
    expect(e.fields.type).toBe(l.type ?? 'connection');
  }
  const wantOrder = new Map<string, string[]>();
  for (const e of expected) (wantOrder.get(e.conn) ?? wantOrder.set(e.conn, []).get(e.conn)!).push(e.id);
  expect(order).toEqual(wantOrder);
  for (const [conn, set] of shardOf) expect(set.size, `${conn} in one shard`).toBe(1);
  return { extraCopies: [...copies.values()].reduce((a, n) => a + n - 1, 0) };
}

/** Entries of a key from one source. */
async function entriesOf(redis: RedisServer, key: string, source?: string): Promise<StreamEntry[]> {
  const all = (await readShards(redis.port, key, SHARDS)).flat();
  return source === undefined ? all : all.filter((e) => e.fields.source === source);
}

/** How many entries the key's shards hold now. */
async function stored(port: number, key: string): Promise<number> {
  const client = await plainClient(port);
  try {
    let n = 0;
    for (let i = 0; i < SHARDS; i++) n += Number(await client.sendCommand(['XLEN', `${key}:${i}`]));
    return n;
  } finally {
    client.destroy();
  }
}

/**
 * Bytes that clients sent to the server on 127.0.0.1:`port` and the kernel holds, unread by it
 * (`rx_queue` of its established connections in /proc/net/tcp: Linux).
 */
function unreadByRedis(port: number): number {
  let n = 0;
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const [, local, , state, queues] = line.trim().split(/\s+/);
    if (state === '01' && parseInt(local!.split(':')[1]!, 16) === port) n += parseInt(queues!.split(':')[1]!, 16);
  }
  return n;
}

/** The sink's summary line: `… N records written, M resent[ after K reconnection(s)]`. */
function summary(stderr: string): { written: number; resent: number; reconnects: number } {
  const m = / (\d+) records written, (\d+) resent(?: after (\d+) reconnections?)?/.exec(stderr);
  expect(m, stderr).not.toBeNull();
  return { written: Number(m![1]), resent: Number(m![2]), reconnects: Number(m![3] ?? 0) };
}

/** Runs the built command as its own process. */
function netrx(...argv: string[]): Promise<{ status: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...argv]);
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.once('close', (status) => resolve({ status, out, err }));
  });
}

/** Why the live test cannot run here (it needs root and `unshare -n`), or undefined when it can. */
function cannotRunLive(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not running as root';
  const r = spawnSync('unshare', ['-n', 'true'], { timeout: 10_000 });
  if (r.error || r.status !== 0) return `unshare -n does not work here (${r.error?.message ?? r.stderr.toString().trim()})`;
  return undefined;
}

/** Runs `live-sink-session.mjs` in a private network namespace; resolves with what it printed. */
function liveSession(messages: number): Promise<{ status: number | null; err: string; stored: number[] }> {
  const script = fileURLToPath(new URL('./live-sink-session.mjs', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', process.execPath, script, bin, redisServerPath!, String(messages)]);
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.once('close', (code) => {
      try {
        resolve(JSON.parse(out) as { status: number | null; err: string; stored: number[] });
      } catch {
        reject(new Error(`live-sink-session.mjs exited ${code}: ${out}\n${err}`));
      }
    });
  });
}

/** Polls until `check()` resolves true, every 20 ms, or throws after `ms`. */
async function until(check: () => Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(skip)('netrx --sink redis://…', () => {
  let redis: RedisServer;
  let dir: string;
  /** A generated capture big enough to kill Redis in the middle of (100k packets, ~54k messages, ~50 MB). */
  let big: string;
  let bigJsonl: string;

  beforeAll(async () => {
    // Append-only and fsynced on every write: what Redis acknowledged survives SIGKILL.
    redis = await startRedisServer({ persistent: true });
    dir = mkdtempSync(join(tmpdir(), 'netrx-sink-'));
    big = join(dir, 'ws-plain-100k.pcap');
    generateCapture({ packets: 100_000, variant: 'plain' }, big);
    const r = await run('ws', '-r', big, '--format', 'jsonl');
    expect(r.status, r.err).toBe(0);
    bigJsonl = r.out;
  }, 120_000);
  afterAll(async () => {
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ws: every message of every corpus capture arrives once, in its connection\'s order, its json the jsonl line; stdout unchanged', async () => {
    const expected: Expected[] = [];
    for (const path of corpusCaptures()) {
      const source = basename(path);
      const plain = await run('ws', '-r', path, '--format', 'jsonl');
      const sunk = await run('ws', '-r', path, '--format', 'jsonl', '--sink', redis.url('corpus'), '--sink-source', source);
      expect(sunk.status, sunk.err).toBe(0);
      // A sink adds to the output; it does not change it.
      expect(sunk.out, path).toBe(plain.out);
      const mine = expectedRecords(plain.out, source);
      expect(mine.length, path).toBeGreaterThan(0);
      expect(summary(sunk.err), path).toEqual({ written: mine.length, resent: 0, reconnects: 0 });
      expect(sunk.err).toContain(`sink ${redis.url('corpus')} (source ${source}): `);
      expected.push(...mine);
    }
    const entries = await entriesOf(redis, 'corpus');
    expect(entries.length).toBe(expected.length);
    expect(checkArrived(entries, expected).extraCopies).toBe(0);
    for (const e of entries) expect(['text', 'binary', 'ping', 'pong', 'close']).toContain(e.fields.type);
    // The connections spread over the shards.
    expect(new Set(entries.map((e) => e.shard)).size).toBeGreaterThan(4);
  });

  it('http and tcp: one record per request, response and connection; -q leaves stdout empty', async () => {
    const path = corpusCaptures().find((p) => p.endsWith('s6_http_keepalive_upgrade.pcap'))!;
    for (const command of ['http', 'tcp'] as const) {
      const plain = await run(command, '-r', path, '--format', 'jsonl');
      const sunk = await run(command, '-r', path, '-q', '--sink', redis.url(command), '--sink-source', 'one');
      expect(sunk.status, sunk.err).toBe(0);
      expect(sunk.out).toBe('');
      const expected = expectedRecords(plain.out, 'one');
      expect(expected.length).toBeGreaterThan(command === 'http' ? 10 : 1);
      expect(summary(sunk.err).written).toBe(expected.length);
      const entries = await entriesOf(redis, command);
      expect(entries.length).toBe(expected.length);
      checkArrived(entries, expected);
      const types = entries.map((e) => e.fields.type);
      if (command === 'http') expect(new Set(types)).toEqual(new Set(['request', 'response']));
      else expect(new Set(types)).toEqual(new Set(['connection']));
    }
  });

  it('Redis unreachable at the start: exit status 1, a clear error, nothing read', async () => {
    const port = await freePort();
    const path = corpusCaptures()[0]!;
    const refused = `netrx ws: cannot connect to Redis at 127.0.0.1:${port} (connection refused (ECONNREFUSED)): is redis-server running and listening there?\n`;
    const r = await run('ws', '-r', path, '--sink', `redis://127.0.0.1:${port}/nowhere`);
    expect(r.status).toBe(1);
    expect(r.err).toBe(refused);
    // Without the sink the same run prints messages: this one read nothing.
    expect(r.out).toBe('');
    // Nor opened the file: a capture that does not exist is not what it complains about.
    const missing = join(dir, 'no-such-capture.pcap');
    const plain = await run('ws', '-r', missing);
    expect(plain.status).toBe(1);
    expect(plain.err).toContain('no-such-capture.pcap');
    const m = await run('ws', '-r', missing, '--sink', `redis://127.0.0.1:${port}/nowhere`);
    expect(m).toEqual({ status: 1, out: '', err: refused });
  });

  it('Redis frozen mid-run (SIGSTOP) and never answering again: exit status 1 after timeout, naming how many records were written', async () => {
    const running = run('ws', '-r', big, '-q', '--sink', redis.url('frozen', `timeout=${TIMEOUT_S}`), '--sink-source', 'frozen');
    let seen = 0;
    try {
      await until(async () => (seen = await stored(redis.port, 'frozen').catch(() => 0)) >= 2 * WINDOW, `${2 * WINDOW} records are in Redis`);
      redis.pause();
      const r = await running;
      expect(r.status).toBe(1);
      // The reply deadline is the timeout (under 10 s): the silence is named as the cause.
      const m = new RegExp(`^netrx ws: lost the connection to Redis at 127\\.0\\.0\\.1:${redis.port} and it did not come back within ${TIMEOUT_S} s \\(Redis did not answer \\d+ XADDs within ${TIMEOUT_S} s\\): (\\d+) records were written to frozen, (\\d+) were not\\n$`).exec(r.err);
      expect(m, r.err).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThanOrEqual(seen - WINDOW);
      expect(Number(m![1]) + Number(m![2])).toBeLessThanOrEqual(expectedRecords(bigJsonl, 'frozen').length);
    } finally {
      redis.resume();
    }
    // What it counted as written is there.
    expect(await stored(redis.port, 'frozen')).toBeGreaterThanOrEqual(Number(/(\d+) records were written/.exec((await running).err)![1]));
  }, 120_000);

  it('Redis killed and restarted mid-run (file): the run completes, nothing is lost, the summary counts what was resent', async () => {
    const expected = expectedRecords(bigJsonl, 'crash');
    let killedAt = 0;
    const running = run('ws', '-r', big, '-q', '--sink', redis.url('crash'), '--sink-source', 'crash');
    await until(async () => (killedAt = await stored(redis.port, 'crash').catch(() => 0)) >= 5000, '5000 records are in Redis');
    expect(killedAt).toBeLessThan(expected.length / 2);
    // Killed while every XADD sent had been answered (the reader, not Redis, the slower), the sink
    // could notice the closed socket before it sent more, and resend nothing. So freeze Redis
    // first, until XADDs the sink sent lie unread in its socket: those Redis never executes nor
    // answers, and the sink must send them again.
    redis.pause();
    try {
      if (existsSync('/proc/net/tcp')) await until(async () => unreadByRedis(redis.port) > 0, 'the sink has sent XADDs Redis has not read');
    } finally {
      await redis.kill();
    }
    await new Promise((r) => setTimeout(r, 500));
    await redis.restart();
    const r = await running;
    expect(r.status, r.err).toBe(0);
    const s = summary(r.err);
    expect(s.written).toBe(expected.length);
    expect(s.resent).toBeGreaterThan(0);
    expect(s.reconnects).toBeGreaterThanOrEqual(1);
    const entries = await entriesOf(redis, 'crash');
    // At-least-once: every record is there, and copies only of records that were resent.
    expect(checkArrived(entries, expected).extraCopies).toBeLessThanOrEqual(s.resent);
    // Redis fsyncs every write here (to keep what it acknowledged across SIGKILL): slow when busy.
  }, 180_000);

  it('Redis never comes back: exit status 1 with an error naming how many records were written', async () => {
    const running = run('ws', '-r', big, '-q', '--sink', redis.url('lost', `timeout=${TIMEOUT_S}`), '--sink-source', 'lost');
    let seen = 0;
    await until(async () => (seen = await stored(redis.port, 'lost').catch(() => 0)) >= 2 * WINDOW, `${2 * WINDOW} records are in Redis`);
    await redis.kill();
    let r: Awaited<typeof running>;
    try {
      r = await running;
    } finally {
      // The next tests need Redis whatever happened here.
      await redis.restart();
    }
    expect(r.status).toBe(1);
    const m = new RegExp(`^netrx ws: lost the connection to Redis at 127\\.0\\.0\\.1:${redis.port} and it did not come back within ${TIMEOUT_S} s \\([^)]+\\)+: (\\d+) records were written to lost, (\\d+) were not\\n$`).exec(r.err);
    expect(m, r.err).not.toBeNull();
    const written = Number(m![1]);
    expect(written).toBeGreaterThanOrEqual(seen - WINDOW);
    expect(written).toBeLessThan(expectedRecords(bigJsonl, 'lost').length);
    // What it counted as written is really there (Redis fsynced it), in order: the first records.
    const entries = await entriesOf(redis, 'lost');
    expect(entries.length).toBeGreaterThanOrEqual(written);
    const got = new Set(entries.map((e) => e.fields.id));
    const expected = expectedRecords(bigJsonl, 'lost');
    const firsts = new Map<string, Expected[]>();
    for (const e of expected) (firsts.get(e.conn) ?? firsts.set(e.conn, []).get(e.conn)!).push(e);
    // Per connection, what is there is a prefix of what was made.
    for (const list of firsts.values()) {
      const have = list.findIndex((e) => !got.has(e.id));
      if (have >= 0) expect(list.slice(have).some((e) => got.has(e.id)), list[0]!.conn).toBe(false);
    }
  }, 120_000);

  it('two netrx processes on two captures into one key: both arrive, source tells them apart', async () => {
    ensureBuiltDist();
    const [a, b] = [corpusCaptures().find((p) => p.includes('s2_ws_ws_deflate'))!, corpusCaptures().find((p) => p.includes('s1_chat_chromium_any_deflate'))!];
    const url = redis.url('shared');
    const [ra, rb] = await Promise.all([netrx('ws', '-r', a, '-q', '--sink', url, '--sink-source', 'tap-a'), netrx('ws', '-r', b, '-q', '--sink', url, '--sink-source', 'tap-b')]);
    expect(ra.status, ra.err).toBe(0);
    expect(rb.status, rb.err).toBe(0);
    const expected = [...expectedRecords((await run('ws', '-r', a, '--format', 'jsonl')).out, 'tap-a'), ...expectedRecords((await run('ws', '-r', b, '--format', 'jsonl')).out, 'tap-b')];
    const entries = await entriesOf(redis, 'shared');
    expect(entries.length).toBe(expected.length);
    expect(checkArrived(entries, expected).extraCopies).toBe(0);
    expect(new Set(entries.map((e) => e.fields.source))).toEqual(new Set(['tap-a', 'tap-b']));
  }, 300_000);

  it('live (-i): while Redis is frozen, the oldest unsent records are dropped, and the summary counts them', async (ctx) => {
    const why = cannotRunLive();
    if (why) {
      console.log(`SKIPPED the live --sink test: ${why}`);
      return ctx.skip();
    }
    ensureBuiltDist();
    // More messages than the sink's window (20,000) while Redis acknowledges nothing.
    const r = await liveSession(30_000);
    expect(r.status, r.err).toBe(0);
    const shown = /netrx: 1 connection, (\d+) WebSocket messages/.exec(r.err);
    const sunk = / (\d+) records written, (\d+) resent, (\d+) dropped \(Redis too slow or away\)/.exec(r.err);
    expect(shown, r.err).not.toBeNull();
    expect(sunk, r.err).not.toBeNull();
    const [messages, written, dropped] = [Number(shown![1]), Number(sunk![1]), Number(sunk![3])];
    expect(messages, 'the capture saw more messages than the window holds').toBeGreaterThan(20_000);
    expect(dropped).toBeGreaterThan(0);
    // Nothing dropped without being counted: what was not written was dropped, and what was
    // written is in Redis.
    expect(written + dropped).toBe(messages);
    expect(r.stored.length).toBe(written);
    // The oldest not yet sent went: Redis holds the records that were on the wire while it was
    // frozen (at most 4 batches of 500, sent as room came: the first records, and, when a big
    // burst arrived in one synchronous run and was trimmed before the next batches went out, a
    // later block too) and the newest, a contiguous block up to the last message.
    let tailAt = r.stored.length - 1;
    while (tailAt > 0 && r.stored[tailAt - 1] === r.stored[tailAt]! - 1) tailAt--;
    expect(r.stored[r.stored.length - 1]).toBe(messages - 1);
    const onTheWire = r.stored.slice(0, tailAt);
    expect(onTheWire[0]).toBe(0);
    expect(onTheWire.length).toBeGreaterThan(0);
    expect(onTheWire.length).toBeLessThanOrEqual(4 * 500);
    // The window (20,000) less what was on the wire: the newest records waited, and went once Redis thawed.
    expect(r.stored.length - tailAt).toBeGreaterThanOrEqual(20_000 - 4 * 500);
  }, 300_000);

  it('refuses --sink where there are no records, and --sink-source alone', async () => {
    const path = corpusCaptures()[0]!;
    const p = await run('packets', '-r', path, '--sink', redis.url('x'));
    expect(p).toMatchObject({ status: 1, out: '', err: 'netrx packets: --sink writes the records of netrx ws, http and tcp, not of netrx packets\n' });
    const s = await run('ws', '-r', path, '--sink-source', 'a');
    expect(s).toMatchObject({ status: 1, out: '', err: 'netrx ws: --sink-source names the records of --sink URL: give --sink too\n' });
    const u = await run('ws', '-r', path, '--sink', 'redis://127.0.0.1:1/0');
    expect(u.status).toBe(1);
    expect(u.err).toMatch(/^netrx ws: --sink redis:\/\/127\.0\.0\.1:1\/0: the path is the stream key, not a database number/);
    expect(u.err).not.toMatch(/\n\s+at /);
  });
});
