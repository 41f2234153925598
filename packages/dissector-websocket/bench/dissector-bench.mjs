// The WebSocket dissector alone (no capture, no TCP): chat-sized messages, masked client frames
// and unmasked server frames, 1-3 frames a segment; plain and permessage-deflate (context
// takeover). Needs a build (`npx tsc -b packages/dissector-websocket`).
// Run: node packages/dissector-websocket/bench/dissector-bench.mjs
import zlib from 'node:zlib';
import pako from 'pako';
import { corePlugin, createRegistry } from '@netrx/core';
import { tcpPlugin } from '@netrx/dissector-tcp';
import { httpPlugin } from '@netrx/dissector-http';
import { createWebSocketFactory, websocketPlugin } from '@netrx/dissector-websocket';

const N = 100_000;
const registry = createRegistry([corePlugin, tcpPlugin, httpPlugin, websocketPlugin]);
const factory = createWebSocketFactory();
const connection = { id: 0, family: 4, client: { address: '10.0.0.1', port: 50000 }, server: { address: '10.0.0.2', port: 7272 }, clientBy: 'syn' };
const headers = (ext) => (ext ? [{ name: 'Sec-WebSocket-Extensions', value: 'permessage-deflate' }] : []);
const init = (ext) => ({ protocol: 'websocket', request: { headers: [] }, response: { headers: headers(ext) } });

function frame(payload, mask, rsv1) {
  const n = payload.length;
  const ext = n < 126 ? 0 : 2;
  const out = Buffer.alloc(2 + ext + (mask ? 4 : 0) + n);
  out[0] = 0x81 | (rsv1 ? 0x40 : 0);
  out[1] = (mask ? 0x80 : 0) | (n < 126 ? n : 126);
  if (ext) out.writeUInt16BE(n, 2);
  let p = 2 + ext;
  const key = [0x12, 0x34, 0x56, 0x78];
  if (mask) (out.set(key, p), (p += 4));
  for (let i = 0; i < n; i++) out[p + i] = mask ? payload[i] ^ key[i & 3] : payload[i];
  return out;
}

function build(deflate) {
  const defl = { c2s: new pako.Deflate({ raw: true }), s2c: new pako.Deflate({ raw: true }) };
  const segs = [];
  let pending = { c2s: [], s2c: [] };
  for (let i = 0; i < N; i++) {
    const dir = i % 2 ? 's2c' : 'c2s';
    let p = Buffer.from(JSON.stringify({ type: 'say', from_client_id: `7f00000108fc0000${i % 97}`, from_client_name: 'mynick', to_client_id: 'all', content: `message ${i}: hi, all ！ ${'la '.repeat(i % 40)}`, time: '2026-11-24 02:53:36' }));
    if (deflate) {
      const d = defl[dir];
      const parts = [];
      d.onData = (c) => parts.push(c);
      d.push(p, zlib.constants.Z_SYNC_FLUSH);
      const c = Buffer.concat(parts);
      p = c.subarray(0, c.length - 4);
    }
    pending[dir].push(frame(p, dir === 'c2s', deflate));
    if (pending[dir].length >= 1 + (i % 3)) {
      segs.push([dir, Buffer.concat(pending[dir])]);
      pending[dir] = [];
    }
  }
  return segs;
}

for (const deflate of [false, true]) {
  const segs = build(deflate);
  for (let rep = 0; rep < 4; rep++) {
    let messages = 0;
    const ctx = { connection, registry, emit: (e) => { if (e.type === 'ws.message') messages++; }, switchTo() {} };
    const d = factory.create(ctx, init(deflate));
    // CPU time, not wall time: the machine is shared, and waiting for a core is not our cost.
    const t0 = process.cpuUsage();
    for (let i = 0; i < segs.length; i++) d.data(segs[i][0], segs[i][1], 0n, i);
    const used = process.cpuUsage(t0);
    const ns = (used.user + used.system) * 1000;
    if (rep > 0) console.log(`${deflate ? 'deflate' : 'plain  '}: ${messages} messages in ${(ns / 1e6).toFixed(0)} ms = ${(ns / messages).toFixed(0)} ns/message, ${(ns / segs.length).toFixed(0)} ns/segment`);
  }
}
