// The chat-server example, end to end: the bundled capture decodes to exactly what the clients
// sent and received (the README's main command, in-process); the server and scripted session
// work; and, as root with unshare, a freshly recorded capture decodes exactly too.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../packages/cli/src/main.js';
// @ts-expect-error -- plain JavaScript modules of the example, without type declarations
import { startChatServer } from './server.mjs';
// @ts-expect-error -- idem
import { runSession } from './client.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const sample = join(here, 'capture/chat.pcap');

type Row = Record<string, unknown>;

/** Runs `netrx …` in-process; returns its exit status and standard output. */
async function netrx(...argv: string[]): Promise<{ status: number; out: string; err: string }> {
  const chunks: string[] = [];
  const errs: string[] = [];
  const sink = (into: string[]) => new Writable({ write: (c, _e, cb) => (into.push(String(c)), cb()) });
  const status = await main(argv, { stdout: sink(chunks), stderr: sink(errs) });
  return { status, out: chunks.join(''), err: errs.join('') };
}

/** What an answer record and a `netrx ws --format jsonl` line must agree on. */
function comparable(r: Row): Row {
  const payload = r['text'] !== undefined ? Buffer.from(String(r['text']), 'utf8') : r['hex'] !== undefined ? Buffer.from(String(r['hex']), 'hex') : undefined;
  const big = Number(r['length']) > 4096;
  return {
    type: r['type'],
    length: r['length'],
    ...(big ? { sha256: r['sha256'] ?? createHash('sha256').update(payload!).digest('hex') } : r['text'] !== undefined ? { text: r['text'] } : r['type'] === 'close' ? {} : { hex: r['hex'] }),
    ...(r['type'] === 'close' ? { code: r['code'], reason: r['reason'] } : {}),
    compressed: r['compressed'],
    frames: r['frames'],
  };
}

/** Groups records by connection and direction, in order. */
function byFlow(rows: Row[]): Map<string, Row[]> {
  const m = new Map<string, Row[]>();
  for (const r of rows) {
    const k = `${r['client']} ${r['dir']}`;
    m.set(k, [...(m.get(k) ?? []), comparable(r)]);
  }
  return m;
}

const jsonl = (text: string): Row[] =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Row);

/** Whether live capture can run here (root, unshare -n, tcpdump); says so plainly when not. */
function canCapture(what: string): boolean {
  const unshare = spawnSync('unshare', ['-n', 'true'], { timeout: 10_000 });
  const tcpdump = spawnSync('tcpdump', ['--version'], { timeout: 10_000 });
  if (process.getuid?.() === 0 && unshare.status === 0 && !tcpdump.error) return true;
  console.log(`SKIPPED ${what} test: needs root, unshare -n and tcpdump`);
  return false;
}

/** `netrx ws -r PCAP --format jsonl` against the answer next to it: equal, flow by flow. */
async function expectDecodesTo(pcap: string, answer: string): Promise<void> {
  const r = await netrx('ws', '-r', pcap, '--format', 'jsonl');
  expect(r.status, r.err).toBe(0);
  const ours = jsonl(r.out);
  for (const m of ours) expect(m['warnings'], JSON.stringify(m)).toBeUndefined();
  const want = byFlow(jsonl(readFileSync(answer, 'utf8')));
  expect(want.size).toBe(4); // two connections, two directions
  expect(byFlow(ours)).toEqual(want);
}

