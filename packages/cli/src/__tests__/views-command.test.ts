// How the command shows things: plugins, time formats, follow, stats, payload views, HTTP bodies,
// the line about what was there but not shown, help, version and colour — each through the command.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import zlib from 'node:zlib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { FLAGS, VALUE_OPTIONS } from '../args.js';
import { main, VERSION } from '../main.js';
import { CaptureBuilder, deflated, frame, tempDir, TcpFlags } from './capture-builder.js';
import { run } from './run-cli.js';

const chat = fileURLToPath(new URL('../../../../examples/chat-server/capture/chat.pcap', import.meta.url));
const midstream = fileURLToPath(new URL('../../../dissector-websocket/src/__tests__/fixtures/midstream/', import.meta.url));
const cliBin = fileURLToPath(new URL('../../bin/netrx.js', import.meta.url));
const cliBuilt = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const chatPlugin = fileURLToPath(new URL('../../../../examples/custom-dissector/chat-plugin.mjs', import.meta.url));
const { dir, remove } = tempDir('netrx-views-');
afterAll(remove);

const jsonl = (out: string) =>
  out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, any>);
const lines = (out: string) => out.split('\n').filter(Boolean);

describe('--plugin', () => {
  it('registers a plugin module: decoded in jsonl, the summary in text', async () => {
    const plain = jsonl((await run('ws', '-r', chat, '--format', 'jsonl')).out);
    const r = await run('ws', '-r', chat, '--format', 'jsonl', '--plugin', chatPlugin);
    expect(r.err).toBe('');
    const withPlugin = jsonl(r.out);
    expect(withPlugin).toHaveLength(plain.length);
    // Text chat messages gain `decoded` (after `frames`); nothing else changes.
    withPlugin.forEach((m, i) => {
      const { decoded, ...rest } = m;
      expect(rest).toEqual(plain[i]);
      if (m['type'] === 'text' && String(m['text']).startsWith('{"type":')) expect(decoded).toEqual({ protocol: 'chat-json', value: JSON.parse(m['text']), summary: expect.any(String) });
    });
    const say = withPlugin.find((m) => m['decoded']?.value.type === 'say' && m['dir'] === 's2c')!;
    expect(say['decoded'].summary).toBe('mynick says "hi, all ！"');
    const text = lines((await run('ws', '-r', chat, '--plugin', chatPlugin, '-Y', 'decoded.value.type == say && dir == s2c', '--max-messages', '1')).out);
    expect(text).toEqual([expect.stringMatching(/ ← 127\.0\.0\.1:7272 text 156B \[deflate\] chat-json: mynick says "hi, all ！"$/)]);
  });

  it('is repeatable: two plugin modules, each decoding its own messages', async () => {
    // The chat plugin by heuristic only (its ws.port entry would own the connections on 7272),
    // and a module of no imports at all that decodes the chat's binary messages (bytes 0, 1, 2…).
    const chatByHeuristic = join(dir, 'chat-by-heuristic.mjs');
    writeFileSync(chatByHeuristic, `import { createChatPlugin } from ${JSON.stringify(pathToFileURL(chatPlugin).href)};\nexport default () => createChatPlugin({ port: 1 });\n`);
    const counting = join(dir, 'counting.mjs');
    writeFileSync(
      counting,
      `const counting = {
  name: 'counting',
  decode(m) {
    if (m.kind !== 'binary') return undefined;
    for (let i = 0; i < m.payload.length; i++) if (m.payload[i] !== (i & 255)) return undefined;
    return { length: m.payload.length };
  },
  summarize: (v) => \`bytes 0, 1, 2… (\${v.length})\`,
};
export default { name: 'counting', coreVersion: '^0.1.0', dependencies: ['websocket'], handoff: (r) => r.heuristics('ws').add(counting, { name: 'counting' }) };
`,
    );
    const protocols = async (...plugins: string[]) => {
      const r = await run('ws', '-r', chat, '--format', 'jsonl', ...plugins.flatMap((p) => ['--plugin', p]));
      expect(r.err).toBe('');
      const count: Record<string, number> = {};
      for (const m of jsonl(r.out)) if (m['decoded']) count[m['decoded'].protocol] = (count[m['decoded'].protocol] ?? 0) + 1;
      return count;
    };
    const both = await protocols(chatByHeuristic, counting);
    expect(both).toEqual({ 'chat-json': expect.any(Number), counting: 2 });
    expect(await protocols(counting)).toEqual({ counting: 2 });
    expect(await protocols(chatByHeuristic)).toEqual({ 'chat-json': both['chat-json'] });
    // In the other order, the same; text output shows both summaries.
    expect(await protocols(counting, chatByHeuristic)).toEqual(both);
    const text = lines((await run('ws', '-r', chat, '--plugin', counting, '--plugin', chatByHeuristic, '--stream', '1')).out);
    expect(text.filter((l) => l.endsWith(' binary 256B [deflate] counting: bytes 0, 1, 2… (256)'))).toHaveLength(2);
    expect(text.some((l) => l.endsWith('chat-json: mynick says "hi, all ！"'))).toBe(true);
  });

  it.skipIf(!existsSync(cliBuilt))('imports @netrx/* from its own folder: outside a project that has them, says so', () => {
    // The built command, as a user runs it (in-process, vitest would resolve @netrx/* itself).
    const importsCore = join(dir, 'imports-core.mjs');
    writeFileSync(importsCore, "import { definePlugin } from '@netrx/core';\nexport default definePlugin({ name: 'x', coreVersion: '^0.1.0' });\n");
    const r = spawnSync(process.execPath, [cliBin, 'ws', '-r', chat, '--plugin', importsCore], { cwd: dir, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/did not load: Cannot find package '@netrx\/core'.* install @netrx\/core in its project, or import nothing from @netrx/);
    // The same plugin importing nothing loads.
    writeFileSync(importsCore, "export default { name: 'x', coreVersion: '^0.1.0' };\n");
    expect(spawnSync(process.execPath, [cliBin, 'ws', '-r', chat, '--plugin', importsCore, '--max-messages', '1'], { cwd: dir, encoding: 'utf8' }).status).toBe(0);
  });

  it('is checked as built-in plugins are', async () => {
    const bad = join(dir, 'not-a-plugin.mjs');
    writeFileSync(bad, 'export const x = 1;\n');
    const noCore = join(dir, 'future.mjs');
    writeFileSync(noCore, "export default { name: 'future', coreVersion: '^9.0.0' };\n");
    const dup = join(dir, 'dup.mjs');
    writeFileSync(dup, "export default { name: 'websocket', coreVersion: '^0.1.0' };\n");
    const needs = join(dir, 'needs.mjs');
    writeFileSync(needs, "export default { name: 'needs', coreVersion: '^0.1.0', dependencies: ['stomp'] };\n");
    const cases: [string, RegExp][] = [
      [join(dir, 'missing.mjs'), /--plugin .*missing\.mjs: no such file/],
      [bad, /the module exports no plugin/],
      [noCore, /future.*core/i],
      [dup, /websocket/],
      [needs, /stomp/],
    ];
    for (const [file, message] of cases) {
      const r = await run('ws', '-r', chat, '--plugin', file);
      expect(r.status, file).toBe(1);
      expect(r.out).toBe('');
      expect(r.err).toMatch(message);
    }
  });
});

describe('-t: time formats, as tshark', () => {
  const first = '{"type":"login","client_name":"bot","room_id":"1"}';
  const at = async (...t: string[]) => lines((await run('ws', '-r', chat, '--max-messages', '3', ...t)).out).map((l) => l.slice(0, l.indexOf(' #')));
  const tz = process.env['TZ'];
  afterEach(() => {
    process.env['TZ'] = tz;
  });

  it('writes local time by default, UTC with -t u, dates with ad/ud, epoch with e', async () => {
    // 1795491605.307137 s is 2026-11-24 03:40:05.307137 UTC.
    process.env['TZ'] = 'Asia/Kolkata'; // UTC+05:30
    expect((await at())[0]).toBe('09:10:05.307137000');
    expect((await at('-t', 'a'))[0]).toBe('09:10:05.307137000');
    expect((await at('-t', 'ad'))[0]).toBe('2026-11-24 09:10:05.307137000');
    expect((await at('-t', 'u'))[0]).toBe('03:40:05.307137000');
    expect((await at('-t', 'ud'))[0]).toBe('2026-11-24 03:40:05.307137000');
    expect((await at('-t', 'e'))[0]).toBe('1795491605.307137000');
    process.env['TZ'] = 'America/Los_Angeles'; // UTC-8 in November: the day before
    expect((await at('-t', 'ad'))[0]).toBe('2026-11-23 19:40:05.307137000');
  });

  it('r: since the first packet; d: since the previous line', async () => {
    // The first packet (a SYN) is at 03:40:05.267886; the messages at .307137, .317648, .319030.
    expect(await at('-t', 'r')).toEqual(['0.039251000', '0.049762000', '0.051144000']);
    expect(await at('-t', 'd')).toEqual(['0.000000000', '0.010511000', '0.001382000']);
    // jsonl keeps ts.
    expect(jsonl((await run('ws', '-r', chat, '--format', 'jsonl', '-t', 'r', '--max-messages', '1')).out)[0]!['ts']).toBe('1795491605.307137000');
    expect(lines((await run('ws', '-r', chat, '--max-messages', '1')).out)[0]).toContain(first);
  });
});

describe('-z follow and netrx stats', () => {
  it('-z follow,ws,N: the whole conversation, both directions, full payloads', async () => {
    const { out, status } = await run('ws', '-r', chat, '-z', 'follow,ws,1');
    expect(status).toBe(0);
    const all = jsonl((await run('ws', '-r', chat, '--format', 'jsonl', '--stream', '1')).out);
    const l = out.split('\n');
    expect(l.slice(0, 5)).toEqual(['='.repeat(67), 'Follow: ws,1', 'Client: 127.0.0.1:55432', 'Server: 127.0.0.1:7272', '='.repeat(67)]);
    // Every text payload in full, the server's indented by a tab.
    for (const m of all.filter((x) => x['type'] === 'text')) expect(l).toContain((m['dir'] === 's2c' ? '\t' : '') + m['text']);
    expect(out).toContain(`${all.filter((m) => m['dir'] === 'c2s').length} client to server, ${all.filter((m) => m['dir'] === 's2c').length} server to client`);
    expect(out).toMatch(/\n\t\S+ ← binary 256B \[deflate\]\n\t00000000 {2}00 01 02 03 04 05 06 07 {2}08 09 0a 0b 0c 0d 0e 0f {2}\|\.{16}\|\n/);
    const none = await run('ws', '-r', chat, '-z', 'follow,ws,9');
    expect(none.out).toContain('no WebSocket messages on connection #9');
  });

  it('-z follow,tcp,N: the reassembled bytes as text', async () => {
    const { out } = await run('tcp', '-r', chat, '-z', 'follow,tcp,0');
    expect(out).toContain('\nGET / HTTP/1.1\nSec-WebSocket-Version: 13\n');
    expect(out).toContain('\n\tHTTP/1.1 101 Switching Protocols\n');
    const tcp = jsonl((await run('tcp', '-r', chat, '--format', 'jsonl', '--stream', '0')).out)[0]!;
    expect(out).toContain(`${tcp['c2s'].bytes} bytes client to server, ${tcp['s2c'].bytes} bytes server to client`);
  });

  it('netrx stats: per connection and totals, agreeing with netrx ws and netrx tcp', async () => {
    const stats = jsonl((await run('stats', '-r', chat, '--format', 'jsonl')).out);
    const ws = jsonl((await run('ws', '-r', chat, '--format', 'jsonl')).out);
    const tcp = jsonl((await run('tcp', '-r', chat, '--format', 'jsonl')).out);
    expect(stats.map((s) => s['stream'] ?? 'totals')).toEqual([0, 1, 'totals']);
    for (const s of stats.slice(0, 2)) {
      const mine = ws.filter((m) => m['stream'] === s['stream']);
      const t = tcp.find((c) => c['stream'] === s['stream'])!;
      expect([s['client'], s['server'], s['firstTs'], s['lastTs'], s['duration'], s['packets']]).toEqual([t['client'], t['server'], t['firstTs'], t['lastTs'], t['duration'], t['packets']]);
      expect(s['bytes']).toEqual({ c2s: t['c2s'].bytes, s2c: t['s2c'].bytes });
      for (const dir of ['c2s', 's2c']) {
        const byType: Record<string, number> = {};
        for (const m of mine.filter((x) => x['dir'] === dir)) byType[m['type']] = (byType[m['type']] ?? 0) + 1;
        const { request, response, ...wsOnly } = s['messages'][dir];
        expect(wsOnly).toEqual(byType);
        expect((request ?? 0) + (response ?? 0)).toBe(1); // the upgrade
      }
      const largest = mine.reduce((a, b) => (b['length'] > a['length'] ? b : a));
      expect(s['largest']).toMatchObject({ dir: largest['dir'], type: largest['type'], length: largest['length'] });
      expect([s['closeCode'], s['closeReason'], s['protocol']]).toEqual([1000, 'bye', 'http+websocket']);
      expect(s['rates'].messagesPerSecond).toBeCloseTo(s['messageCount'] / s['duration'], 2);
    }
    const totals = stats[2]!;
    expect(totals).toMatchObject({ totals: true, connections: 2, messageCount: ws.length + 4 });
    const text = (await run('stats', '-r', chat)).out;
    expect(text).toMatch(/^#0 127\.0\.0\.1:55422 ↔ 127\.0\.0\.1:7272 http\+websocket, closed by fin, WebSocket close 1000 bye\n {2}03:40:05\.267886000 for 0\.152129 s: packets 35 \(16 → \/ 19 ←\), bytes 8091 \(373 → \/ 7718 ←\)\n/);
    expect(text).toMatch(/\ntotal: 2 connections, 03:40:05\.267886000 for 0\.152129 s: packets 79 \(39 → \/ 40 ←\)/);
  });
});

describe('payload views', () => {
  it('--pretty indents JSON payloads under the line; --hexdump and --base64 show binary', async () => {
    const pretty = (await run('ws', '-r', chat, '--pretty', '-Y', 'stream == 1 && text contains "three frames"')).out.split('\n');
    expect(pretty.slice(1, 6)).toEqual(['    {', '      "type": "say",', '      "to_client_id": "all",', '      "content": "this message travels in three frames ！"', '    }']);
    const dump = lines((await run('ws', '-r', chat, '--hexdump', '-Y', 'type == binary && dir == c2s')).out);
    expect(dump[0]).toMatch(/ binary 256B \[deflate\]$/);
    expect(dump[1]).toBe('    00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  |................|');
    expect(dump[3]).toBe('    00000020  20 21 22 23 24 25 26 27  28 29 2a 2b 2c 2d 2e 2f  | !"#$%&\'()*+,-./|');
    expect(dump).toHaveLength(17);
    const b64 = lines((await run('ws', '-r', chat, '--base64', '--full', '-Y', 'type == binary && dir == c2s')).out)[0]!;
    expect(b64.endsWith(' ' + Buffer.from(Uint8Array.from({ length: 256 }, (_, i) => i)).toString('base64'))).toBe(true);
  });
});

describe('netrx http --format jsonl carries the body', () => {
  const C = '10.1.1.1';
  const S = '10.1.1.2';
  const json = JSON.stringify({ hello: 'world', n: [1, 2, 3] });
  const big = 'x'.repeat(70_000);
  const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
  const resp = (headers: string, body: Uint8Array | string) => Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\n${headers}Content-Length: ${body.length}\r\n\r\n`), Buffer.from(body)]);
  const gz = zlib.gzipSync(json);
  const chunkedGz = zlib.gzipSync('chunked and gzipped');
  const file = (() => {
    const b = new CaptureBuilder().seg(C, 40000, S, 80, '', TcpFlags.SYN).seg(S, 80, C, 40000, '', TcpFlags.SYN | TcpFlags.ACK);
    const exchange = (req: string, res: Uint8Array) => b.seg(C, 40000, S, 80, req).seg(S, 80, C, 40000, res);
    exchange('POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello', resp('Content-Type: application/json\r\nContent-Encoding: gzip\r\n', gz));
    exchange('GET /b HTTP/1.1\r\nHost: x\r\n\r\n', resp('Content-Encoding: deflate\r\n', zlib.deflateSync('deflated, zlib-wrapped')));
    exchange('GET /c HTTP/1.1\r\nHost: x\r\n\r\n', resp('Content-Encoding: br\r\n', zlib.brotliCompressSync('brotli')));
    exchange('GET /d HTTP/1.1\r\nHost: x\r\n\r\n', resp('Content-Type: image/png\r\n', png));
    // Over one segment's size: in pieces.
    const long = resp('', big);
    b.seg(C, 40000, S, 80, 'GET /e HTTP/1.1\r\nHost: x\r\n\r\n');
    for (let o = 0; o < long.length; o += 8000) b.seg(S, 80, C, 40000, long.subarray(o, o + 8000));
    const chunks = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n${chunkedGz.length.toString(16)}\r\n`), chunkedGz, Buffer.from('\r\n0\r\n\r\n')]);
    exchange('GET /f HTTP/1.1\r\nHost: x\r\n\r\n', chunks);
    exchange('GET /g HTTP/1.1\r\nHost: x\r\n\r\n', resp('Content-Encoding: zstd\r\n', 'not really zstd'));
    return b.write(dir, 'bodies.pcap');
  })();

  it('decoded (gzip, deflate, br, chunked), text or base64, capped with bodyTruncated', async () => {
    const { out, err, status } = await run('http', '-r', file, '--format', 'jsonl');
    expect(err).toBe('');
    expect(status).toBe(0);
    const m = jsonl(out);
    const bodyFields = (x: Record<string, unknown>) => Object.fromEntries(Object.entries(x).filter(([k]) => k.startsWith('body')));
    expect(m.map(bodyFields)).toEqual([
      { bodyLength: 5, body: 'hello' },
      { bodyLength: gz.length, body: json, bodyEncoding: 'gzip' },
      {},
      { bodyLength: zlib.deflateSync('deflated, zlib-wrapped').length, body: 'deflated, zlib-wrapped', bodyEncoding: 'deflate' },
      {},
      { bodyLength: zlib.brotliCompressSync('brotli').length, body: 'brotli', bodyEncoding: 'br' },
      {},
      { bodyLength: png.length, bodyBase64: Buffer.from(png).toString('base64') },
      {},
      { bodyLength: big.length, body: 'x'.repeat(65_536), bodyTruncated: big.length - 65_536 },
      {},
      { bodyLength: chunkedGz.length, body: 'chunked and gzipped', bodyEncoding: 'gzip' },
      {},
      { bodyLength: 15, body: 'not really zstd', bodyError: 'content-coding "zstd" is not one netrx decodes (gzip, deflate, br)' },
    ].map((b, i) => (i % 2 === 1 || i === 0 ? b : { bodyLength: 0 })));
    // The body comes after every field of the contract.
    expect(Object.keys(m[1]!).slice(-3)).toEqual(['bodyLength', 'body', 'bodyEncoding']);
    // --full: the whole body.
    const full = jsonl((await run('http', '-r', file, '--format', 'jsonl', '--full', '-Y', 'target == "/e" || bodyLength == 70000')).out);
    expect(full.at(-1)!['body']).toBe(big);
    // --pretty: a JSON body under its line.
    const text = (await run('http', '-r', file, '--pretty', '-Y', 'bodyEncoding == gzip')).out.split('\n');
    expect(text[1]).toBe('    {');
    expect(text[2]).toBe('      "hello": "world",');
  });
});

