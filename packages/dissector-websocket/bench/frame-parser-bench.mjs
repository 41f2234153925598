// The frame parser alone, as a capture of many connections drives it: 1,000 parsers (one per
// connection direction) fed round robin, each chunk two masked chat frames (90 and 180 bytes), so
// each parser's state is cold in the cache when its next chunk comes. Prints CPU ms for 1.2M
// frames. Needs a build (`npx tsc -b packages/dissector-websocket`).
// Run: node packages/dissector-websocket/bench/frame-parser-bench.mjs
import { WebSocketFrameParser } from '../dist/websocket-frame-parser.js';

const CONNS = 1000;
const ROUNDS = 600;
let frames = 0;
let sum = 0;
const sink = {
  onFrame(f) {
    frames++;
    sum += f.payload.length + f.opcode + f.streamOffset;
  },
  onLostSync() {},
  onResync() {},
};
const parsers = Array.from({ length: CONNS }, () => new WebSocketFrameParser(sink, { maxFramePayload: 1 << 26, startInSync: true, allowRsv1: false }));

function frame(len, key) {
  const head = [0x81, 0x80 | (len < 126 ? len : 126)];
  if (len >= 126) head.push(len >> 8, len & 255);
  head.push(key >>> 24, (key >>> 16) & 255, (key >>> 8) & 255, key & 255);
  const b = new Uint8Array(head.length + len);
  b.set(head);
  for (let i = 0; i < len; i++) b[head.length + i] = (i * 31) & 255;
  return b;
}
const a = frame(90, 0x11223344);
const b = frame(180, 0x55667788);
// Chunks are views of one buffer, as a capture file's records are views of its read chunk.
const buf = new Uint8Array(2 << 20);
const chunks = [];
for (let i = 0, off = 0; i < 4096; i++, off += a.length + b.length) {
  buf.set(a, off);
  buf.set(b, off + a.length);
  chunks.push(buf.subarray(off, off + a.length + b.length));
}
const c0 = process.cpuUsage();
let k = 0;
for (let r = 0; r < ROUNDS; r++) for (let i = 0; i < CONNS; i++) parsers[i].write(chunks[k++ & 4095], 1n, r);
const c = process.cpuUsage(c0);
console.log(`${frames} frames in ${Math.round((c.user + c.system) / 1000)} ms CPU (${((c.user + c.system) / frames).toFixed(3)} µs a frame; checksum ${sum})`);
