// wss:// captured live, through the real command: a Node https server with a `ws` server on port
// 443 and a `ws` client on lo, the client appending its TLS secrets to a key log file as its
// 'keylog' events come — during the session, after `netrx ws -i … --keylog FILE` started (the file
// does not even exist when it starts) — and the messages netrx decodes equal what was sent.
// As root, inside a private network namespace (`unshare -n`, then `ip link set lo up`), as the
// live-capture tests of source-live do: the outer run re-executes this file under unshare.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { liveTestsCannotRun, rerunTests } from '../../../../test-support/netns.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const netrx = join(root, 'packages/cli/bin/netrx.js');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const mode = process.env['NETRX_LIVE_MODE'] ?? 'outer';

/** Why the live tests cannot run here, or undefined when they can. */
function cannotRun(): string | undefined {
  const why = liveTestsCannotRun();
  if (why) return why;
  if (spawnSync('openssl', ['version'], { timeout: 10_000 }).error) return 'openssl is not installed (it makes the test certificate)';
  return undefined;
}

describe.runIf(mode === 'outer')('wss:// live', () => {
  it('runs in a private network namespace as root, with the command built', () => {
    const why = cannotRun();
    if (why) {
      console.log(`SKIPPED wss live tests: ${why} (they need root, unshare -n, tcpdump and openssl)`);
      return;
    }
    // The command runs from dist/: build it (incremental, quick when nothing changed).
    const build = spawnSync(process.execPath, [tsc, '-b', 'packages/cli'], { cwd: root, encoding: 'utf8', timeout: 240_000 });
    expect(build.status, `${build.stdout}${build.stderr}`).toBe(0);
    const r = rerunTests(import.meta.url, { NETRX_LIVE_MODE: 'netns' }, undefined, 240_000);
    expect(r.status, r.output).toBe(0);
    // The inner run really ran the live tests (none was skipped for want of something).
    expect(r.output).toMatch(/Tests\s+2 passed/);
  }, 300_000);
});

/** A message as the application sent it. */
interface Sent {
  readonly dir: 'c2s' | 's2c';
  readonly type: 'text' | 'binary';
  readonly payload: Buffer;
}

const digest = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** `netrx ws -i …` as a child process; resolves once it says it is listening. */
async function startNetrx(args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; out: () => string; err: () => string }> {
  const child = spawn(process.execPath, [netrx, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`netrx did not start listening: ${err}`));
    }, 30_000);
    child.stderr!.on('data', (b: Buffer) => {
      err += b.toString();
      if (err.includes('listening on')) {
        clearTimeout(t);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`netrx exited (${code}): ${err}`)));
  });
  return { child, out: () => out, err: () => err };
}

/**
 * Stops netrx with Ctrl-C and returns its output. Ctrl-C loses the packets the capture has not
 * read yet, so first it waits until netrx has printed `lines` lines (what the session makes; 30 s
 * at most, after which the checks say what is missing), then until nothing new has come out for
 * 500 ms (anything more it would print), 10 s at most.
 */
