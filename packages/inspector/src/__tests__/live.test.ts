// Live, for real: as root, in a private network namespace (`unshare -n`, then `ip link set lo
// up`), a `ws` client and server talk on loopback while the inspector captures `lo` (what
// `netrx ui -i lo` runs); each message must appear on the page, in Chromium, before the next is
// sent. The outer run re-executes this file under unshare; every wait is bounded.
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { describe, expect, it } from 'vitest';
import { corePlugin, createRegistry, dissect } from '@netrx/core';
import { dissectStreams, reassembleTcp, tcpPlugin } from '@netrx/dissector-tcp';
import { httpPlugin } from '@netrx/dissector-http';
import { websocketPlugin } from '@netrx/dissector-websocket';
import { fromLiveCapture } from '@netrx/source-live';
import { keepConnectionEvents, runInspector, type Inspector } from '@netrx/inspector';
import { liveTestsCannotRun, rerunTests } from '../../../../test-support/netns.js';
import { chromiumPath, launchBrowser } from './harness.js';

const mode = process.env['NETRX_INSPECTOR_LIVE'] ?? 'outer';
const PORT = 7301;

/** Why the live test cannot run here, or undefined when it can. */
function cannotRun(): string | undefined {
  return liveTestsCannotRun() ?? (chromiumPath() === undefined ? 'Chromium is not installed' : undefined);
}

describe.runIf(mode === 'outer')('the inspector, live', () => {
  it('runs the live test in a private network namespace as root', () => {
    const why = cannotRun();
    if (why) {
      console.log(`SKIPPED inspector live test: ${why} (it needs root, unshare -n, tcpdump and Chromium)`);
      return;
    }
    const r = rerunTests(import.meta.url, { NETRX_INSPECTOR_LIVE: 'netns' }, undefined, 240_000);
    expect(r.status, r.output).toBe(0);
  }, 300_000);
});

const waitFor = <T>(emitter: { once(ev: string, fn: (...a: never[]) => void): unknown }, ev: string): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${ev}`)), 10_000);
    emitter.once(ev, ((v: T) => {
      clearTimeout(t);
      resolve(v);
    }) as never);
  });

describe.runIf(mode === 'netns')('the inspector, live in a private network namespace', () => {
  it('shows each message of a running ws session on the page while the session runs', async () => {
    const registry = createRegistry([corePlugin, tcpPlugin, httpPlugin, websocketPlugin]);
    const stop = new AbortController();
    let started!: () => void;
    const capturing = new Promise<void>((r) => (started = r));
    const events$ = fromLiveCapture({ device: 'lo', filter: `tcp port ${PORT}`, signal: stop.signal, onStart: () => started() }).pipe(
      dissect(registry),
      reassembleTcp(registry),
      keepConnectionEvents(dissectStreams(registry)),
    );
    let stdout = '';
    let stderr = '';
    const sink = (append: (s: string) => void) => new Writable({ write: (c: Buffer, _e, cb) => (append(c.toString()), cb()) });
    let inspector!: Inspector;
    const ready = new Promise<void>((r) => {
      void runInspector({
        events$,
        title: `lo tcp port ${PORT}`,
        stdout: sink((s) => (stdout += s)),
        stderr: sink((s) => (stderr += s)),
        signal: stop.signal,
        onReady: (i) => ((inspector = i), r()),
      }).then((status) => (exit = status));
    });
    let exit: number | undefined;
    await ready;
    await capturing;
    expect(stdout).toBe(`${inspector.url}\n`);
    expect(inspector.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[\w-]{32}\/$/);

    const browser = await launchBrowser(chromiumPath()!);
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.goto(inspector.url);
      await page.waitForFunction(() => document.querySelector('.source')?.textContent === 'live');

      const wss = new WebSocketServer({ host: '127.0.0.1', port: PORT, perMessageDeflate: { threshold: 0 } });
      await waitFor(wss, 'listening');
      wss.on('connection', (ws) => ws.on('message', (data: Buffer, isBinary) => ws.send(isBinary ? data : `echo: ${data.toString()}`, { binary: isBinary })));
      const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/live?room=1`, 'chat.v1', { perMessageDeflate: { threshold: 0 } });
      await waitFor(client, 'open');
      await page.waitForFunction(() => document.querySelector('.clist .crow[data-conn] .c-path')?.textContent === '/live?room=1');
      const rowWith = (s: string) =>
        page.waitForFunction((s) => [...document.querySelectorAll('.mlist .mrow .m-preview')].some((p) => p.textContent === s), s, { timeout: 15_000 });
      for (let k = 0; k < 5; k++) {
        const text = `live message ${k} ！`;
        client.send(text);
        // On the page while the session runs: before the next message is sent.
        await rowWith(text);
        await rowWith(`echo: ${text}`);
      }
      client.send(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
      await rowWith('deadbeef');
      await rowWith('deadbeef');
      const conn = await page.locator('.clist .crow[data-conn]').first().textContent();
      expect(conn).toMatch(/\/live\?room=1.*chat\.v1.*permessage-deflate.*open/);
      client.close(1000, 'done');
      await waitFor(client, 'close');
      await page.waitForFunction(() => /closed/.test(document.querySelector('.clist .crow[data-conn] .c-state')?.textContent ?? ''), undefined, { timeout: 15_000 });
      expect(await page.locator('.clist .crow[data-conn] .c-close').textContent()).toBe('1000 done');
      expect(await page.locator('[data-testid=total]').textContent()).toBe('14');
      await new Promise<void>((r) => wss.close(() => r()));
    } finally {
      await browser.close();
      stop.abort();
    }
    const deadline = Date.now() + 10_000;
    while (exit === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(exit).toBe(0);
    expect(stderr).toContain('serving the inspector at http://127.0.0.1:');
  }, 120_000);
});