describe('the line about what was there but not shown', () => {
  it('TLS-looking connections, and no WebSocket messages', async () => {
    const hello = Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0x2a, 0x01, 0x00, 0x00, 0x26, 0x03, 0x03]), Buffer.alloc(38)]);
    const file = new CaptureBuilder()
      .seg('10.0.0.1', 40000, '10.0.0.2', 443, '', TcpFlags.SYN)
      .seg('10.0.0.2', 443, '10.0.0.1', 40000, '', TcpFlags.SYN | TcpFlags.ACK)
      .seg('10.0.0.1', 40000, '10.0.0.2', 443, hello)
      .seg('10.0.0.1', 40001, '10.0.0.2', 7000, 'plain bytes of some protocol')
      .write(dir, 'tls.pcap');
    const r = await run('ws', '-r', file);
    expect(r.out).toBe('');
    // The TLS dissector took the ClientHello; the capture ends before a ServerHello.
    expect(r.err).toBe('netrx ws: 2 connections, 0 WebSocket messages; 1 TLS connection not decrypted (handshake-incomplete: 1) — netrx tls says why\n');
    expect((await run('http', '-r', file)).err).toBe('netrx http: 2 connections, 0 HTTP messages; 1 TLS connection not decrypted (handshake-incomplete: 1) — netrx tls says why\n');
    // jsonl: stdout is the same (nothing), stderr says it.
    expect((await run('ws', '-r', file, '--format', 'jsonl')).err).toContain('0 WebSocket messages');
  });

  it('packets but no TCP connection; nothing when everything was shown', async () => {
    const udp = new CaptureBuilder();
    const file = udp.write(dir, 'empty.pcap');
    expect((await run('ws', '-r', file)).err).toBe('netrx ws: the capture has no packets\n');
    expect((await run('ws', '-r', chat)).err).toBe('');
    expect((await run('tcp', '-r', chat)).err).toBe('');
    expect((await run('packets', '-r', chat)).err).toBe('');
  });

  it('an undecodable message reads [undecodable: …], never "text 0B"', async () => {
    // Midstream, decode-as: a chat proves where frames start (distinct masking keys, as real
    // clients use), then a compressed message whose bytes are no deflate data (block type 3).
    const b = new CaptureBuilder();
    for (let i = 0; i < 3; i++) b.seg('10.0.0.1', 40000, '10.0.0.2', 7000, frame(1, `chat message ${i}: how are you today?`, { mask: (Math.imul(i + 7, 0x9e3779b1) >>> 0) || 1 }));
    const file = b
      .seg('10.0.0.1', 40000, '10.0.0.2', 7000, frame(1, Uint8Array.from([0xff, 0xff, 0xff]), { mask: 0x5a6b7c8d, rsv1: true }))
      .write(dir, 'undecodable.pcap');
    const { out } = await run('ws', '-r', file, '--decode-as', 'tcp.port==7000,websocket');
    const first = lines(out).find((l) => l.includes('[undecodable'))!;
    expect(first).toMatch(/ #0 10\.0\.0\.1:40000 → 10\.0\.0\.2:7000 text (\[\w+(,\w+)*\] )?\[undecodable: .+\]$/);
    expect(first).not.toMatch(/ 0B/);
  });
});

