import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { concat, ethernet, ipv4, ipv6, ipv6Fragment, pcapFile, sll2, tcp, udp } from '../../../../test-support/packets.js';
import { Writable } from 'node:stream';
import { main } from '../main.js';
import { run, runWith } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'netrx-packets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = (s: string) => s.split('\n').filter(Boolean);
const json = (s: string) => lines(s).map((l) => JSON.parse(l) as Record<string, unknown>);

const T = 1_700_000_000_000_000_000n;
const get = new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n');
const ethFile = pcapFile(1, [
  { ts: T + 123_456_000n, data: ethernet(ipv4(tcp(get, { srcPort: 40000, dstPort: 80, seq: 1 }))) },
  { ts: T + 200_000_000n, data: ethernet(ipv6(udp(Uint8Array.of(1), 5353, 53, '2001:db8::1', '2001:db8::2'), { next: 17 }), 0x86dd, { vlans: [{ tpid: 0x8100, vid: 7 }] }) },
  { ts: T + 300_000_000n, data: ethernet(ipv6(concat(ipv6Fragment(17, 0, true, 9), new Uint8Array(16)), { next: 44 }), 0x86dd) },
  { ts: T + 400_000_000n, data: ethernet(Uint8Array.of(0x45, 0)) },
]);

function file(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe('netrx packets', () => {
  it('--format jsonl: one object per packet with frame, ts, linkType, layers, endpoints and lengths', async () => {
    const { status, out, err } = await run('packets', '-r', file('eth.pcap', ethFile), '--format', 'jsonl');
    // The lone IPv6 fragment of record 3 never completes: said on the last line.
    expect(err).toBe('netrx packets: dropped: 1 IP datagram never completed (fragments missing)\n');
    expect(status).toBe(0);
    const rows = json(out);
    expect(rows).toHaveLength(4);
    expect(rows[0]).toEqual({
      frame: 1, ts: '1700000000.123456000', linkType: 1, layers: ['ethernet', 'ipv4', 'tcp'], src: '10.0.0.1:40000', dst: '10.0.0.2:80', caplen: 14 + 20 + 20 + get.length, len: 14 + 20 + 20 + get.length,
      // Added after the fields above, for TCP segments.
      tcp: { flags: '.', seq: 1, ack: 0, payloadLength: get.length },
    });
    expect(Object.keys(rows[0]!).at(-1)).toBe('tcp');
    expect(rows[1]).toMatchObject({ frame: 2, layers: ['ethernet', 'vlan', 'ipv6', 'udp'], src: '[2001:db8::1]:5353', dst: '[2001:db8::2]:53' });
    // A first IPv6 fragment: addresses without ports, dissection stops at the IP layer.
    expect(rows[2]).toMatchObject({ frame: 3, layers: ['ethernet', 'ipv6'], src: '2001:db8::1', dst: '2001:db8::2' });
    // A truncated IPv4 header: a failure layer, named with its code.
    expect(rows[3]).toMatchObject({ frame: 4, layers: ['ethernet', 'failure'], src: null, dst: null, failure: { protocol: 'ipv4', offset: 14 } });
    expect((rows[3]!.failure as { code: string }).code).toMatch(/^ERR_IPV4_/);
  });

  it('text: time, link, layers, endpoints and lengths for people', async () => {
    const { status, out } = await run('packets', '-r', file('eth2.pcap', ethFile));
    expect(status).toBe(0);
    const l = lines(out);
    expect(l).toHaveLength(4);
    expect(l[0]).toBe(`     1 22:13:20.123456000 ETHERNET ethernet/ipv4/tcp 10.0.0.1:40000 > 10.0.0.2:80 [.] seq 1 ack 0 length ${get.length} caplen ${54 + get.length} len ${54 + get.length}`);
    expect(l[3]).toMatch(/^ {5}4 22:13:20\.400000000 ETHERNET ethernet\/!ipv4 - caplen 16 len 16 \[ERR_IPV4_\w+ at 14: /);
  });

  it('reads Linux cooked v2 and stops after -c packets', async () => {
    const f = file('sll2.pcap', pcapFile(276, [1, 2, 3].map((i) => ({ ts: T + BigInt(i), data: sll2(ipv4(udp(new Uint8Array(i), 1000 + i, 53), { proto: 17 })) }))));
    const rows = json((await run('packets', '-r', f, '--format', 'jsonl', '-c', '2')).out);
    expect(rows.map((r) => [r.linkType, r.layers, r.src])).toEqual([
      [276, ['sll2', 'ipv4', 'udp'], '10.0.0.1:1001'],
      [276, ['sll2', 'ipv4', 'udp'], '10.0.0.1:1002'],
    ]);
  });

  it('on a broken file prints every good packet, then the reader\'s message, and exits 1', async () => {
    const f = file('cut.pcap', ethFile.subarray(0, ethFile.length - 3));
    const { status, out, err } = await run('packets', '-r', f, '--format', 'jsonl');
    expect(lines(out)).toHaveLength(3);
    expect(status).toBe(1);
    const at = ethFile.length - 16 - 16;
    expect(err).toBe(`netrx packets: dropped: 1 IP datagram never completed (fragments missing)\nnetrx packets: ${f}: file ends inside record 4 at byte ${at}: it claims 16 bytes but only 13 are there\n`);
  });

  it('draws a progress bar on a terminal for a large file, and clears it at the end', async () => {
    const big = ethernet(ipv4(udp(new Uint8Array(60_000), 1, 2), { proto: 17 }));
    const f = file('big.pcap', pcapFile(1, Array.from({ length: 300 }, (_, i) => ({ ts: T + BigInt(i), data: big }))));
    const { status, out, err } = await runWith({ tty: true }, 'packets', '-r', f, '--format', 'jsonl');
    expect(status).toBe(0);
    expect(lines(out)).toHaveLength(300);
    expect(err).toMatch(/^\r\[#* *\] +\d+% \d+\/17 MiB/);
    expect(err).toContain('] 100% 17/17 MiB');
    expect(err.endsWith('\r\x1b[K')).toBe(true);
    expect((await runWith({ tty: true }, 'packets', '-r', f, '--no-progress')).err).toBe('');
    expect((await runWith({ tty: false }, 'packets', '-r', f)).err).toBe('');
  });

  it('ends quietly when the output pipe closes (netrx packets | head)', async () => {
    const f = file('many.pcap', pcapFile(1, Array.from({ length: 20_000 }, (_, i) => ({ ts: T + BigInt(i), data: ethFile.subarray(40, 40 + 60) }))));
    let writes = 0;
    const stdout = new Writable({
      highWaterMark: 1024,
      write(_chunk, _enc, cb) {
        writes++;
        cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const stderr = new Writable({ write: (_c, _e, cb) => cb() });
    expect(await main(['packets', '-r', f], { stdout, stderr })).toBe(0);
    expect(writes).toBe(1);
  });

  it('says what to do without a source, and for a missing file', async () => {
    let r = await run('packets');
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/needs -r FILE/);
    r = await run('packets', '-r', join(dir, 'nope.pcap'));
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/no such file; check the path/);
  });
});
