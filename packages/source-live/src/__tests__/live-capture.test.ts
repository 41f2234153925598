// Live capture, for real: as root, inside a private network namespace (`unshare -n`, then
// `ip link set lo up`), so no other traffic reaches the capture and the ports are ours. The
// outer run re-executes this file under unshare; the inner run does the captures; for the
// "not permitted" case it runs this file once more as the user `nobody`. Every wait is bounded.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { firstValueFrom, from, lastValueFrom, tap, timeout, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { corePlugin, createRegistry, dissect, type CapturedFrame } from '@netrx/core';
import { dissectStreams, reassembleTcp, tcpPlugin } from '@netrx/dissector-tcp';
import { httpPlugin } from '@netrx/dissector-http';
import { websocketMessages, websocketPlugin } from '@netrx/dissector-websocket';
import { createLiveCaptureStats, fromLiveCapture, LiveCaptureError, listDevices, type LiveBackendName, type LiveCaptureOptions } from '@netrx/source-live';
import { liveTestsCannotRun, rerunTests } from '../../../../test-support/netns.js';
import { rebuildTcp, runWsSession, type SentMessage, type SessionRecord } from './live-session.js';

const mode = process.env['NETRX_LIVE_MODE'] ?? 'outer';
const backends: LiveBackendName[] = ['cap', 'tcpdump'];

describe.runIf(mode === 'outer')('live capture', () => {
  it('runs the live tests in a private network namespace as root', () => {
    const why = liveTestsCannotRun();
    if (why) {
      console.log(`SKIPPED live capture tests: ${why} (they need root, unshare -n and tcpdump)`);
      return;
    }
    const r = rerunTests(import.meta.url, { NETRX_LIVE_MODE: 'netns' }, undefined, 240_000);
    expect(r.status, r.output).toBe(0);
  }, 300_000);
});

/** Polls `check` until it is true, or `ms` have passed; resolves with whether it became true. */
async function waitUntil(check: () => boolean, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; !check(); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() > deadline) return false;
  }
  return true;
}

/**
 * Captures while `traffic` runs, then stops gracefully and returns every frame. Stopping loses
 * what the kernel holds that the backend has not read yet, so it waits first until the frames
 * delivered hold everything the test needs (`complete`: all of the traffic's packets, which had
 * all been sent when it resolved; 30 s at most, after which the test's checks say what is
 * missing), then until nothing new has arrived for 300 ms (the last FIN and ACK), 10 s at most.
 */
async function captureDuring<T>(
  opts: Omit<LiveCaptureOptions, 'signal' | 'onStart'>,
  traffic: () => Promise<T>,
  complete: (frames: readonly CapturedFrame[], result: T) => boolean,
): Promise<{ frames: CapturedFrame[]; result: T }> {
  const stop = new AbortController();
  let started!: () => void;
  const ready = new Promise<void>((r) => (started = r));
  const seen: CapturedFrame[] = [];
  const all = lastValueFrom(
    fromLiveCapture({ ...opts, signal: stop.signal, onStart: () => started() }).pipe(
      tap((f) => seen.push(f)),
      toArray(),
      timeout(60_000),
    ),
  );
  all.catch(() => undefined);
  try {
    await Promise.race([ready, all]);
    const result = await traffic();
    await waitUntil(() => complete(seen, result), 30_000);
    for (let last = -1, waited = 0; seen.length !== last && waited < 10_000; waited += 300) {
      last = seen.length;
      await new Promise((r) => setTimeout(r, 300));
    }
    stop.abort();
    return { frames: await all, result };
  } finally {
    // Never leave a capture running (a tcpdump child) when the traffic failed.
    stop.abort();
  }
}

/** Whether `frames` hold every byte of the session's TCP connection, both ways. */
const wholeSession = (frames: readonly CapturedFrame[], s: SessionRecord): boolean => {
  const tcp = rebuildTcp(frames, s.clientPort, s.serverPort);
  return tcp.c2s.bytes.length === s.c2sBytes && tcp.s2c.bytes.length === s.s2cBytes;
};

/** Whether `frames` hold `n` of the datagrams {@link sendUdp} sends. */
const datagrams = (n: number) => (frames: readonly CapturedFrame[]): boolean => frames.filter((f) => Buffer.from(f.data).includes('datagram')).length >= n;

