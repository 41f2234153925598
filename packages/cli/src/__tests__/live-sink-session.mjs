// The live half of sink-command.test.ts, run inside a private network namespace (`unshare -n`, lo
// up) so that the capture sees only this traffic: a redis-server, `netrx ws -i lo --sink … -q`,
// then Redis frozen (SIGSTOP: the connection stays, nothing is acknowledged) while a WebSocket
// client sends more messages than the sink's window holds, then Redis thawed and netrx stopped
// with SIGINT. Prints one JSON object: netrx's exit status and stderr, and the record numbers
// (`n` of each id `live:stream:n`) Redis holds, sorted.
//
//   node live-sink-session.mjs NETRX_BIN REDIS_SERVER MESSAGES
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { WebSocket, WebSocketServer } from 'ws';

const [bin, redisServer, count] = process.argv.slice(2);
const messages = Number(count);
const REDIS_PORT = 16379;
const WS_PORT = 17272;
const dir = mkdtempSync(join(tmpdir(), 'netrx-live-sink-'));

/** Resolves with the output so far once `test(output)` holds; rejects after `ms`. */
function waitFor(child, stream, test, what, ms = 30_000) {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}: ${text}`)), ms);
    child[stream].on('data', (b) => {
      text += b.toString();
      if (test(text)) {
        clearTimeout(timer);
        resolve(text);
      }
    });
  });
}

const redis = spawn(redisServer, ['--port', String(REDIS_PORT), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--logfile', '']);
let netrx;
try {
  await waitFor(redis, 'stdout', (t) => t.includes('Ready to accept connections'), 'redis-server');
  netrx = spawn(process.execPath, [bin, 'ws', '-i', 'lo', '-q', '--sink', `redis://127.0.0.1:${REDIS_PORT}/live`, '--sink-source', 'live', 'port', String(WS_PORT)]);
  let err = '';
  netrx.stderr.on('data', (b) => (err += b.toString()));
  const exited = new Promise((resolve) => netrx.once('close', (status) => resolve(status)));
  await waitFor(netrx, 'stderr', (t) => t.includes('listening on lo'), 'netrx to listen');

  // Freeze Redis: every XADD now waits, so the window fills and the oldest unsent are dropped.
  process.kill(redis.pid, 'SIGSTOP');
  const wss = new WebSocketServer({ host: '127.0.0.1', port: WS_PORT });
  await new Promise((r) => wss.once('listening', r));
  let received = 0;
  const allIn = new Promise((resolve) => wss.on('connection', (ws) => ws.on('message', () => ++received === messages && resolve())));
  const client = new WebSocket(`ws://127.0.0.1:${WS_PORT}/`);
  await new Promise((r) => client.once('open', r));
  for (let i = 0; i < messages; i++) client.send(`message ${i}`);
  await allIn;
  client.close(1000, 'done');
  await new Promise((r) => client.once('close', r));
  wss.close();
  // Let the capture take in the last packets, then thaw Redis and stop netrx as Ctrl-C would.
  await new Promise((r) => setTimeout(r, 1000));
  process.kill(redis.pid, 'SIGCONT');
  netrx.kill('SIGINT');
  const status = await exited;

  const c = createClient({ socket: { host: '127.0.0.1', port: REDIS_PORT, reconnectStrategy: false }, RESP: 2 });
  await c.connect();
  const stored = [];
  for (let i = 0; i < 16; i++) {
    for (const [, fields] of await c.sendCommand(['XRANGE', `live:${i}`, '-', '+'])) stored.push(Number(fields[fields.indexOf('id') + 1].split(':')[2]));
  }
  c.destroy();
  stored.sort((a, b) => a - b);
  process.stdout.write(JSON.stringify({ status, err, stored }) + '\n');
} finally {
  netrx?.kill('SIGKILL');
  try {
    process.kill(redis.pid, 'SIGCONT');
  } catch {}
  redis.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
