// Random WebSocket sessions between real `ws` peers on lo, captured by tcpdump, read back by
// `netrx ws -r`: every message each peer received, and nothing else, in order, per connection
// and direction. The sessions vary what a fixed script does not: permessage-deflate on or off,
// its window bits (9–15) and no_context_takeover on either side, per-message compression,
// fragmented messages with pings between the fragments (text cut inside UTF-8 characters),
// sizes around the 7/16/64-bit length boundaries up to 200 KB, close codes and reasons. Then the
// same captures cut to start midstream, with 2% of packets dropped: every message netrx shows is
// one that was sent, partial ones flagged, none invented.
// As root, inside a private network namespace (`unshare -n`, then `ip link set lo up`), as the
// other live tests: the outer run re-executes this file under unshare.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer, type PerMessageDeflateOptions } from 'ws';
import type { CapturedFrame } from '@netrx/core';
import { Prng } from '../../../../bench/prng.js';
import { liveTestsCannotRun, rerunTests } from '../../../../test-support/netns.js';
import { pcapFile } from '../../../../test-support/packets.js';
import { pcapFrames } from '../../../../test-support/pcap-frames.js';
import { run } from './run-cli.js';

const mode = process.env['NETRX_LIVE_MODE'] ?? 'outer';
/** Fixed sessions, and one new each run (its seed is in the test's name). */
const SEEDS = [11, 23, 37, Date.now() % 100_000];

describe.runIf(mode === 'outer')('random ws sessions, live', () => {
  it('run in a private network namespace as root', () => {
    const why = liveTestsCannotRun();
    if (why) {
      console.log(`SKIPPED random live ws sessions: ${why} (they need root, unshare -n and tcpdump)`);
      return;
    }
    const r = rerunTests(import.meta.url, { NETRX_LIVE_MODE: 'netns' });
    expect(r.status, r.output).toBe(0);
    expect(r.output).toMatch(new RegExp(`Tests\\s+${SEEDS.length} passed`));
  }, 300_000);
});

/** A message as its receiver got it (`ws` events: the truth netrx is held to). */
interface Received {
  key: string;
  type: 'text' | 'binary' | 'ping' | 'close';
  payload: string;
  code?: number;
}

const ALPHABET = ['a', 'z', ' ', 'é', '€', '😀', '中', '"', '\\', '\n', '{', '}'];

const once = (emitter: { once(ev: string, fn: () => void): unknown }, ev: string) => new Promise<void>((r) => emitter.once(ev, () => r()));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hex = (b: Buffer) => b.toString('hex');

