#!/usr/bin/env node
// Drives one chat session against the server and records, from the clients' side, every
// WebSocket message each connection sent and received, in order: the answer a dissector must
// reproduce from a capture of the session. Run: `node client.mjs [ws://127.0.0.1:7272] [out.jsonl]`.
//
// The session: 'bot' logs in, 'mynick' logs in, both answer the server's {"type":"ping"} and its
// WebSocket ping, mynick says 'hi, all ！' (full-width ！), bot answers, mynick sends a say
// message in three fragments, a binary message (echoed back), and a say message over 64 KiB,
// then both close with 1000 'bye'.
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';

/** Bytes `ws` would put on the wire for a text payload: its UTF-8 length. */
const utf8Length = (s) => Buffer.byteLength(s, 'utf8');

/**
 * A deterministic text over 64 KiB that deflate shrinks well but not to nothing (words drawn
 * from a small vocabulary by a fixed LCG), so the sample capture stays small.
 */
export function largeText(bytes = 70_000) {
  const words = ['chat', 'netrx', 'frame', 'deflate', 'mask', 'segment', 'hello', 'world', 'ws', 'tcp', 'lo', 'bye', 'ping', 'pong', 'all', '！'];
  let x = 7272;
  const parts = [];
  let n = 0;
  while (n < bytes) {
    x = (x * 1103515245 + 12345) >>> 0;
    const w = words[(x >>> 16) & 15];
    parts.push(w);
    n += utf8Length(w) + 1;
  }
  return parts.join(' ');
}

/**
 * One participant: a `ws` client with permessage-deflate (threshold 0, every data message
 * compressed) that logs what it sends and receives in the shape of `netrx ws --format jsonl`.
 */
class Participant {
  /** @param {string} url @param {string} name @param {object[]} out */
  constructor(url, name, out) {
    this.name = name;
    this.out = out;
    this.inbox = [];
    this.waiters = [];
    this.ws = new WebSocket(url, { perMessageDeflate: { threshold: 0 } });
    this.ws.on('message', (data, isBinary) => {
      const m = isBinary ? null : JSON.parse(data.toString('utf8'));
      this.record('s2c', isBinary ? { type: 'binary', hex: data.toString('hex') } : { type: 'text', text: data.toString('utf8') }, data.length);
      // workerman-chat's heartbeat: answer the server's ping at once.
      if (m?.type === 'ping') this.sendText(JSON.stringify({ type: 'pong' }));
      this.inbox.push(m ?? data);
      this.wake();
    });
    // `ws` answers a ping with a pong (same payload) before it emits 'ping' (RFC 6455 §5.5.2).
    this.ws.on('ping', (data) => {
      this.record('s2c', { type: 'ping', hex: data.toString('hex') }, data.length, false);
      this.record('c2s', { type: 'pong', hex: data.toString('hex') }, data.length, false);
    });
    this.closed = new Promise((res) =>
      this.ws.on('close', (code, reason) => {
        this.record('s2c', { type: 'close', code, reason: reason.toString('utf8') }, 2 + reason.length, false);
        res();
      }),
    );
  }

  async open() {
    await new Promise((res, rej) => this.ws.once('open', res).once('error', rej));
    const s = this.ws._socket;
    this.client = `${s.localAddress}:${s.localPort}`;
    this.server = `${s.remoteAddress}:${s.remotePort}`;
    this.compressed = Object.hasOwn(this.ws._extensions, 'permessage-deflate');
  }

  record(dir, msg, length, data = true, frames = 1) {
    // Payloads over 4 KiB are kept as their sha256 so the answer file stays small.
    if (length > 4096) {
      const bytes = msg.text !== undefined ? Buffer.from(msg.text, 'utf8') : Buffer.from(msg.hex, 'hex');
      msg = { type: msg.type, sha256: createHash('sha256').update(bytes).digest('hex') };
    }
    // Control frames are never compressed nor fragmented (RFC 7692 §6.1, RFC 6455 §5.5).
    this.out.push({ who: this.name, client: this.client, server: this.server, dir, ...msg, length, compressed: data && this.compressed, frames });
  }