describe('--version, --help, colour', () => {
  it('--version', async () => {
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
    for (const argv of [['--version'], ['ws', '--version'], ['-V']]) expect(await run(...argv)).toEqual({ status: 0, out: `netrx ${VERSION}\n`, err: '' });
  });

  it('each command has its own --help, naming its options and the marks of its text output', async () => {
    const ws = (await run('ws', '--help')).out;
    for (const s of ['-z follow,ws,N', '--max-messages', '-Y EXPR', '--pretty', '--hexdump', '#N', '→ / ←', '[deflate]', '(N chars)', '[undecodable: why]', '-c COUNT']) expect(ws).toContain(s);
    // The marks of the tunnel, of partial messages and of findings that belong to no message.
    for (const s of ['[vxlan vni 42]', '[partial: N bytes unknown]', '�', '"partial":true,"unknownBytes":N', ' warning [WARN_', 'warning (stream.error http) [ERR_', '--warnings']) expect(ws).toContain(s);
    expect((await run('tcp', '--help')).out).toContain('(syn, fin)');
    expect((await run('tcp', '--help')).out).toContain('[pppoe session 4660]');
    expect((await run('packets', '--help')).out).toContain('caplen');
    expect((await run('packets', '--help')).out).toMatch(/tunnel layers too:\s+ethernet\/ipv4\/udp\/vxlan\/ethernet\/ipv4\/tcp/);
    expect((await run('http', '--help')).out).toContain('bodyTruncated');
    expect((await run('http', '--help')).out).toContain('[gre key 1001]');
    expect((await run('stats', '--help')).out).toContain('"totals":true');
    expect(await run('-h')).toEqual(await run('--help'));
    expect(await run('ws', '-h')).toEqual(await run('ws', '--help'));
  });

  it('documents every option the parser accepts, and no option it refuses', async () => {
    // The options of a help text: the first column of its lines indented by two spaces (up to
    // two spaces), e.g. `  -Y EXPR, --display-filter EXPR` or `  -q, --quiet           …`.
    const documented = (help: string) => {
      const options = new Set<string>();
      for (const line of help.split('\n')) {
        const column = /^ {2}(-\S.*?)(?: {2,}|$)/.exec(line)?.[1];
        if (column !== undefined) for (const m of column.matchAll(/(?:^|[\s,|])(--?[A-Za-z][\w-]*)/g)) options.add(m[1]!);
      }
      return options;
    };
    // The parser's own tables: a new option without a line in the usage fails here.
    const accepted = new Set([...VALUE_OPTIONS, ...FLAGS]);
    expect(accepted.size).toBeGreaterThan(35);
    for (const o of ['--keylog', '--workers', '--memory', '--warnings', '--summary', '-F', '-d', '-V', '-h', '--colour', '--display-filter']) expect(accepted, o).toContain(o);
    const usage = documented((await run('--help')).out);
    expect([...accepted].filter((o) => !usage.has(o))).toEqual([]);
    // And each help names only options that exist.
    for (const command of ['', 'packets', 'tcp', 'http', 'ws', 'tls', 'stats', 'ui', 'devices']) {
      const help = documented((await run(...(command ? [command] : []), '--help')).out);
      expect(help.size, command).toBeGreaterThan(0);
      expect([...help].filter((o) => !accepted.has(o)), command).toEqual([]);
    }
  });

  it('--help names every dissector table a --decode-as rule can name, with tunnel examples', async () => {
    const usage = (await run('--help')).out;
    for (const rule of ['tcp.port==7272,websocket', 'udp.port==8472,vxlan', 'mpls.label==17,pwethcw']) expect(usage).toContain(rule);
    // The pipeline's own list: what a rule naming no table is told.
    const { err } = await run('packets', '-r', chat, '-c', '1', '--decode-as', 'no.such==1,x');
    const known = /known: ([^)]+)\)/.exec(err)![1]!.split(', ');
    expect(known).toContain('mpls.label');
    const tables = usage.slice(usage.indexOf('Tables:'));
    for (const t of known) expect(tables, t).toMatch(new RegExp(`\\s${t.replace('.', '\\.')}\\s`));
  });

  it('the jsonl fields of ws, http, tcp and packets --help list every field they write, tunnel and tls too', async () => {
    const tunnelled = fileURLToPath(new URL('../../../core/src/__tests__/fixtures/tunnels/gre.pcap', import.meta.url));
    const tls = fileURLToPath(new URL('../../../dissector-tls/src/__tests__/fixtures/tls13-aes128gcm-deflate', import.meta.url));
    const findings = fileURLToPath(new URL('../../../dissector-websocket/src/__tests__/fixtures/midstream/lp-mqtt-nosyn.pcap.gz', import.meta.url));
    for (const command of ['ws', 'http', 'tcp', 'packets']) {
      const help = (await run(command, '--help')).out;
      const fields = help.slice(help.indexOf('jsonl fields'));
      const keys = new Set<string>();
      for (const argv of [['-r', chat], ['-r', tunnelled], ['-r', `${tls}.pcap`, '--keylog', `${tls}.keys`], ['-r', findings]]) {
        for (const r of jsonl((await run(command, ...argv, '--format', 'jsonl')).out)) for (const k of Object.keys(r)) keys.add(k);
      }
      expect(keys, command).toContain('tunnel');
      if (command === 'ws' || command === 'http') expect(keys, command).toContain('tls');
      expect([...keys].filter((k) => !new RegExp(`[\\s(|]${k}[\\s),|;]`).test(fields)), command).toEqual([]);
      // In the order of the records: the tunnel after the endpoints.
      expect(fields, command).toMatch(command === 'packets' ? / dst tunnel / : / server tunnel /);
    }
  });

  /** Runs `netrx …` with stdout claiming to be a terminal, in the environment given. */
  const runTty = async (env: Record<string, string | undefined>, ...argv: string[]) => {
    let out = '';
    const stdout = Object.assign(new Writable({ write: (c, _e, cb) => ((out += String(c)), cb()) }), { isTTY: true });
    const stderr = new Writable({ write: (_c, _e, cb) => cb() });
    const saved = { ...process.env };
    Object.assign(process.env, env);
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
    try {
      await main(argv, { stdout, stderr });
    } finally {
      process.env = saved;
    }
    return out;
  };

  it('colours on a terminal; not when piped, with NO_COLOR or --color never', async () => {
    const coloured = await runTty({ NO_COLOR: undefined, TERM: 'xterm' }, 'ws', '-r', chat, '--max-messages', '2');
    expect(coloured).toContain('\x1b[36m→\x1b[0m');
    expect(coloured).toContain('\x1b[33m←\x1b[0m');
    expect(coloured).toContain('\x1b[32mtext\x1b[0m');
    expect(await runTty({ NO_COLOR: '1' }, 'ws', '-r', chat, '--max-messages', '2')).not.toContain('\x1b[');
    expect(await runTty({ NO_COLOR: undefined }, 'ws', '-r', chat, '--max-messages', '2', '--color', 'never')).not.toContain('\x1b[');
    expect((await run('ws', '-r', chat, '--max-messages', '2')).out).not.toContain('\x1b[');
    expect((await run('ws', '-r', chat, '--max-messages', '2', '--color', 'always')).out).toContain('\x1b[');
    // jsonl is never coloured.
    expect(await runTty({ NO_COLOR: undefined }, 'ws', '-r', chat, '--max-messages', '2', '--format', 'jsonl')).not.toContain('\x1b[');
  });
  it('a finding is red on a terminal: warning codes, warning lines, partial messages', async () => {
    const red = (s: string) => `\x1b[31m\x1b[1m${s}\x1b[0m`;
    const tty = (file: string, ...argv: string[]) => runTty({ NO_COLOR: undefined, TERM: 'xterm' }, 'ws', '-r', join(midstream, file), ...argv);
    expect(await tty('gaps.pcap.gz', '-Y', 'warnings', '--max-messages', '1')).toContain(` 89B ${red('[WARN_WS_GAP,WARN_WS_RESYNC]')} server burst 26: `);
    const warningLines = (await tty('lp-mqtt-nosyn.pcap.gz')).split('\n').filter(Boolean);
    expect(warningLines).toHaveLength(2);
    expect(warningLines[0]).toContain(red('warning [WARN_WS_UNPARSED] 1069 bytes were searched for frames and none was proven: no message is shown for them'));
    expect(await tty('deflate-k3.pcap.gz', '--max-messages', '1')).toContain(`116B${red(' [partial: 88 bytes unknown]')} [deflate]`);
    // Not coloured when piped: the same marks, plain.
    expect((await run('ws', '-r', join(midstream, 'lp-mqtt-nosyn.pcap.gz'))).out).toContain(' warning [WARN_WS_UNPARSED] 1069 bytes');
  });
});