/** Runs one random session on lo; returns what each receiver got. */
async function session(seed: number): Promise<Received[]> {
  // Seeded, so a failing session's script (not its timing) replays.
  const r = new Prng(seed);
  const got: Received[] = [];
  const text = (n: number) => {
    const parts: string[] = [];
    const same = r.chance(0.5) ? r.pick(ALPHABET) : undefined;
    for (let bytes = 0; bytes < n; ) {
      const c = same ?? r.pick(ALPHABET);
      parts.push(c);
      bytes += Buffer.byteLength(c);
    }
    return parts.join('');
  };
  const binary = (n: number) => {
    const mode = r.int(0, 2);
    return Buffer.from(Array.from({ length: n }, (_, i) => (mode === 0 ? r.int(0, 255) : mode === 1 ? i & 7 : 0)));
  };
  const size = () => r.pick([0, 1, 125, 126, 127, 65535, 65536, r.int(0, 300), r.int(300, 5000), r.int(5000, 200_000)]);
  const listen = (ws: WebSocket, key: string) => {
    ws.on('message', (data: Buffer, isBinary: boolean) => got.push({ key, type: isBinary ? 'binary' : 'text', payload: hex(data) }));
    ws.on('ping', (data: Buffer) => got.push({ key, type: 'ping', payload: hex(data) }));
    ws.on('close', (code: number, reason: Buffer) => got.push({ key, type: 'close', payload: hex(reason), code }));
  };

  const servers: WebSocketServer[] = [];
  const ends: WebSocket[] = [];
  for (let i = r.int(2, 3); i > 0; i--) {
    const deflate: PerMessageDeflateOptions | false =
      r.chance(0.25)
        ? false
        : {
            threshold: r.pick([0, 0, 10, 1024]),
            serverMaxWindowBits: r.pick([undefined, 9, 10, 12, 15]),
            clientMaxWindowBits: r.pick([undefined, 9, 11, 15]),
            serverNoContextTakeover: r.chance(0.3),
            clientNoContextTakeover: r.chance(0.3),
          };
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: deflate, maxPayload: 1 << 30 });
    await once(wss, 'listening');
    const port = (wss.address() as AddressInfo).port;
    wss.on('connection', (ws, req) => {
      listen(ws, `${req.socket.remotePort}-${port}-c2s`);
      ends.push(ws);
    });
    servers.push(wss);
  }
  const clients: WebSocket[] = [];
  for (let i = r.int(3, 6); i > 0; i--) {
    const port = (r.pick(servers).address() as AddressInfo).port;
    const c = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: r.chance(0.8) ? { threshold: 0 } : false, maxPayload: 1 << 30 });
    await once(c, 'open');
    listen(c, `${(c as unknown as { _socket: { localPort: number } })._socket.localPort}-${port}-s2c`);
    clients.push(c);
  }
  while (ends.length < clients.length) await sleep(10);
  ends.push(...clients);

  let sent = 0;
  for (let step = 0; step < 80; step++) {
    const ws = r.pick(ends);
    const roll = r.next();
    if (roll < 0.1) {
      ws.ping(binary(r.int(0, 125)));
      sent++;
      continue;
    }
    const isBinary = r.chance(0.4);
    const data = isBinary ? binary(size()) : Buffer.from(text(size()));
    const compress = r.chance(0.8);
    if (roll < 0.3) {
      // Fragments (a text's may cut a character), with pings between them.
      const k = r.int(2, 5);
      for (let i = 0, off = 0; i < k; i++) {
        const end = i === k - 1 ? data.length : Math.min(data.length, off + r.int(0, Math.ceil(data.length / k) + 3));
        ws.send(data.subarray(off, end), { binary: isBinary, fin: i === k - 1, compress });
        if (r.chance(0.3)) {
          ws.ping(binary(r.int(0, 10)));
          sent++;
        }
        off = end;
      }
    } else ws.send(data, { binary: isBinary, compress });
    sent++;
    if (r.chance(0.2)) await sleep(r.int(0, 5));
  }
  for (const deadline = Date.now() + 20_000; got.length < sent && Date.now() < deadline; ) await sleep(20);
  expect(got.length, 'every message sent was received').toBe(sent);
  for (const c of clients) {
    if (r.chance(0.5)) c.close(r.pick([1000, 1001, 3999, 4000]), r.pick(['', 'bye', 'é€']));
    else c.close();
  }
  for (const deadline = Date.now() + 10_000; got.length < sent + 2 * clients.length && Date.now() < deadline; ) await sleep(20);
  expect(got.length, 'both sides of every connection closed').toBe(sent + 2 * clients.length);
  for (const wss of servers) wss.close();
  return got;
}

/** tcpdump on lo into `file`, resolved once it listens; the returned function stops it. */
async function tcpdump(file: string): Promise<() => Promise<void>> {
  const child = spawn('tcpdump', ['-i', 'lo', '-s', '0', '-B', '16384', '--immediate-mode', '-U', '-w', file, 'tcp'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`tcpdump did not start: ${err}`)), 10_000);
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
      if (err.includes('listening on')) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  return async () => {
    // tcpdump writes behind the traffic. A last connection marks the end: once its SYN is in
    // the file, so is everything before it.
    const marker = createServer().listen(0, '127.0.0.1');
    await once(marker, 'listening');
    const port = (marker.address() as AddressInfo).port;
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.destroy();
    marker.close();
    // Ethernet, IPv4 without options, then the TCP ports.
    const ports = (f: CapturedFrame) => (f.data.length >= 38 ? [(f.data[34]! << 8) | f.data[35]!, (f.data[36]! << 8) | f.data[37]!] : []);
    const seen = () => pcapFrames(readFileSync(file)).some((f) => ports(f).includes(port));
    for (const deadline = Date.now() + 30_000; !seen() && Date.now() < deadline; ) await sleep(100);
    const exited = once(child, 'close');
    child.kill('SIGINT');
    await exited;
    expect(err).toMatch(/^0 packets dropped by kernel$/m);
  };
}