const errorOf = async (opts: LiveCaptureOptions): Promise<LiveCaptureError> => {
  const err = await firstValueFrom(fromLiveCapture(opts).pipe(timeout(20_000))).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LiveCaptureError);
  return err as LiveCaptureError;
};

describe.runIf(mode === 'netns')('live capture in a private network namespace', () => {
  for (const backend of backends) {
    describe(`backend ${backend}`, () => {
      it('captures every byte of a WebSocket session (text, binary, fragmented, compressed, > 64 KiB)', async () => {
        const stats = createLiveCaptureStats();
        const port = backend === 'cap' ? 7272 : 7273;
        const { frames, result: s } = await captureDuring({ device: 'lo', filter: `tcp port ${port}`, backend, stats }, () => runWsSession(port), wholeSession);
        expect(stats.backend).toBe(backend);
        expect(stats.linkType).toBe(1);
        expect(stats.captured).toBe(frames.length);
        expect(stats.delivered).toBe(frames.length);
        expect(stats.queueDropped).toBe(0);
        if (backend === 'tcpdump') expect(stats.kernelDropped).toBe(0);
        expect(frames.map((f) => f.frameNumber)).toEqual(frames.map((_, i) => i + 1));
        for (let i = 1; i < frames.length; i++) expect(frames[i]!.timestamp >= frames[i - 1]!.timestamp).toBe(true);
        const nowNs = BigInt(Date.now()) * 1_000_000n;
        expect(nowNs - frames[0]!.timestamp < 120_000_000_000n).toBe(true);

        const tcp = rebuildTcp(frames, s.clientPort, s.serverPort);
        expect(tcp.c2s.sawSyn && tcp.s2c.sawSyn).toBe(true);
        expect(tcp.c2s.holes).toBe(0);
        expect(tcp.s2c.holes).toBe(0);
        expect(tcp.c2s.bytes.length).toBe(s.c2sBytes);
        expect(tcp.s2c.bytes.length).toBe(s.s2cBytes);
        expect(tcp.c2s.bytes.subarray(0, 14).toString()).toBe('GET /chat HTTP');
        expect(tcp.s2c.bytes.subarray(0, 12).toString()).toBe('HTTP/1.1 101');
        expect(s.messages.filter((m) => m.dir === 'c2s')).toHaveLength(6);
      });

      it('feeds the pipeline: decoded WebSocket messages equal what was sent, exactly', async () => {
        const port = backend === 'cap' ? 7274 : 7275;
        const { frames, result: s } = await captureDuring({ device: 'lo', filter: `tcp port ${port}`, backend }, () => runWsSession(port), wholeSession);
        const registry = createRegistry([corePlugin, tcpPlugin, httpPlugin, websocketPlugin]);
        const decoded = await lastValueFrom(from(frames).pipe(dissect(registry), reassembleTcp(registry), dissectStreams(registry), websocketMessages(), toArray()));
        const digest = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
        const view = (m: { dir: string; type: string; payload: Uint8Array; code?: number; reason?: string; frames: number }) => ({
          dir: m.dir,
          type: m.type,
          ...(m.type === 'close' ? { code: m.code, reason: m.reason } : { length: m.payload.length, sha256: digest(m.payload) }),
          frames: m.frames,
        });
        const want = s.messages.map((m: SentMessage) => view(m));
        const got = decoded.map((m) =>
          view({ dir: m.dir, type: m.kind, payload: m.payload, code: m.closeCode, reason: m.closeReason, frames: m.frames }),
        );
        for (const m of decoded) {
          expect(m.warnings).toEqual([]);
          expect(m.undecodable).toBeUndefined();
          // permessage-deflate with threshold 0: every data message compressed, no control frame.
          expect(m.compressed).toBe(m.kind === 'text' || m.kind === 'binary');
        }
        // Per direction, in order (the interleaving of the two directions is the capture's).
        for (const dir of ['c2s', 's2c']) expect(got.filter((m) => m.dir === dir)).toEqual(want.filter((m) => m.dir === dir));
        expect(decoded.find((m) => m.kind === 'text')?.text).toBe('hi, all ！');
      });

      it('reports a bad filter with libpcap’s words', async () => {
        const err = await errorOf({ device: 'lo', filter: 'tcp port nonsense', backend });
        expect(err.kind).toBe('bad-filter');
        expect(err.code).toBe('ERR_CAPTURE_LIVE');
        expect(err.message).toMatch(/bad capture filter "tcp port nonsense": .*nonsense/);
      });

      it('reports a missing device and says how to list devices', async () => {
        const err = await errorOf({ device: 'nosuch0', backend });
        expect(err.kind).toBe('no-device');
        expect(err.message).toContain('netrx devices');
      });
    });
  }

  it('captures on any: Linux cooked capture (SLL from cap, SLL2 from tcpdump), stamped in wall time', async () => {
    for (const [backend, linkType] of [['cap', 113], ['tcpdump', 276]] as const) {
      const stats = createLiveCaptureStats();
      const before = BigInt(Date.now()) * 1_000_000n;
      const { frames } = await captureDuring({ device: 'any', filter: 'udp port 9', backend, stats }, () => sendUdp(9, 3), datagrams(3));
      const after = BigInt(Date.now()) * 1_000_000n;
      expect(stats.linkType).toBe(linkType);
      // On any, each datagram is seen leaving and entering lo: libpcap keeps both on a cooked capture.
      expect(frames.length).toBeGreaterThanOrEqual(3);
      for (const f of frames) {
        expect(f.linkType).toBe(linkType);
        expect(Buffer.from(f.data).includes('datagram')).toBe(true);
        expect(f.timestamp >= before && f.timestamp <= after).toBe(true);
      }
    }
  });

  it('reports a missing tcpdump binary', async () => {
    const err = await errorOf({ device: 'lo', backend: 'tcpdump', tcpdumpPath: '/nonexistent/tcpdump' });
    expect(err.kind).toBe('no-backend');
    expect(err.message).toMatch(/tcpdump was not found.*install tcpdump/);
  });

  it('reports that no backend is available when cap is missing and tcpdump is not on PATH', async () => {
    process.env['NETRX_DISABLE_CAP'] = '1';
    try {
      const err = await errorOf({ device: 'lo', tcpdumpPath: '/nonexistent/tcpdump' });
      expect(err.kind).toBe('no-backend');
      expect(err.message).toMatch(/no capture backend is available/);
      const stats = createLiveCaptureStats();
      const { frames } = await captureDuring({ device: 'lo', filter: 'udp port 9', stats }, () => sendUdp(9, 3), datagrams(3));
      expect(stats.backend).toBe('tcpdump');
      expect(frames).toHaveLength(3);
    } finally {
      delete process.env['NETRX_DISABLE_CAP'];
    }
  });

  it('lists devices, lo among them with its address', async () => {
    const devices = await listDevices();
    const lo = devices.find((d) => d.name === 'lo');
    expect(lo?.loopback).toBe(true);
    expect(lo?.addresses.map((a) => a.address)).toContain('127.0.0.1');
    process.env['NETRX_DISABLE_CAP'] = '1';
    try {
      const viaTcpdump = await listDevices();
      expect(viaTcpdump.find((d) => d.name === 'lo')?.addresses.map((a) => a.address)).toContain('127.0.0.1');
      expect(viaTcpdump.find((d) => d.name === 'any')?.description).toMatch(/all interfaces/);
    } finally {
      delete process.env['NETRX_DISABLE_CAP'];
    }
  });

  for (const backend of backends) {
    it(`${backend}: a slow consumer makes the bounded buffer drop the oldest frames, counted`, async () => {
      const stats = createLiveCaptureStats();
      const seen: number[] = [];
      const stop = new AbortController();
      let started!: () => void;
      const ready = new Promise<void>((r) => (started = r));
      const done = lastValueFrom(
        fromLiveCapture({ device: 'lo', filter: 'udp port 9', backend, stats, maxQueuedFrames: 8, signal: stop.signal, onStart: () => started() }).pipe(
          tap((f) => {
            seen.push(f.frameNumber);
            const until = Date.now() + 5; // a consumer slower than the traffic
            while (Date.now() < until);
          }),
          toArray(),
          timeout(60_000),
        ),
      );
      await ready;
      try {
        await sendUdp(9, 400);
        // Stopping loses what the backend has not read from the kernel yet: wait until it has all.
        await waitUntil(() => stats.captured === 400, 30_000);
      } finally {
        stop.abort();
      }
      await done;
      expect(stats.captured).toBe(400);
      expect(stats.queueDropped).toBeGreaterThan(0);
      expect(stats.delivered + stats.queueDropped).toBe(stats.captured);
      expect(seen).toHaveLength(stats.delivered);
      expect(stats.queueHighWater).toBeLessThanOrEqual(8);
      // What is delivered is in order; what was dropped was older than what came after it.
      for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
      expect(seen.at(-1)).toBe(400);
    });
  }

  it('fails the capture under the error policy when the consumer falls behind', async () => {
    const stop = new AbortController();
    let started!: () => void;
    const ready = new Promise<void>((r) => (started = r));
    const done = lastValueFrom(
      fromLiveCapture({ device: 'lo', filter: 'udp port 9', backend: 'cap', bufferPolicy: 'error', maxQueuedFrames: 4, signal: stop.signal, onStart: () => started() }).pipe(
        tap(() => {
          const until = Date.now() + 5;
          while (Date.now() < until);
        }),
        timeout(60_000),
      ),
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    await ready;
    await sendUdp(9, 200);
    const err = await done;
    stop.abort();
    expect(err).toBeInstanceOf(LiveCaptureError);
    expect((err as LiveCaptureError).kind).toBe('overflow');
  });

  it('stops capturing when unsubscribed, and frees the handle', async () => {
    for (const backend of backends) {
      let started!: () => void;
      const ready = new Promise<void>((r) => (started = r));
      const frames: CapturedFrame[] = [];
      const sub = fromLiveCapture({ device: 'lo', filter: 'udp port 9', backend, onStart: () => started() }).subscribe((f) => frames.push(f));
      try {
        await ready;
        await sendUdp(9, 2);
        await waitUntil(() => frames.length >= 2, 10_000);
      } finally {
        sub.unsubscribe();
      }
      const n = frames.length;
      expect(n).toBe(2);
      await sendUdp(9, 2);
      // (Time for a capture that did not stop to show it.)
      await new Promise((r) => setTimeout(r, 200));
      expect(frames).toHaveLength(n);
    }
    // No tcpdump left behind: it is sent SIGTERM, then SIGKILL after 3 s.
    const tcpdumps = () => spawnSync('pgrep', ['-P', String(process.pid), 'tcpdump'], { encoding: 'utf8' }).stdout.trim();
    await waitUntil(() => tcpdumps() === '', 10_000);
    expect(tcpdumps()).toBe('');
  });

  it('reports no permission when not root (run as nobody)', () => {
    const r = rerunTests(import.meta.url, { NETRX_LIVE_MODE: 'nobody' }, ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--inh-caps=-all'], 240_000);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toMatch(/passed/);
  });
});

describe.runIf(mode === 'nobody')('live capture as an unprivileged user', () => {
  for (const backend of backends) {
    it(`${backend}: no permission, and what to do`, async () => {
      expect(process.getuid?.()).not.toBe(0);
      const err = await errorOf({ device: 'lo', backend });
      expect(err.kind).toBe('permission');
      expect(err.message).toMatch(new RegExp(`run as root, or grant ${backend === 'tcpdump' ? 'tcpdump' : 'node'} the capability`));
    });
  }
});

/**
 * Sends `n` UDP datagrams to 127.0.0.1:`port` (nothing listens: each is one captured packet)
 * from a child process, about one a millisecond: traffic that keeps coming whatever this
 * process is doing, as a real peer's would.
 */
async function sendUdp(port: number, n: number): Promise<void> {
  const script = `const s = require('dgram').createSocket('udp4'); let i = 0;
    const next = () => i < ${n} ? s.send('datagram ' + i++, ${port}, '127.0.0.1', () => setTimeout(next, 1)) : s.close();
    next();`;
  const child = spawn(process.execPath, ['-e', script], { stdio: 'inherit', timeout: 30_000 });
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  expect(code).toBe(0);
}