async function stopNetrx(n: { child: ChildProcess; out: () => string; err: () => string }, lines: number): Promise<{ out: string; err: string; status: number | null }> {
  for (const deadline = Date.now() + 30_000; n.out().split('\n').length - 1 < lines && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
  for (let last = -1, waited = 0; n.out().length !== last && waited < 10_000; waited += 500) {
    last = n.out().length;
    await new Promise((r) => setTimeout(r, 500));
  }
  const exited = new Promise<number | null>((resolve) => n.child.on('exit', (code) => resolve(code)));
  n.child.kill('SIGINT');
  const status = await exited;
  return { out: n.out(), err: n.err(), status };
}

/**
 * A wss:// session on 127.0.0.1:443: the server echoes every message; the client sends a text,
 * a binary, a text in three frames, a 100 KiB binary (records span segments), then closes 1000
 * 'bye'. The client's TLS secrets are appended to `keyLog` as its 'keylog' events come.
 */
async function wssSession(cert: { key: Buffer; cert: Buffer }, keyLog: string, deflate: boolean): Promise<Sent[]> {
  const server = https.createServer({ key: cert.key, cert: cert.cert });
  const wss = new WebSocketServer({ server, perMessageDeflate: deflate ? { threshold: 0 } : false });
  wss.on('connection', (ws) => ws.on('message', (data: Buffer, isBinary) => ws.send(data, { binary: isBinary })));
  await new Promise<void>((resolve) => server.listen(443, '127.0.0.1', resolve));
  const agent = new https.Agent({ ca: cert.cert, servername: 'localhost' });
  agent.on('keylog', (line: Buffer) => appendFileSync(keyLog, line));
  const client = new WebSocket('wss://127.0.0.1:443/chat', { agent, ca: cert.cert, perMessageDeflate: deflate ? { threshold: 0 } : false });
  try {
    return await talk(client, wss, server);
  } finally {
    // After a failure too: port 443 free for the next test.
    client.on('error', () => undefined).terminate();
    wss.close();
    server.closeAllConnections();
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    agent.destroy();
  }
}

/** The client's side of {@link wssSession}, up to the servers closed. */
async function talk(client: WebSocket, wss: WebSocketServer, server: https.Server): Promise<Sent[]> {
  await new Promise<void>((resolve, reject) => client.once('open', () => resolve()).once('error', reject));
  const sent: Sent[] = [];
  let received = 0;
  client.on('message', (data: Buffer, isBinary) => {
    sent.push({ dir: 's2c', type: isBinary ? 'binary' : 'text', payload: data });
    received++;
  });
  const echo = async (payload: Buffer, binary: boolean, fragments = 1): Promise<void> => {
    const before = received;
    sent.push({ dir: 'c2s', type: binary ? 'binary' : 'text', payload });
    const step = Math.ceil(payload.length / fragments);
    for (let i = 0; i < fragments; i++) client.send(payload.subarray(i * step, (i + 1) * step), { binary, fin: i === fragments - 1 });
    for (const deadline = Date.now() + 10_000; received === before; await new Promise((r) => setTimeout(r, 5))) {
      if (Date.now() > deadline) throw new Error('no echo');
    }
  };
  await echo(Buffer.from('hi, all ！ over TLS'), false);
  await echo(Buffer.from(Array.from({ length: 256 }, (_, i) => i)), true);
  await echo(Buffer.from('a text in three frames, split inside ！ a character'), false, 3);
  await echo(randomBytes(100 * 1024), true);
  client.close(1000, 'bye');
  await new Promise<void>((resolve) => client.once('close', () => resolve()));
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return sent;
}

describe.runIf(mode === 'netns')('netrx ws on live wss:// in a private network namespace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netrx-wss-live-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const keyFile = join(dir, 'server.key');
  const certFile = join(dir, 'server.crt');
  spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  const cert = { key: readFileSync(keyFile), cert: readFileSync(certFile) };

  /** The lines a session makes: a message per message, and the two close frames. */
  const lineCount = (sent: Sent[]): number => sent.length + 2;

  const check = (out: string, sent: Sent[]): void => {
    const lines = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
    const data = lines.filter((m) => m.type === 'text' || m.type === 'binary');
    const view = (dir: string, type: string, b: Buffer) => `${dir} ${type} ${b.length} ${digest(b)}`;
    expect(data.map((m) => view(m.dir, m.type, m.text !== undefined ? Buffer.from(m.text, 'utf8') : Buffer.from(m.hex, 'hex')))).toEqual(
      sent.map((s) => view(s.dir, s.type, s.payload)),
    );
    expect(lines.filter((m) => m.type === 'close').map((m) => [m.dir, m.code, m.reason])).toEqual([
      ['c2s', 1000, 'bye'],
      ['s2c', 1000, 'bye'],
    ]);
    for (const m of lines) {
      expect(m.server).toBe('127.0.0.1:443');
      expect(m.tls).toMatchObject({ version: 'TLSv1.3', suite: expect.stringMatching(/^TLS_/), sni: 'localhost' });
      expect(m.warnings).toBeUndefined();
    }
  };

  it('netrx ws -i lo --keylog FILE: the file appears and grows during the session; every message decoded, marked tls', async () => {
    const keyLog = join(dir, 'lo.keys');
    const n = await startNetrx(['ws', '-i', 'lo', '--keylog', keyLog, '--format', 'jsonl', 'tcp', 'port', '443'], process.env);
    try {
      expect(n.err()).toContain('does not exist yet');
      const sent = await wssSession(cert, keyLog, true);
      const r = await stopNetrx(n, lineCount(sent));
      expect(r.status, r.err).toBe(0);
      expect(existsSync(keyLog)).toBe(true);
      check(r.out, sent);
    } finally {
      // Not left capturing when something failed.
      n.child.kill('SIGKILL');
    }
  }, 120_000);

  it('netrx ws -i any port 443 with SSLKEYLOGFILE: the same, without compression', async () => {
    const keyLog = join(dir, 'any.keys');
    const n = await startNetrx(['ws', '-i', 'any', '--format', 'jsonl', 'port', '443'], { ...process.env, SSLKEYLOGFILE: keyLog });
    try {
      expect(n.err()).toContain(`TLS keys from SSLKEYLOGFILE=${keyLog}`);
      const sent = await wssSession(cert, keyLog, false);
      const r = await stopNetrx(n, lineCount(sent));
      expect(r.status, r.err).toBe(0);
      check(r.out, sent);
    } finally {
      n.child.kill('SIGKILL');
    }
  }, 120_000);
});
