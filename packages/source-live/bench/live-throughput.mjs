#!/usr/bin/env node
// Live-capture throughput, per backend: a child process floods 127.0.0.1:9 with UDP datagrams
// while fromLiveCapture (no work per frame) counts what arrives. Needs root and a build
// (`npm run build`); run it in a private network namespace so nothing else is captured:
//   sudo unshare -n sh -c 'ip link set lo up && node packages/source-live/bench/live-throughput.mjs [COUNT]'
// BUFSIZE=bytes sets libpcap's kernel buffer (default: fromLiveCapture's, 64 MiB).
import { spawn } from 'node:child_process';
import { lastValueFrom, count } from 'rxjs';
import { createLiveCaptureStats, fromLiveCapture } from '../dist/index.js';

const n = Number(process.argv[2] ?? 200_000);
const flood = `const s = require('dgram').createSocket('udp4'); const b = Buffer.alloc(100); let i = 0;
  const burst = () => { for (let k = 0; k < 100 && i < ${n}; k++, i++) s.send(b, 9, '127.0.0.1'); i < ${n} ? setImmediate(burst) : setTimeout(() => s.close(), 100); };
  burst();`;

for (const backend of ['cap', 'tcpdump']) {
  const stats = createLiveCaptureStats();
  const stop = new AbortController();
  let t0 = 0n;
  let started;
  const ready = new Promise((r) => (started = r));
  const done = lastValueFrom(fromLiveCapture({ device: 'lo', filter: 'udp port 9', backend, stats, ...(process.env.BUFSIZE ? { bufferSize: Number(process.env.BUFSIZE) } : {}), signal: stop.signal, onStart: () => started() }).pipe(count()));
  await ready;
  t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, ['-e', flood], { stdio: 'inherit' });
  await new Promise((r) => child.once('exit', r));
  const sent = Number(process.hrtime.bigint() - t0) / 1e6;
  await new Promise((r) => setTimeout(r, 500));
  stop.abort();
  const frames = await done;
  console.log(
    `${backend.padEnd(8)} sent ${n} in ${sent.toFixed(0)} ms (${((n / sent) * 1000).toFixed(0)}/s): delivered ${frames}, ` +
      `queue drops ${stats.queueDropped}, kernel drops ${stats.kernelDropped ?? 'unknown'}, missing ${n - stats.captured}, queue high water ${stats.queueHighWater}`,
  );
}
