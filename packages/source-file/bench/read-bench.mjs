// Measures the readers on a generated capture: node packages/source-file/bench/read-bench.mjs [records]
// (run `npx tsc -b packages/source-file` first). Prints records/s for the bare push parsers fed
// 1 MiB chunks, a hand-written loop over the same bytes for comparison, and fromCaptureFile on a file.
import { writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcapReader, PcapngReader, encodePcapng, fromCaptureFile } from '../dist/index.js';

const N = Number(process.argv[2] ?? 1_000_000);
const CHUNK = 1 << 20;

function pcap(nano) {
  // Records of 60..187 bytes, as small TCP segments are: the per-record cost dominates.
  let size = 24;
  for (let i = 0; i < N; i++) size += 16 + 60 + (i & 127);
  const buf = new Uint8Array(size);
  const dv = new DataView(buf.buffer);
  dv.setUint32(0, nano ? 0xa1b23c4d : 0xa1b2c3d4, true);
  dv.setUint16(4, 2, true);
  dv.setUint16(6, 4, true);
  dv.setUint32(16, 262144, true);
  dv.setUint32(20, 1, true);
  let o = 24;
  for (let i = 0; i < N; i++) {
    const len = 60 + (i & 127);
    dv.setUint32(o, 1_700_000_000 + Math.floor(i / 1000), true);
    dv.setUint32(o + 4, (i % 1000) * 997, true);
    dv.setUint32(o + 8, len, true);
    dv.setUint32(o + 12, len, true);
    o += 16 + len;
  }
  return buf;
}

function chunks(buf) {
  const out = [];
  for (let o = 0; o < buf.length; o += CHUNK) out.push(buf.subarray(o, o + CHUNK));
  return out;
}

function time(label, fn) {
  fn(); // warm up
  const runs = [];
  for (let r = 0; r < 3; r++) {
    const t = process.hrtime.bigint();
    const n = fn();
    runs.push(Number(process.hrtime.bigint() - t) / 1e9);
    if (n !== N) throw new Error(`${label}: ${n} records, expected ${N}`);
  }
  const best = Math.min(...runs);
  console.log(`${label.padEnd(44)} ${(N / best / 1e6).toFixed(2)} M records/s (best of 3: ${(best * 1000).toFixed(0)} ms)`);
}

// What the design calls a hand-written loop: header fields, a view and a frame object per record,
// chunk boundaries handled by copying the straddling record.
function handLoop(parts) {
  let n = 0;
  let carry = null;
  let first = true;
  for (const part of parts) {
    let buf = part;
    if (carry) { const b = new Uint8Array(carry.length + part.length); b.set(carry); b.set(part, carry.length); buf = b; carry = null; }
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let o = first ? 24 : 0;
    first = false;
    while (o + 16 <= buf.length) {
      const caplen = dv.getUint32(o + 8, true);
      if (o + 16 + caplen > buf.length) break;
      const frame = { linkType: 1, timestamp: BigInt(dv.getUint32(o, true) * 1e6 + dv.getUint32(o + 4, true)) * 1000n, caplen, length: dv.getUint32(o + 12, true), data: buf.subarray(o + 16, o + 16 + caplen), interfaceId: 0, frameNumber: ++n };
      kept[n & 1023] = frame;
      o += 16 + caplen;
    }
    if (o < buf.length) carry = buf.slice(o);
  }
  return n;
}

// Frames are kept (the last 1024) so that none can be optimised away: each one escapes, as in a pipeline.
const kept = new Array(1024);

function viaReader(Reader, parts) {
  let n = 0;
  const r = new Reader((f) => { kept[n++ & 1023] = f; });
  for (const p of parts) r.write(p);
  if (r.end()) throw new Error('reader failed');
  return n;
}

const usec = chunks(pcap(false));
const nsec = chunks(pcap(true));
console.log(`${N} records, ${(usec.reduce((a, c) => a + c.length, 0) / 2 ** 20).toFixed(0)} MiB, ${CHUNK >> 10} KiB chunks`);
time('hand-written loop (pcap µs)', () => handLoop(usec));
time('PcapReader (pcap µs)', () => viaReader(PcapReader, usec));
time('PcapReader (pcap ns)', () => viaReader(PcapReader, nsec));

const frames = [];
new PcapReader((f) => frames.push(f)).write(Buffer.concat(usec));
const ng = chunks(encodePcapng(frames));
frames.length = 0;
time('PcapngReader (EPB, if_tsresol 9)', () => viaReader(PcapngReader, ng));

const file = join(tmpdir(), `netrx-bench-${process.pid}.pcap`);
writeFileSync(file, Buffer.concat(usec));
for (let r = 0; r < 3; r++) {
  const t = process.hrtime.bigint();
  let n = 0;
  await new Promise((res, rej) => fromCaptureFile(file).subscribe({ next: (f) => { kept[n++ & 1023] = f; }, error: rej, complete: res }));
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  console.log(`${'fromCaptureFile (file on disk, pcap µs)'.padEnd(44)} ${(n / s / 1e6).toFixed(2)} M records/s (${(s * 1000).toFixed(0)} ms)`);
}
rmSync(file);
