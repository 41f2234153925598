// What the command shows: capture filters on files, display filters (-Y), --stream,
// --max-messages, and the option combinations it refuses.
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { CaptureBuilder, frame, tempDir } from './capture-builder.js';
import { run } from './run-cli.js';

const chat = fileURLToPath(new URL('../../../../examples/chat-server/capture/chat.pcap', import.meta.url));
const hasTcpdump = spawnSync('tcpdump', ['--version']).status === 0;
const { dir, remove } = tempDir('netrx-filters-');
afterAll(remove);

const jsonl = (out: string) =>
  out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe.skipIf(!hasTcpdump)('a capture filter after -r', () => {
  it('keeps only the packets it accepts: netrx ws -r chat.pcap port 55432 shows one connection', async () => {
    const all = jsonl((await run('ws', '-r', chat, '--format', 'jsonl')).out);
    const { status, out, err } = await run('ws', '-r', chat, '--format', 'jsonl', 'port', '55432');
    expect(err).toBe('');
    expect(status).toBe(0);
    const mine = jsonl(out);
    expect(new Set(mine.map((m) => m['client']))).toEqual(new Set(['127.0.0.1:55432']));
    // The same messages as without the filter, less the other connection's (numbered from 0 again).
    const strip = (m: Record<string, unknown>) => ({ ...m, stream: 0 });
    expect(mine.map(strip)).toEqual(all.filter((m) => m['client'] === '127.0.0.1:55432').map(strip));
    expect(mine.length).toBeGreaterThan(10);
  });

  it('says so when nothing matched: udp, host 10.9.9.9', async () => {
    for (const filter of [['udp'], ['host', '10.9.9.9']]) {
      const r = await run('ws', '-r', chat, ...filter);
      expect(r.status).toBe(0);
      expect(r.out).toBe('');
      expect(r.err).toBe(`netrx ws: no packet matched the capture filter "${filter.join(' ')}"\n`);
    }
  });

  it('counts -c after the filter, as tcpdump does', async () => {
    const r = await run('packets', '-r', chat, '--format', 'jsonl', '-c', '3', 'port', '55432');
    expect(jsonl(r.out).map((p) => p['src'] === '127.0.0.1:55432' || p['dst'] === '127.0.0.1:55432')).toEqual([true, true, true]);
  });

  it('fails with libpcap\'s words on a bad filter', async () => {
    const r = await run('ws', '-r', chat, 'port', 'port');
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/^netrx ws: capture filter "port port" \(link type EN10MB \(Ethernet\)\): .*syntax error/);
  });
});