describe('-Y warnings on a capture with findings', () => {
  it('shows exactly the messages and records that carry warnings', async () => {
    const file = join(midstream, 'gaps.pcap.gz');
    const all = jsonl((await run('ws', '-r', file, '--format', 'jsonl')).out);
    const warned = all.filter((m) => m['warnings']?.length > 0);
    expect(warned.length).toBeGreaterThan(0);
    expect(warned.length).toBeLessThan(all.length);
    const r = await run('ws', '-r', file, '--format', 'jsonl', '-Y', 'warnings');
    expect(r.status).toBe(0);
    expect(jsonl(r.out)).toEqual(warned);
    // Text: one line each, its codes in brackets after the flags.
    const text = lines((await run('ws', '-r', file, '-Y', 'warnings')).out);
    expect(text).toHaveLength(warned.length);
    for (const [i, l] of text.entries()) expect(l).toContain(` [${warned[i]!['warnings'].map((w: { code: string }) => w.code).join(',')}] `);
    // The complement.
    expect(jsonl((await run('ws', '-r', file, '--format', 'jsonl', '-Y', 'not warnings')).out)).toHaveLength(all.length - warned.length);
    // Records of findings that belong to no message have warnings too.
    const records = jsonl((await run('ws', '-r', join(midstream, 'lp-mqtt-nosyn.pcap.gz'), '--format', 'jsonl', '-Y', 'warnings')).out);
    expect(records.map((x) => [x['type'], x['warnings'][0].code])).toEqual([
      ['warning', 'WARN_WS_UNPARSED'],
      ['warning', 'WARN_WS_UNCONFIRMED'],
    ]);
  });
  it('--warnings: netrx ws shows its ws.warning records always (once); other commands with --warnings only', async () => {
    const file = join(midstream, 'lp-mqtt-nosyn.pcap.gz');
    const ws = (await run('ws', '-r', file)).out;
    expect(lines(ws).map((l) => /warning \[(\w+)\]/.exec(l)?.[1])).toEqual(['WARN_WS_UNPARSED', 'WARN_WS_UNCONFIRMED']);
    expect((await run('ws', '-r', file, '--warnings')).out).toBe(ws);
    const http = await run('http', '-r', file);
    expect(http.out).toBe('');
    expect(http.err).toContain('2 warnings not shown (WARN_WS_UNCONFIRMED: 1, WARN_WS_UNPARSED: 1) — --warnings shows them');
    const shown = await run('http', '-r', file, '--warnings');
    expect(lines(shown.out).map((l) => /warning \(ws\.warning\) \[(\w+)\]/.exec(l)?.[1])).toEqual(['WARN_WS_UNPARSED', 'WARN_WS_UNCONFIRMED']);
    expect(shown.err).not.toContain('not shown');
  });
});
