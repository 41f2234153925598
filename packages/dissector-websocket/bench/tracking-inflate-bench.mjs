// How fast is the unknown-tracking inflater against native zlib? Output MB/s on: one large
// deflate stream (text, and incompressible bytes), and a permessage-deflate chat sequence with
// context takeover decoded message by message — by native zlib (MessageInflater, the fast path),
// by TrackingInflater with the whole history (nothing to track), and by TrackingInflater from an
// unknown window (tracking every byte). Build first: npx tsc -b packages/cli
// Run: node packages/dissector-websocket/bench/tracking-inflate-bench.mjs
import zlib from 'node:zlib';
import { TrackingInflater } from '../dist/tracking-inflater.js';
import { MessageInflater } from '../dist/message-inflater.js';

const MB = 1 << 20;

function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = 'the quick brown fox jumps over lazy dog hello world message user room say login ping pong ünïcödé 🎉'.split(' ');
function text(n, r) {
  const parts = [];
  let len = 0;
  while (len < n) {
    const w = r() < 0.1 ? Math.floor(r() * 1e9).toString(36) : WORDS[Math.floor(r() * WORDS.length)];
    parts.push(w);
    len += w.length + 1;
  }
  return Buffer.from(parts.join(' ')).subarray(0, n);
}

function chat(n, r) {
  return Array.from({ length: n }, (_, i) =>
    Buffer.from(JSON.stringify({ type: 'say', from: `user${Math.floor(r() * 50)}`, seq: i, id: Math.floor(r() * 1e12).toString(36), content: text(40 + Math.floor(r() * 300), r).toString() })),
  );
}

/** Node's native deflater driven with Z_SYNC_FLUSH per message (context takeover), tails stripped. */
async function deflateSequence(messages) {
  const d = zlib.createDeflateRaw({ level: 6 });
  const out = [];
  for (const m of messages) {
    const chunks = [];
    const on = (c) => chunks.push(c);
    d.on('data', on);
    d.write(m);
    await new Promise((res) => d.flush(zlib.constants.Z_SYNC_FLUSH, res));
    d.off('data', on);
    const c = Buffer.concat(chunks);
    out.push(c.subarray(0, c.length - 4));
  }
  d.close();
  return out;
}

/**
 * Median milliseconds per run, after a second of warm-up (V8 optimizes the decoder's loop only
 * after many calls; the machine is shared, and the median resists its noise).
 */
function time(fn, minMs = 1500) {
  for (const t0 = performance.now(); performance.now() - t0 < 1000; ) fn();
  const runs = [];
  const t0 = performance.now();
  while (performance.now() - t0 < minMs || runs.length < 7) {
    const t = performance.now();
    fn();
    runs.push(performance.now() - t);
  }
  runs.sort((a, b) => a - b);
  return runs[runs.length >> 1];
}

const row = (name, bytes, ms) => console.log(`${name.padEnd(58)} ${(bytes / MB / (ms / 1000)).toFixed(1).padStart(8)} MB/s  (median ${ms.toFixed(2)} ms per run)`);

const r = prng(1);
const big = text(4 * MB, r);
const bigC = zlib.deflateRawSync(big, { level: 6 });
const rnd = Buffer.alloc(4 * MB);
for (let i = 0; i < rnd.length; i++) rnd[i] = Math.floor(r() * 256);
const rndC = zlib.deflateRawSync(rnd, { level: 6 });

console.log(`node ${process.version}; output MB/s (higher is better)\n`);
console.log('one 4 MiB deflate stream (text, level 6):');
row('  native zlib inflateRawSync', big.length, time(() => zlib.inflateRawSync(bigC)));
row('  TrackingInflater (history known)', big.length, time(() => new TrackingInflater({ maxOutput: 8 * MB }).inflateRaw(bigC)));
row('  TrackingInflater (history unknown: tracking every byte)', big.length, time(() => new TrackingInflater({ maxOutput: 8 * MB, history: 'unknown' }).inflateRaw(bigC)));
console.log('one 4 MiB deflate stream (incompressible: stored blocks):');
row('  native zlib inflateRawSync', rnd.length, time(() => zlib.inflateRawSync(rndC)));
row('  TrackingInflater (history known)', rnd.length, time(() => new TrackingInflater({ maxOutput: 8 * MB }).inflateRaw(rndC)));

const msgs = chat(20000, r);
const total = msgs.reduce((a, m) => a + m.length, 0);
const comp = await deflateSequence(msgs);
console.log(`\n${msgs.length} chat messages (avg ${Math.round(total / msgs.length)} bytes), context takeover, one message at a time:`);
row('  native zlib (MessageInflater, the fast path)', total, time(() => {
  const inf = new MessageInflater(MB);
  for (const c of comp) if (!inf.inflate([c]).ok) throw new Error('zlib failed');
  inf.close();
}));
row('  TrackingInflater (history known)', total, time(() => {
  const inf = new TrackingInflater({ maxOutput: MB });
  for (const c of comp) if (!inf.inflate(c).ok) throw new Error('failed');
}));
let partial = 0;
let unknownBytes = 0;
row('  TrackingInflater (first 10 messages lost: tracking)', total, time(() => {
  const inf = new TrackingInflater({ maxOutput: MB, history: 'unknown' });
  partial = 0;
  unknownBytes = 0;
  for (let i = 10; i < comp.length; i++) {
    const res = inf.inflate(comp[i]);
    if (!res.ok) throw new Error('failed');
    if (res.unknownBytes) partial++;
    unknownBytes += res.unknownBytes;
  }
}));
console.log(`    (of ${comp.length - 10} messages decoded from an unknown window: ${partial} partial, ${unknownBytes} unknown bytes in all)`);