describe('examples/chat-server', () => {
  it('the bundled capture decodes to exactly what the clients sent and received', async () => {
    await expectDecodesTo(sample, join(here, 'capture/chat.expected.jsonl'));
  });

  it('the README command shows the chat in text', async () => {
    const r = await netrx('ws', '-r', sample);
    expect(r.status, r.err).toBe(0);
    expect(r.out).toContain('"content":"hi, all ！"');
    expect(r.out).toMatch(/close 5B 1000 bye/);
  });

  it('the server serves the page and runs the scripted session', async () => {
    const srv = await startChatServer({ port: 0, httpPort: 0 });
    try {
      const page = await fetch(`http://127.0.0.1:${srv.httpPort}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('new WebSocket(');
      const records = (await runSession(`ws://127.0.0.1:${srv.port}`)) as Row[];
      const said = records.filter((r) => r['who'] === 'bot' && r['dir'] === 's2c' && typeof r['text'] === 'string').map((r) => JSON.parse(r['text'] as string) as Row);
      expect(said.some((m) => m['type'] === 'say' && m['from_client_name'] === 'mynick' && m['content'] === 'hi, all ！')).toBe(true);
      expect(said.some((m) => m['type'] === 'logout' && m['from_client_name'] === 'mynick')).toBe(true);
      expect(records.filter((r) => r['type'] === 'close')).toHaveLength(4);
      expect(records.some((r) => r['frames'] === 3)).toBe(true);
      expect(records.some((r) => Number(r['length']) > 65536)).toBe(true);
    } finally {
      await srv.close();
    }
  });

  it('live-demo.sh says what the scripted session needs when not root (root only, to become nobody)', () => {
    if (process.getuid?.() !== 0) return;
    const r = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'bash', join(here, 'live-demo.sh')], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the scripted session runs in a private network namespace \(unshare -n\), which needs root: sudo .*live-demo\.sh .*--browser/);
  });

  it('record-sample.sh records a capture that decodes to its answer (root only)', async () => {
    if (!canCapture('record-sample.sh')) return;
    const dir = mkdtempSync(join(tmpdir(), 'netrx-chat-'));
    try {
      // Started from the repository root with a relative path, as the README's readers do.
      const record = () => spawnSync('bash', ['examples/chat-server/record-sample.sh', dir], { cwd: join(here, '../..'), encoding: 'utf8', timeout: 120_000 });
      let r = record();
      // A loaded machine can make the kernel drop packets; the script refuses such a capture.
      if (r.status !== 0 && /dropped packets/.test(r.stderr)) r = record();
      expect(r.status, r.stderr).toBe(0);
      await expectDecodesTo(join(dir, 'chat.pcap'), join(dir, 'chat.expected.jsonl'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  for (const backend of ['cap', 'tcpdump']) {
    it(`live-demo.sh: netrx ws -i lo (${backend}) reports exactly what the clients sent and received (root only)`, async () => {
      if (!canCapture('live-demo.sh')) return;
      const dir = mkdtempSync(join(tmpdir(), 'netrx-demo-'));
      try {
        const answer = join(dir, 'answer.jsonl');
        const written = join(dir, 'live.pcapng');
        // The demo runs the built command (packages/cli/dist), as a user would; -w also writes
        // the raw packets.
        const r = spawnSync('bash', [join(here, 'live-demo.sh'), '--format', 'jsonl', '--backend', backend, '-w', written], {
          encoding: 'utf8',
          timeout: 120_000,
          env: { ...process.env, NETRX_DEMO_ANSWER: answer },
        });
        expect(r.status, r.stderr).toBe(0);
        expect(r.stderr).toMatch(new RegExp(`lo \\(${backend}\\): \\d+ packets captured, 0 dropped by netrx`));
        const ours = jsonl(r.stdout);
        // Ctrl-C's summary also counts what was shown.
        expect(r.stderr).toContain(`netrx: 2 connections, ${ours.length} WebSocket messages`);
        for (const m of ours) expect(m['warnings'], JSON.stringify(m)).toBeUndefined();
        expect(byFlow(ours)).toEqual(byFlow(jsonl(readFileSync(answer, 'utf8'))));
        // What -w wrote reads back to the same messages.
        const again = await netrx('ws', '-r', written, '--format', 'jsonl');
        expect(again.status, again.err).toBe(0);
        expect(byFlow(jsonl(again.out))).toEqual(byFlow(ours));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 180_000);
  }
});