/** What `netrx ws -r FILE --format jsonl --full` shows, as {@link Received} records (pongs left out: `ws` answers pings itself). */
async function shown(file: string): Promise<(Received & { partial: boolean; undecodable: boolean; length: number })[]> {
  const { status, out, err } = await run('ws', '-r', file, '--format', 'jsonl', '--full', '--no-progress');
  expect(status, err).toBe(0);
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, any>)
    .filter((m) => m.type !== 'pong' && m.type !== 'warning')
    .map((m) => ({
      key: `${m.client.split(':')[1]}-${m.server.split(':')[1]}-${m.dir}`,
      type: m.type,
      // An undecodable message has neither text nor hex.
      payload: m.text !== undefined ? hex(Buffer.from(m.text, 'utf8')) : m.type === 'close' ? hex(Buffer.from(m.reason ?? '', 'utf8')) : (m.hex ?? ''),
      code: m.code,
      partial: m.partial === true,
      undecodable: m.undecodable !== undefined,
      length: m.length,
    }));
}

const byKey = <T extends { key: string }>(xs: T[]) => {
  const m = new Map<string, T[]>();
  for (const x of xs) (m.get(x.key) ?? m.set(x.key, []).get(x.key)!).push(x);
  return m;
};

/** Writes the capture's frames from `from` (a fraction of them) on, each dropped with probability `drop`. */
function cut(file: string, into: string, from: number, drop: number, seed: number): void {
  const all = pcapFrames(readFileSync(file));
  const r = new Prng(seed);
  const kept = all.slice(Math.floor(all.length * from)).filter(() => !r.chance(drop));
  writeFileSync(into, pcapFile(all[0]!.linkType, kept.map((f) => ({ ts: f.timestamp, data: f.data, length: f.length }))));
}

describe.runIf(mode === 'netns')('random ws sessions on lo, captured by tcpdump, read by netrx ws', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netrx-ws-random-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(SEEDS)('session %i: every message received, in order; cut midstream, none invented', async (seed) => {
    const file = join(dir, `s${seed}.pcap`);
    const stop = await tcpdump(file);
    const truth = await session(seed);
    await stop();

    // Whole: exactly what each receiver got. `ws` reports a close frame without a code as 1005.
    const whole = byKey(await shown(file));
    const want = byKey(truth);
    expect([...whole.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [key, w] of want) {
      const g = whole.get(key)!.map((m) => ({ type: m.type, payload: m.payload, code: m.type === 'close' ? (m.code ?? 1005) : undefined }));
      expect(g, key).toEqual(w.map((m) => ({ type: m.type, payload: m.payload, code: m.code })));
    }

    // Midstream, with losses: each message shown is the next sent one of its kind and bytes on
    // its connection and direction (in order), or flagged partial with a sent one's length.
    for (const [from, drop] of [[0.2, 0], [0.45, 0.02], [0.7, 0.02]] as const) {
      const mid = join(dir, `s${seed}-${from}.pcap`);
      cut(file, mid, from, drop, seed);
      const at = new Map<string, number>();
      for (const m of await shown(mid)) {
        if (m.undecodable) continue;
        const sent = want.get(m.key) ?? [];
        const i = sent.findIndex((t, j) => j >= (at.get(m.key) ?? 0) && t.type === m.type && (m.partial ? t.payload.length / 2 === m.length : t.payload === m.payload));
        expect(i, `${mid}: ${m.key} ${m.type} ${m.payload.slice(0, 80)}… was not sent`).toBeGreaterThanOrEqual(0);
        at.set(m.key, i + 1);
      }
    }
  }, 120_000);
});
