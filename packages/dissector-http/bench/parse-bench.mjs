// Measures the HTTP/1.x parser: node packages/dissector-http/bench/parse-bench.mjs [messages]
// (run `npx tsc -b packages/dissector-http` first). Feeds a keep-alive stream of typical requests
// (~400 B heads) and responses (heads plus 2 KiB bodies, every fourth chunked) in 1448-byte
// segments, as TCP delivers them, and prints messages/s and MB/s for each direction, then the
// whole connection dissector (both directions, events built and paired) on the same bytes.
import { HttpMessageParser, httpDissector } from '../dist/index.js';

const N = Number(process.argv[2] ?? 200_000);
const SEG = 1448;
const enc = (s) => Buffer.from(s, 'latin1');

const request = enc(
  'GET /static/app/main.css?v=20240101 HTTP/1.1\r\nHost: www.example.test\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/121.0\r\n' +
    'Accept: text/css,*/*;q=0.1\r\nAccept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\nConnection: keep-alive\r\n' +
    'Referer: https://www.example.test/\r\nCookie: session=0123456789abcdef0123456789abcdef\r\n\r\n',
);
const body = enc('x'.repeat(2048));
const fixed = Buffer.concat([enc('HTTP/1.1 200 OK\r\nContent-Type: text/css\r\nContent-Length: 2048\r\nCache-Control: max-age=3600\r\nDate: Tue, 24 Nov 2026 02:52:12 GMT\r\nConnection: keep-alive\r\n\r\n'), body]);
const chunked = Buffer.concat([enc('HTTP/1.1 200 OK\r\nContent-Type: text/css\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n400\r\n'), body.subarray(0, 1024), enc('\r\n400\r\n'), body.subarray(1024), enc('\r\n0\r\n\r\n')]);

function stream(parts) {
  const all = Buffer.concat(parts);
  const segs = [];
  for (let o = 0; o < all.length; o += SEG) segs.push(new Uint8Array(all.buffer, all.byteOffset + o, Math.min(SEG, all.length - o)));
  return { segs, bytes: all.length };
}

function measure(label, kind, input) {
  let messages = 0;
  const sink = { begin() {}, message: () => (messages++, false), error(d) { throw new Error(d.message); }, requestMethod: () => 'GET' };
  // Warm up, then time the best of three runs.
  let best = Infinity;
  for (let run = 0; run < 4; run++) {
    messages = 0;
    const p = new HttpMessageParser(kind, sink);
    const t0 = process.hrtime.bigint();
    for (const s of input.segs) p.write(s);
    p.finish();
    const ns = Number(process.hrtime.bigint() - t0);
    if (run > 0) best = Math.min(best, ns);
  }
  const s = best / 1e9;
  console.log(`${label}: ${messages} messages, ${(input.bytes / 1e6).toFixed(1)} MB in ${(s * 1000).toFixed(0)} ms: ${(messages / s / 1e3).toFixed(0)}k messages/s, ${(input.bytes / 1e6 / s).toFixed(0)} MB/s`);
}

const reqs = stream(Array.from({ length: N }, () => request));
const resps = stream(Array.from({ length: N }, (_, i) => (i % 4 === 3 ? chunked : fixed)));
measure('requests ', 'request', reqs);
measure('responses', 'response', resps);

// The stream dissector: both directions interleaved as a keep-alive connection would be, events emitted.
{
  const conn = { id: 0, family: 4, client: { address: '10.0.0.1', port: 40000 }, server: { address: '10.0.0.2', port: 80 }, clientBy: 'syn' };
  let events = 0;
  const ctx = { connection: conn, registry: undefined, emit: () => void events++, switchTo() {} };
  let best = Infinity;
  for (let run = 0; run < 4; run++) {
    events = 0;
    const d = httpDissector.create(ctx);
    const t0 = process.hrtime.bigint();
    const per = Math.ceil(resps.segs.length / reqs.segs.length);
    for (let i = 0, j = 0; i < reqs.segs.length; i++) {
      d.data('c2s', reqs.segs[i], 0n, i);
      for (let k = 0; k < per && j < resps.segs.length; k++, j++) d.data('s2c', resps.segs[j], 0n, i);
    }
    d.end(0n, 0);
    const ns = Number(process.hrtime.bigint() - t0);
    if (run > 0) best = Math.min(best, ns);
  }
  const s = best / 1e9;
  console.log(`dissector: ${events} events, ${((reqs.bytes + resps.bytes) / 1e6).toFixed(1)} MB in ${(s * 1000).toFixed(0)} ms: ${(events / s / 1e3).toFixed(0)}k events/s, ${((reqs.bytes + resps.bytes) / 1e6 / s).toFixed(0)} MB/s`);
}