describe('options that would be silently ignored are refused (exit status 2)', () => {
  it.each([
    [['ws', '-r', chat, '-i', 'lo'], /give -r FILE \(read a capture file\) or -i DEVICE \(capture live\), not both/],
    [['ws', '-r', chat, '--backend', 'tcpdump'], /--backend chooses how to capture live \(with -i\)/],
    [['tcp', '-r', chat, '-s', '96'], /-s sets the live capture's snapshot length/],
    [['devices', '-r', chat], /netrx devices lists capture devices; it reads no file/],
    [['devices', '-i', 'lo'], /takes no -i/],
    [['packets', '-r', chat, '--stream', '1'], /packets have no connection number/],
    [['packets', '-r', chat, '--max-messages', '1'], /--max-messages counts WebSocket or HTTP messages/],
    [['tcp', '-r', chat, '-z', 'follow,ws,1'], /-z follow,ws,N goes with netrx ws/],
    [['ws', '-r', chat, '-z', 'conv,tcp'], /-z takes follow,ws,N or follow,tcp,N/],
    [['ws', '-r', chat, '-t', 'x'], /-t must be one of a, ad, u, ud, r, d, e/],
    [['ws', '-r', chat, '--stream', 'one'], /--stream needs a whole number from 0/],
    [['ws', '-r', chat, '--hexdump', '--base64'], /give --hexdump or --base64, not both/],
    [['tcp', '-r', chat, '--pretty'], /--pretty shows JSON payloads \(netrx ws\) and bodies \(netrx http\); netrx tcp has none/],
    [['packets', '-r', chat, '--hexdump'], /--hexdump shows binary payloads .* netrx packets has none/],
    [['http', '-r', chat, '--base64'], /--base64 shows binary WebSocket payloads \(netrx ws\); bodies in jsonl are base64 already/],
    [['stats', '-r', chat, '--base64'], /netrx stats has none/],
    [['ui', '-r', chat, '-Y', 'stream == 1'], /netrx ui filters and follows in its page; -Y is for netrx ws/],
    [['ui', '-r', chat, '-i', 'lo'], /not both/],
    [['ui', '-r', chat, '--pretty', '--hexdump'], /netrx ui filters and follows in its page; --pretty, --hexdump are for netrx ws/],
  ])('%j', async (argv, message) => {
    const r = await run(...argv);
    expect(r.status).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
  });
});

describe('-Y: a display filter over the fields of the jsonl records', () => {
  const all = async () => jsonl((await run('ws', '-r', chat, '--format', 'jsonl')).out);

  it.each([
    ['stream == 1 && dir == "c2s"', (m: Record<string, unknown>) => m['stream'] === 1 && m['dir'] === 'c2s'],
    ['type in {binary close}', (m: Record<string, unknown>) => m['type'] === 'binary' || m['type'] === 'close'],
    ['text contains "say"', (m: Record<string, unknown>) => String(m['text'] ?? '').includes('say')],
    ['text matches "^\\\\{\\"type\\":\\"login"', (m: Record<string, unknown>) => String(m['text'] ?? '').startsWith('{"type":"login')],
    ['length > 1000', (m: Record<string, unknown>) => Number(m['length']) > 1000],
    ['client.port == 55432 and not (type == text)', (m: Record<string, unknown>) => m['client'] === '127.0.0.1:55432' && m['type'] !== 'text'],
    ['warnings', (m: Record<string, unknown>) => m['warnings'] !== undefined],
  ])('%s keeps the lines it accepts, byte for byte', async (expr, keep) => {
    const { status, out } = await run('ws', '-r', chat, '--format', 'jsonl', '-Y', expr);
    expect(status).toBe(0);
    const everything = (await run('ws', '-r', chat, '--format', 'jsonl')).out.split('\n').filter(Boolean);
    const expected = everything.filter((l) => keep(JSON.parse(l) as Record<string, unknown>));
    expect(out.split('\n').filter(Boolean)).toEqual(expected);
    if (expr !== 'warnings') expect(expected.length).toBeGreaterThan(0);
  });

  it('works on text output and on every command', async () => {
    const text = (await run('ws', '-r', chat, '-Y', 'type == close')).out.trim().split('\n');
    expect(text).toHaveLength(4);
    for (const l of text) expect(l).toMatch(/ close 5B 1000 bye$/);
    const tcp = jsonl((await run('tcp', '-r', chat, '--format', 'jsonl', '-Y', 'packets.c2s > 20')).out);
    expect(tcp.map((c) => c['stream'])).toEqual([1]);
    const packets = jsonl((await run('packets', '-r', chat, '--format', 'jsonl', '-Y', 'tcp.flags contains "S"')).out);
    expect(packets.map((p) => (p['tcp'] as { flags: string }).flags)).toEqual(['S', 'S.', 'S', 'S.']);
    const http = jsonl((await run('http', '-r', chat, '--format', 'jsonl', '-Y', 'status == 101')).out);
    expect(http).toHaveLength(2);
    expect((await all()).length).toBeGreaterThan(30);
  });

  it('points at the column of a syntax error, and at an unknown field (exit status 2)', async () => {
    const r = await run('ws', '-r', chat, '-Y', 'stream == 1 && dir = "c2s"');
    expect(r.status).toBe(2);
    expect(r.err).toBe('netrx ws: display filter: "=" is not an operator (did you mean "=="?) (column 20)\n  stream == 1 && dir = "c2s"\n                     ^\n');
    const unknown = await run('ws', '-r', chat, '-Y', 'strem == 1');
    expect(unknown.status).toBe(2);
    expect(unknown.err).toMatch(/"strem" is not a field of these records \(fields: ts, stream, client/);
  });

  it('says when it matched nothing', async () => {
    const r = await run('ws', '-r', chat, '-Y', 'length > 1000000');
    expect(r.out).toBe('');
    expect(r.err).toBe(`netrx ws: 2 connections, 32 WebSocket messages, none shown: -Y 'length > 1000000' matched none\n`);
  });
});

describe('--stream and --max-messages', () => {
  it('--stream N shows connection N only', async () => {
    const lines = jsonl((await run('ws', '-r', chat, '--format', 'jsonl', '--stream', '0')).out);
    const all = jsonl((await run('ws', '-r', chat, '--format', 'jsonl')).out);
    expect(lines).toEqual(all.filter((m) => m['stream'] === 0));
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.length).toBeLessThan(all.length);
    expect(jsonl((await run('http', '-r', chat, '--format', 'jsonl', '--stream', '1')).out).map((m) => m['stream'])).toEqual([1, 1]);
    const none = await run('ws', '-r', chat, '--stream', '7');
    expect(none.err).toBe('netrx ws: 2 connections, 32 WebSocket messages, none shown: --stream 7 matched none\n');
  });

  it('--max-messages N stops after N messages shown (after -Y)', async () => {
    const lines = jsonl((await run('ws', '-r', chat, '--format', 'jsonl', '--max-messages', '3', '-Y', 'dir == s2c')).out);
    expect(lines.map((m) => m['dir'])).toEqual(['s2c', 's2c', 's2c']);
    expect(jsonl((await run('http', '-r', chat, '--format', 'jsonl', '--max-messages', '1')).out)).toHaveLength(1);
  });

  it('--stream picks one connection of several in a built capture', async () => {
    const b = new CaptureBuilder();
    for (let i = 0; i < 3; i++) b.websocket('10.0.0.1', 40000 + i, '10.0.0.2', 80).seg('10.0.0.1', 40000 + i, '10.0.0.2', 80, frame(1, `hello ${i}`, { mask: 0x01020304 }));
    const file = b.write(dir, 'three.pcap');
    expect((await run('ws', '-r', file, '--stream', '2')).out).toMatch(/^\S+ #2 10\.0\.0\.1:40002 → 10\.0\.0\.2:80 text 7B hello 2\n$/);
  });
});