  sendText(text) {
    this.record('c2s', { type: 'text', text }, utf8Length(text));
    this.ws.send(text);
  }

  say(content) {
    this.sendText(JSON.stringify({ type: 'say', to_client_id: 'all', content }));
  }

  /** Sends one text message as several frames (RFC 6455 §5.4). */
  sayFragmented(content, pieces) {
    const text = JSON.stringify({ type: 'say', to_client_id: 'all', content });
    const buf = Buffer.from(text, 'utf8');
    this.record('c2s', { type: 'text', text }, buf.length, true, pieces);
    const step = Math.ceil(buf.length / pieces);
    for (let i = 0; i < pieces; i++) {
      // Text fragments are sent as bytes: a split may fall inside a UTF-8 character.
      this.ws.send(buf.subarray(i * step, (i + 1) * step), { binary: false, fin: i === pieces - 1 });
    }
  }

  sendBinary(bytes) {
    this.record('c2s', { type: 'binary', hex: bytes.toString('hex') }, bytes.length);
    this.ws.send(bytes, { binary: true });
  }

  async close(code, reason) {
    this.record('c2s', { type: 'close', code, reason }, 2 + utf8Length(reason), false);
    this.ws.close(code, reason);
    await this.closed;
  }

  wake() {
    this.waiters = this.waiters.filter((w) => !w());
  }

  /** Resolves with the first received message (consumed from the inbox) that matches. */
  next(match, timeoutMs = 5000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: timed out waiting for a message`)), timeoutMs);
      const check = () => {
        const i = this.inbox.findIndex(match);
        if (i < 0) return false;
        clearTimeout(timer);
        resolve(this.inbox.splice(i, 1)[0]);
        return true;
      };
      if (!check()) this.waiters.push(check);
    });
  }
}

const isSay = (content, from) => (m) => m?.type === 'say' && m.content === content && (!from || m.from_client_name === from);

/**
 * Runs the scripted session against `url`; resolves with what each connection sent and received
 * (records in order per connection and direction, with `who`, `client`, `server`, `dir`, `type`,
 * `text` or `hex` (or `sha256` of the payload when it is over 4 KiB), `length`, `compressed`,
 * `frames`, and for closes `code` and `reason`).
 * @param {string} url
 */
export async function runSession(url = 'ws://127.0.0.1:7272') {
  const out = [];
  const bot = new Participant(url, 'bot', out);
  await bot.open();
  bot.sendText(JSON.stringify({ type: 'login', client_name: 'bot', room_id: '1' }));
  await bot.next((m) => m?.type === 'login' && m.client_name === 'bot');
  await bot.next((m) => m?.type === 'ping');

  const me = new Participant(url, 'mynick', out);
  await me.open();
  me.sendText(JSON.stringify({ type: 'login', client_name: 'mynick', room_id: '1' }));
  await me.next((m) => m?.type === 'login' && m.client_list);
  await me.next((m) => m?.type === 'ping');
  await bot.next((m) => m?.type === 'login' && m.client_name === 'mynick');

  me.say('hi, all ！');
  await Promise.all([me.next(isSay('hi, all ！')), bot.next(isSay('hi, all ！'))]);

  bot.say('hello mynick');
  await Promise.all([me.next(isSay('hello mynick')), bot.next(isSay('hello mynick'))]);

  const fragmented = 'this message travels in three frames ！';
  me.sayFragmented(fragmented, 3);
  await Promise.all([me.next(isSay(fragmented)), bot.next(isSay(fragmented))]);

  const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  me.sendBinary(bytes);
  await me.next((m) => Buffer.isBuffer(m) && m.equals(bytes));

  const large = largeText();
  me.say(large);
  await Promise.all([me.next(isSay(large), 15_000), bot.next(isSay(large), 15_000)]);

  await me.close(1000, 'bye');
  await bot.next((m) => m?.type === 'logout' && m.from_client_name === 'mynick');
  await bot.close(1000, 'bye');
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [url = 'ws://127.0.0.1:7272', file] = process.argv.slice(2);
  const records = await runSession(url);
  const text = records.map((r) => JSON.stringify(r)).join('\n') + '\n';
  if (file) await writeFile(file, text);
  else process.stdout.write(text);
}
