// Compares synchronous permessage-deflate inflaters with a persistent context (context takeover):
// pako Inflate (Z_SYNC_FLUSH), fflate's streaming Inflate, and Node's zlib.inflateRawSync with
// the last 32 KiB of output as a dictionary, and Node's zlib stream handle driven with writeSync. Run: node packages/dissector-websocket/bench/inflate-bench.mjs
import zlib from 'node:zlib';
import pako from 'pako';
import { Inflate as FInflate } from 'fflate';

const TAIL = Uint8Array.of(0, 0, 0xff, 0xff);

function makeMessages(n, size) {
  const out = [];
  for (let i = 0; i < n; i++) {
    let s = JSON.stringify({ type: 'say', from: `user${i % 17}`, to: 'all', content: `message ${i} ` + 'hello world '.repeat(Math.ceil(size / 12)), time: 1700000000 + i });
    out.push(Buffer.from(s.slice(0, Math.max(size, 20))));
  }
  return out;
}

function deflateAll(msgs) {
  // One deflater for the whole stream (context takeover), flushed per message as ws does.
  const d = new pako.Deflate({ raw: true, windowBits: 15 });
  let parts = [];
  d.onData = (c) => parts.push(c);
  const out = [];
  for (const m of msgs) {
    d.push(m, zlib.constants.Z_SYNC_FLUSH);
    const c = Buffer.concat(parts);
    parts = [];
    out.push(c.subarray(0, c.length - 4)); // strip 00 00 ff ff, as RFC 7692 §7.2.1
  }
  return out;
}

function benchPako(comp, chunkSize = 65536) {
  const inf = new pako.Inflate({ raw: true, windowBits: 15, chunkSize });
  let chunks = [];
  inf.onData = (c) => chunks.push(c);
  let total = 0;
  for (const c of comp) {
    inf.push(c, zlib.constants.Z_SYNC_FLUSH);
    inf.push(TAIL, zlib.constants.Z_SYNC_FLUSH);
    if (inf.err) throw new Error('pako ' + inf.msg);
    for (const x of chunks) total += x.length;
    chunks = [];
  }
  return total;
}

function benchFflate(comp) {
  let total = 0;
  const inf = new FInflate((c) => { total += c.length; });
  for (const c of comp) {
    inf.push(c, false);
    inf.push(TAIL, false);
  }
  return total;
}

function benchZlibDict(comp) {
  let hist = Buffer.alloc(0);
  let total = 0;
  for (const c of comp) {
    const out = zlib.inflateRawSync(Buffer.concat([c, TAIL]), hist.length ? { dictionary: hist, finishFlush: zlib.constants.Z_SYNC_FLUSH } : { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    total += out.length;
    hist = Buffer.concat([hist, out]);
    if (hist.length > 32768) hist = hist.subarray(hist.length - 32768);
  }
  return total;
}

// Node's zlib driven synchronously through the stream's handle, as the zlib engine (src/inflate-engines.ts) does.
function benchZlibHandle(comp) {
  const z = zlib.createInflateRaw({ windowBits: 15 });
  const h = z._handle;
  const st = z._writeState;
  h.onerror = (m) => { throw new Error(m); };
  const out = Buffer.allocUnsafe(64 * 1024);
  let total = 0;
  for (const c of comp) {
    const b = Buffer.concat([c, TAIL]);
    let inOff = 0;
    let inLen = b.length;
    for (;;) {
      h.writeSync(zlib.constants.Z_SYNC_FLUSH, b, inOff, inLen, out, 0, out.length);
      total += out.length - st[0];
      if (st[0] !== 0) break;
      inOff += inLen - st[1];
      inLen = st[1];
    }
  }
  z.close();
  return total;
}

function benchZlibNoCtx(comp) {
  let total = 0;
  for (const c of comp) total += zlib.inflateRawSync(Buffer.concat([c, TAIL]), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).length;
  return total;
}

for (const [n, size] of [[20000, 100], [2000, 2000], [50, 200000]]) {
  const msgs = makeMessages(n, size);
  const expect = msgs.reduce((a, m) => a + m.length, 0);
  const comp = deflateAll(msgs);
  const noctx = msgs.map((m) => { const c = zlib.deflateRawSync(m, { finishFlush: zlib.constants.Z_SYNC_FLUSH }); return c.subarray(0, c.length - 4); });
  for (const [name, fn, data] of [['pako Inflate (64 KiB chunks)', benchPako, comp], ['pako Inflate (4 KiB chunks)', (c) => benchPako(c, 4096), comp], ['fflate Inflate', benchFflate, comp], ['zlib handle writeSync (takeover)', benchZlibHandle, comp], ['zlib.inflateRawSync+dictionary', benchZlibDict, comp], ['zlib.inflateRawSync (no context)', benchZlibNoCtx, noctx], ['pako Inflate 4 KiB (no-context data)', (c) => benchPako(c, 4096), noctx]]) {
    fn(data.slice(0, 50));
    // CPU time: the machine is shared, and waiting for a core is not the inflater's cost.
    const t0 = process.cpuUsage();
    const got = fn(data);
    const used = process.cpuUsage(t0);
    const ms = (used.user + used.system) / 1000;
    console.log(`${String(n).padStart(6)} msgs x ${String(size).padStart(6)} B  ${name.padEnd(34)} ${ms.toFixed(1).padStart(8)} ms  ${(ms * 1000 / n).toFixed(2).padStart(8)} µs/msg  ${got === expect ? 'ok' : `WRONG ${got} != ${expect}`}`);
  }
}
