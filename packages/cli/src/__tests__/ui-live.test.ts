// `netrx ui -i lo` for real: as root, in a private network namespace (`unshare -n`, then `ip link
// set lo up`), the built command captures loopback while a `ws` client and server talk there; each
// message must be on the page, in Chromium, before the next is sent — with both capture backends.
// The outer run builds the command and re-executes this file under unshare; every wait is bounded.
import { WebSocket, WebSocketServer } from 'ws';
import { beforeAll, describe, expect, it } from 'vitest';
import { liveTestsCannotRun, rerunTests } from '../../../../test-support/netns.js';
import { buildCommand, chromiumPath, eventually, launchBrowser, startUi } from './ui-harness.js';

const mode = process.env['NETRX_UI_LIVE'] ?? 'outer';

/** Why the live test cannot run here, or undefined when it can. */
function cannotRun(): string | undefined {
  return liveTestsCannotRun() ?? (chromiumPath() === undefined ? 'Chromium is not installed' : undefined);
}

describe.runIf(mode === 'outer')('netrx ui, live', () => {
  const why = cannotRun();
  beforeAll(() => {
    if (why === undefined) buildCommand();
  }, 300_000);

  it('runs the live test in a private network namespace as root', () => {
    if (why) {
      console.log(`SKIPPED netrx ui live test: ${why} (it needs root, unshare -n, tcpdump and Chromium)`);
      return;
    }
    const r = rerunTests(import.meta.url, { NETRX_UI_LIVE: 'netns' });
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

describe.runIf(mode === 'netns')('netrx ui, live in a private network namespace', () => {
  for (const [backend, port] of [
    ['cap', 7311],
    ['tcpdump', 7312],
  ] as const) {
    it(`shows each message of a running ws session on the page while it runs (--backend ${backend})`, async () => {
      const ui = await startUi(['-i', 'lo', '--backend', backend, 'tcp', 'port', String(port)]);
      let stopped = false;
      const browser = await launchBrowser(chromiumPath()!).catch(async (err: unknown) => {
        await ui.stop('SIGKILL');
        throw err;
      });
      try {
        expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[\w-]{32}\/$/);
        // As tcpdump does, it says when packets are being captured.
        await eventually(() => ui.stderr().includes(`netrx: listening on lo (${backend} backend)`), 'the capture to start');
        const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
        await page.goto(ui.url);
        await page.waitForFunction(() => document.querySelector('.source')?.textContent === 'live');
        expect(await page.locator('.title').textContent()).toBe(`lo tcp port ${port}`);

        const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: { threshold: 0 } });
        await waitFor(wss, 'listening');
        wss.on('connection', (ws) => ws.on('message', (data: Buffer, isBinary) => ws.send(isBinary ? data : `echo: ${data.toString()}`, { binary: isBinary })));
        const client = new WebSocket(`ws://127.0.0.1:${port}/live?via=${backend}`, 'chat.v1', { perMessageDeflate: { threshold: 0 } });
        await waitFor(client, 'open');
        await page.waitForFunction((p) => document.querySelector('.clist .crow[data-conn] .c-path')?.textContent === p, `/live?via=${backend}`);
        const rowWith = (s: string) =>
          page.waitForFunction((s) => [...document.querySelectorAll('.mlist .mrow .m-preview')].some((p) => p.textContent === s), s, { timeout: 15_000 });
        for (let k = 0; k < 5; k++) {
          const text = `live message ${k} via ${backend} ！`;
          client.send(text);
          // On the page while the session runs: before the next message is sent.
          await rowWith(text);
          await rowWith(`echo: ${text}`);
        }
        client.send(Buffer.from([0xca, 0xfe]));
        await page.waitForFunction(() => [...document.querySelectorAll('.mlist .mrow .m-preview')].filter((p) => p.textContent === 'cafe').length === 2, undefined, { timeout: 15_000 });
        expect(await page.locator('.clist .crow[data-conn]').first().textContent()).toMatch(/chat\.v1.*permessage-deflate.*open/);
        client.close(1000, 'done');
        await waitFor(client, 'close');
        await page.waitForFunction(() => /closed/.test(document.querySelector('.clist .crow[data-conn] .c-state')?.textContent ?? ''), undefined, { timeout: 15_000 });
        expect(await page.locator('.clist .crow[data-conn] .c-close').textContent()).toBe('1000 done');
        // 5 texts and their echoes, the binary and its echo, the close and its answer.
        expect(await page.locator('[data-testid=total]').textContent()).toBe('14');
        await new Promise<void>((r) => wss.close(() => r()));
        // Ctrl-C: the capture stops (its counters on stderr) and the server with it.
        stopped = true;
        expect(await ui.stop('SIGINT')).toBe(0);
        expect(ui.stderr()).toMatch(new RegExp(`netrx: lo \\(${backend}\\): \\d+ packets captured`));
      } finally {
        await browser.close();
        // A failed check must not leave the command running.
        if (!stopped) await ui.stop('SIGKILL').catch(() => undefined);
      }
    }, 90_000);
  }
});
