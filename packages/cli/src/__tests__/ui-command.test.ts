// `netrx ui` through the real command: built, started as a process of its own, its URL read from
// stdout, the page driven in Debian's Chromium (playwright-core, no browser download). The
// browser tests say SKIPPED, and why, without Chromium.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { LinkType } from '@netrx/core';
import { ethernet, ipv4, pcapFile, tcp, TcpFlags } from '../../../../test-support/packets.js';
import { CHAT, buildCommand, chromiumPath, eventually, launchBrowser, netrx, startUi, type UiProcess } from './ui-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'netrx-ui-'));
const running: UiProcess[] = [];

beforeAll(() => buildCommand(), 300_000);
afterAll(async () => {
  for (const ui of running) await ui.stop('SIGKILL').catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

async function ui(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<UiProcess> {
  const p = await startUi(args, env);
  running.push(p);
  return p;
}

interface Status {
  total: number;
  evicted: number;
  kept: number;
  connections: number;
  source: { state: string; error?: string };
}

const status = async (url: string): Promise<Status> => (await (await fetch(`${url}api/status`)).json()) as Status;
const finished = async (url: string): Promise<Status> => {
  let s!: Status;
  await eventually(async () => (s = await status(url)).source.state !== 'running', 'the capture to be read');
  return s;
};

/** A free TCP port on 127.0.0.1 (free when asked; the kernel does not hand it out again at once). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Whether anything answers HTTP at `url`. */
const reachable = (url: string): Promise<boolean> =>
  fetch(url, { signal: AbortSignal.timeout(5_000) }).then(
    () => true,
    () => false,
  );

describe('netrx ui', () => {
  it('prints its URL with a token, reads the capture, and serves on 127.0.0.1 until SIGTERM', async () => {
    const p = await ui(['-r', CHAT]);
    const m = /^http:\/\/127\.0\.0\.1:(\d+)\/([\w-]{32})\/$/.exec(p.url);
    expect(m, p.url).not.toBeNull();
    const s = await finished(p.url);
    expect(s).toMatchObject({ total: 32, evicted: 0, connections: 2, source: { state: 'done' } });
    expect(p.stderr()).toContain(`netrx ui: serving the inspector at ${p.url}`);
    await eventually(() => p.stderr().includes('capture ended: 32 messages on 2 connections'), 'the end of the capture on stderr');
    expect(p.stderr()).not.toContain('warning');
    // Only this machine's loopback address: another loopback address on the same port gets nothing.
    expect(await reachable(`http://127.0.0.2:${m![1]}/${m![2]}/`)).toBe(false);
    // The file is read, and the page stays up.
    expect((await fetch(p.url)).status).toBe(200);
    expect(p.stdout()).toBe(`${p.url}\n`);
    expect(await p.stop('SIGTERM')).toBe(0);
    expect(await reachable(p.url)).toBe(false);
  });

  it('answers 403 to any request without the token', async () => {
    const p = await ui(['-r', CHAT]);
    const { origin, pathname } = new URL(p.url);
    const token = pathname.slice(1, -1);
    const other = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    for (const path of ['/', '/static/app.js', '/api/status', '/events', `/${other}/`, `/${other}/api/status`, `/${token.slice(0, -1)}/`, `/x${token}/`]) {
      const r = await fetch(origin + path);
      expect(r.status, path).toBe(403);
      expect(await r.text()).not.toContain(token);
    }
    expect((await fetch(`${p.url}api/status`)).status).toBe(200);
    expect(await p.stop('SIGINT')).toBe(0);
  });

  it('listens where --host and --port say, warning on stderr when that is not loopback', async () => {
    const port = await freePort();
    const p = await ui(['-r', CHAT, '--host', '0.0.0.0', '--port', String(port)]);
    expect(p.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/[\\w-]{32}/$`));
    await eventually(() => /warning: listening on 0\.0\.0\.0: anyone who can reach it and has the URL sees the capture/.test(p.stderr()), 'the warning');
    const path = new URL(p.url).pathname;
    expect((await fetch(`http://127.0.0.2:${port}${path}api/status`)).status).toBe(200);
    // A second one on the same port cannot listen: it says so and exits 1.
    const again = netrx(['ui', '-r', CHAT, '--port', String(port), '--host', '127.0.0.1']);
    expect(again.status).toBe(1);
    expect(again.err).toMatch(new RegExp(`netrx ui: cannot listen on 127\\.0\\.0\\.1:${port}: EADDRINUSE`));
    expect(again.out).toBe('');
    expect(await p.stop()).toBe(0);
  });

  it('keeps at most --max-messages, evicting the oldest', async () => {
    const p = await ui(['-r', CHAT, '--max-messages', '10']);
    expect(await finished(p.url)).toMatchObject({ total: 32, evicted: 22, kept: 10 });
    expect((await fetch(`${p.url}api/messages/21`)).status).toBe(410);
    const last = JSON.parse(await (await fetch(`${p.url}api/messages/31`)).text()) as { type: string; code: number };
    expect(last).toMatchObject({ type: 'close', code: 1000 });
    expect(await p.stop()).toBe(0);
  });

  it('decrypts wss:// with --keylog: the connection says TLS and its HAR says wss://', async () => {
    const fixture = join(import.meta.dirname, '../../../dissector-tls/src/__tests__/fixtures/tls13-aes128gcm-deflate');
    const args = ['-r', `${fixture}.pcap`, '--keylog', `${fixture}.keys`];
    const want = netrx(['ws', ...args, '--format', 'jsonl']).out.trim().split('\n');
    expect(want.length).toBeGreaterThan(2);
    const p = await ui(args);
    expect((await finished(p.url)).total).toBe(want.length);
    expect(await (await fetch(`${p.url}api/messages/0`)).text()).toBe(want[0]);
    const [c] = (await (await fetch(`${p.url}api/connections`)).json()) as { id: number; tls?: unknown }[];
    expect(c!.tls).toEqual({ version: 'TLSv1.3', suite: 'TLS_AES_128_GCM_SHA256', sni: 'localhost' });
    const har = (await (await fetch(`${p.url}api/connections/${c!.id}/har`)).json()) as { log: { entries: { request: { url: string } }[] } };
    expect(har.log.entries[0]!.request.url).toMatch(/^wss:\/\/127\.0\.0\.1:8443\//);
    expect(await p.stop()).toBe(0);
  });

  it('dissects with the same pipeline as the other commands: --decode-as and -c apply', async () => {
    // Masked client frames to port 9000, 5000 bytes into a segment whose connection's start was not
    // captured: past its first 4 KiB the WebSocket heuristic looks only at segment starts, so only
    // a decode-as rule (which searches every byte) finds them.
    const masked = (text: string, key: number) => {
      const p = Buffer.from(text);
      const k = [key >>> 24, (key >>> 16) & 0xff, (key >>> 8) & 0xff, key & 0xff];
      return Buffer.concat([Buffer.from([0x81, 0x80 | p.length, ...k]), Buffer.from(p.map((b, i) => b ^ k[i & 3]!))]);
    };
    const frame = Buffer.concat([Buffer.alloc(5000, 0x70), ...[0, 1, 2, 3].map((i) => masked(`tick ${i}: the sensor reads fine`, Math.imul(i + 3, 0x9e3779b1) >>> 0))]);
    const file = join(dir, 'one-frame.pcap');
    const t = tcp(frame, { srcPort: 40000, dstPort: 9000, seq: 5000, flags: TcpFlags.ACK | TcpFlags.PSH }, '10.0.0.1', '10.0.0.2');
    writeFileSync(file, pcapFile(LinkType.ETHERNET, [{ ts: 1_700_000_000_000_000_000n, data: ethernet(ipv4(t, { src: '10.0.0.1', dst: '10.0.0.2' })) }]));
    const plain = await ui(['-r', file]);
    expect((await finished(plain.url)).total).toBe(0);
    const forced = await ui(['-r', file, '--decode-as', 'tcp.port==9000,websocket']);
    expect((await finished(forced.url)).total).toBe(4);
    expect(await (await fetch(`${forced.url}api/messages/0`)).text()).toBe(netrx(['ws', '-r', file, '--format', 'jsonl', '-d', 'tcp.port==9000,websocket']).out.trim().split('\n')[0]);
    // -c 20: the first 20 frames only.
    const cut = await ui(['-r', CHAT, '-c', '20']);
    const want = netrx(['ws', '-r', CHAT, '--format', 'jsonl', '-c', '20']).out.split('\n').filter(Boolean).length;
    expect(want).toBeGreaterThan(0);
    expect(want).toBeLessThan(32);
    expect((await finished(cut.url)).total).toBe(want);
    for (const p of [plain, forced, cut]) expect(await p.stop()).toBe(0);
    // A bad rule: nothing served.
    const bad = netrx(['ui', '-r', CHAT, '--decode-as', 'tcp.port==9000,nosuch']);
    expect(bad.status).toBe(1);
    expect(bad.err).toContain('netrx ui: decode-as: no dissector named "nosuch"');
    expect(bad.out).toBe('');
  });

  it('says what is wrong with its command line, and when the capture fails', async () => {
    const none = netrx(['ui']);
    expect(none.status).toBe(1);
    expect(none.err).toContain('netrx ui needs -r FILE');
    for (const port of ['70000', '-1', 'x', '1.5']) {
      const r = netrx(['ui', '-r', CHAT, '--port', port]);
      expect(r.status, port).toBe(2);
      expect(r.err).toContain('--port needs a port number from 0 to 65535');
    }
    expect(netrx(['ui', '-r', CHAT, '--max-messages', '0']).status).toBe(2);
    const sink = netrx(['ui', '-r', CHAT, '--sink', 'redis://127.0.0.1:1/k']);
    expect(sink.status).toBe(1);
    expect(sink.err).toContain('--sink writes the records of netrx ws, http and tcp, not of netrx ui');
    expect(sink.out).toBe('');
    // A source that fails: the page is served and says so; the exit status says so too.
    const p = await ui(['-r', join(dir, 'no-such.pcap')]);
    expect(await finished(p.url)).toMatchObject({ total: 0, source: { state: 'error' } });
    await eventually(() => p.stderr().includes('netrx ui: the capture failed after 0 messages on 0 connections'), 'the failure on stderr');
    expect(await p.stop()).toBe(1);
    const help = netrx(['--help']);
    expect(help.out).toMatch(/\n {2}ui {8}a live web inspector/);
    expect(help.out).toContain('--host H');
  });

  it('opens the page in the browser $BROWSER names, with --open', async () => {
    const opened = join(dir, 'opened.txt');
    const browser = join(dir, 'fake-browser.sh');
    writeFileSync(browser, `#!/bin/sh\necho "$@" > ${opened}.part && mv ${opened}.part ${opened}\n`);
    chmodSync(browser, 0o755);
    const p = await ui(['-r', CHAT, '--open'], { ...process.env, BROWSER: browser });
    await eventually(() => {
      try {
        return readFileSync(opened, 'utf8') === `${p.url}\n`;
      } catch {
        return false;
      }
    }, 'the browser to be started with the URL');
    expect(p.stderr()).not.toContain('no browser found');
    expect(await p.stop()).toBe(0);
  });
});

const executable = chromiumPath();

if (executable === undefined) {
  describe('netrx ui in a browser', () => {
    it('needs Chromium', () => {
      console.log('SKIPPED netrx ui browser tests: no Chromium at /usr/bin/chromium (apt-get install chromium, or set NETRX_CHROMIUM)');
    });
  });
} else
  describe('netrx ui in a browser', () => {
    let browser: Browser;
    let p: UiProcess;
    let expected: string;

    beforeAll(async () => {
      browser = await launchBrowser(executable);
      p = await ui(['-r', CHAT]);
      const ws = netrx(['ws', '-r', CHAT, '--format', 'jsonl']);
      expect(ws.status).toBe(0);
      expected = ws.out;
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      if (p) expect(await p.stop()).toBe(0);
    });

    it('lists both connections and every message of the capture', async () => {
      const errors: string[] = [];
      const page = await browser.newPage({ viewport: { width: 1600, height: 1500 } });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(p.url);
      await page.waitForFunction(() => document.querySelector('[data-testid=shown]')?.textContent === '32');
      expect(await page.locator('[data-testid=total]').textContent()).toBe('32');
      await page.waitForFunction(() => document.querySelector('.source')?.textContent === 'capture complete');
      expect(await page.locator('.title').textContent()).toBe(CHAT);
      const conns = await page.$$eval('.clist .crow[data-conn]', (rs) => rs.map((r) => r.textContent ?? ''));
      expect(conns).toHaveLength(2);
      expect(conns[0]).toMatch(/127\.0\.0\.1:55422.*permessage-deflate.*closed.*1000 bye/);
      expect(conns[1]).toMatch(/127\.0\.0\.1:55432.*permessage-deflate.*closed.*1000 bye/);
      const rows = await page.$$eval('.mlist .mrow', (rs) =>
        rs.map((r) => ({
          seq: Number((r as HTMLElement).dataset['seq']),
          conn: r.querySelector('.m-conn')!.textContent,
          dir: r.querySelector('.m-dir')!.textContent,
          type: r.querySelector('.m-type')!.textContent,
          preview: r.querySelector('.m-preview')!.textContent!,
        })),
      );
      const lines = expected
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { stream: number; dir: string; type: string; text?: string; hex?: string; code?: number; reason?: string });
      expect(lines).toHaveLength(32);
      expect(rows.map((r) => r.seq).sort((a, b) => a - b)).toEqual(lines.map((_, i) => i));
      for (const r of rows) {
        const m = lines[r.seq]!;
        expect(r.conn).toBe(`#${m.stream}`);
        expect(r.dir).toBe(m.dir === 'c2s' ? '→' : '←');
        expect(r.type).toBe(m.type);
        const preview = r.preview.replace(/…$/, '');
        if (m.type === 'close') expect(r.preview).toBe(`${m.code} ${m.reason}`);
        else expect((m.text ?? m.hex)!.startsWith(preview), `${r.seq}: ${r.preview}`).toBe(true);
      }
      expect(errors).toEqual([]);
      await page.close();
    });

    it('exports NDJSON equal to netrx ws --format jsonl for the same capture', async () => {
      const page = await browser.newPage({ acceptDownloads: true });
      await page.goto(p.url);
      await page.waitForFunction(() => document.querySelector('[data-testid=shown]')?.textContent === '32');
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export]')]);
      const file = await download.path();
      expect(readFileSync(file, 'utf8')).toBe(expected);
      await page.close();
    });
  });
