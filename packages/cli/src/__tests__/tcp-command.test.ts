import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LinkType } from '@netrx/core';
import { corpusDir, noteIfCorpusMissing, publicManifest } from '../../../../test-support/corpus.js';
import { concat, ethernet, ipv4, ipv6, pcapFile, tcp, TcpFlags, type PcapRecord } from '../../../../test-support/packets.js';
import { run } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'netrx-tcp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = 1_700_000_000_000_000_000n;
let clock = 0n;

/** One segment as a pcap record; `off` is the stream offset (data starts at isn + 1). */
function seg(src: string, dst: string, sport: number, dport: number, isn: number, off: number, payload: string, flags = TcpFlags.ACK | TcpFlags.PSH): PcapRecord {
  const v6 = src.includes(':');
  const t = tcp(Buffer.from(payload, 'latin1'), { srcPort: sport, dstPort: dport, seq: (isn + 1 + off) >>> 0, flags }, src, dst);
  clock += 1_000_000n;
  return { ts: T0 + clock, data: v6 ? ethernet(ipv6(t, { src, dst }), 0x86dd) : ethernet(ipv4(t, { src, dst })) };
}


const sha = (s: string) => createHash('sha256').update(Buffer.from(s, 'latin1')).digest('hex');

// Connection 0 (IPv4, handshake): the client's second segment arrives before its first and is
// sent twice; the server's reply has a 5-byte hole the capture never saw.
// Connection 1 (IPv6, midstream): an HTTP request from the lower port, then a RST.
const records: PcapRecord[] = [
  seg('10.0.0.1', '10.0.0.2', 40000, 80, 100, -1, '', TcpFlags.SYN),
  seg('10.0.0.2', '10.0.0.1', 80, 40000, 500, -1, '', TcpFlags.SYN | TcpFlags.ACK),
  seg('10.0.0.1', '10.0.0.2', 40000, 80, 100, 5, 'world'),
  seg('10.0.0.1', '10.0.0.2', 40000, 80, 100, 5, 'world'),
  seg('10.0.0.1', '10.0.0.2', 40000, 80, 100, 0, 'hello'),
  seg('10.0.0.2', '10.0.0.1', 80, 40000, 500, 0, 'abc'),
  seg('10.0.0.2', '10.0.0.1', 80, 40000, 500, 8, 'xyz'),
  seg('2001:db8::9', '2001:db8::1', 80, 50000, 7, 0, 'GET / HTTP/1.1\r\n\r\n'),
  seg('2001:db8::1', '2001:db8::9', 50000, 80, 9, 0, '', TcpFlags.RST),
  seg('10.0.0.1', '10.0.0.2', 40000, 80, 100, 10, '', TcpFlags.FIN | TcpFlags.ACK),
  seg('10.0.0.2', '10.0.0.1', 80, 40000, 500, 11, '', TcpFlags.FIN | TcpFlags.ACK),
];
const file = join(dir, 'tcp.pcap');
writeFileSync(file, pcapFile(LinkType.ETHERNET, records));

describe('netrx tcp', () => {
  it('writes one JSON object per connection, in stream order', async () => {
    const { status, out, err } = await run('tcp', '-r', file, '--format', 'jsonl');
    expect(err).toBe('');
    expect(status).toBe(0);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    // The RST closes connection 1 before the FINs close connection 0; a file's are written in stream order.
    expect(lines.map((l) => l.stream)).toEqual([0, 1]);
    const [v4, v6] = lines;
    expect(v4).toEqual({
      stream: 0,
      client: '10.0.0.1:40000',
      server: '10.0.0.2:80',
      clientBy: 'syn',
      // Both sides sent FIN, but the server's stream still has a hole nobody acknowledged: the
      // connection waits for it (a retransmission could come) until the end of input.
      close: 'end',
      c2s: { bytes: 10, sha256: sha('helloworld'), gaps: 0, gapBytes: 0, retransmitted: 1, overlapConflicts: 0, droppedBytes: 0, close: 'fin' },
      // The hole before the FIN is reported as a gap; the bytes after it are kept.
      s2c: { bytes: 6, sha256: sha('abcxyz'), gaps: 1, gapBytes: 5, retransmitted: 0, overlapConflicts: 0, droppedBytes: 0, close: 'fin' },
      // Added after the fields above: the first and last segments (records 1 and 11, a
      // millisecond apart each), and the segments per direction (the duplicate included).
      firstTs: '1700000000.001000000',
      lastTs: '1700000000.011000000',
      duration: 0.01,
      packets: { c2s: 5, s2c: 4 },
    });
    expect(Object.keys(v4).slice(0, 7)).toEqual(['stream', 'client', 'server', 'clientBy', 'close', 'c2s', 's2c']);
    expect(v6).toMatchObject({ firstTs: '1700000000.008000000', lastTs: '1700000000.009000000', packets: { c2s: 1, s2c: 1 } });
    expect(v6).toMatchObject({ client: '[2001:db8::9]:80', server: '[2001:db8::1]:50000', clientBy: 'http', close: 'rst' });
    expect(v6.c2s).toMatchObject({ bytes: 18, sha256: sha('GET / HTTP/1.1\r\n\r\n'), close: 'rst' });
    expect(v6.s2c).toMatchObject({ bytes: 0, close: 'rst' });
  });

  it('writes a line per connection for people', async () => {
    const { status, out } = await run('tcp', '-r', file);
    expect(status).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^#0 10\.0\.0\.1:40000 → 10\.0\.0\.2:80 \(syn, end\) c2s 10B sha256:[0-9a-f]{16}… retx 1 closed by fin {2}s2c 6B sha256:[0-9a-f]{16}… gaps 1\/5B closed by fin {2}22:13:20\.001000000 0\.010000 s 5\/4 packets$/);
  });

  it('reports the connections read before a corrupt record, then the error (exit 1)', async () => {
    const whole = readFileSync(file);
    // A last record header claiming 3.9 GB.
    const bad = new Uint8Array(16);
    new DataView(bad.buffer).setUint32(8, 0xe8000000, true);
    const broken = join(dir, 'broken.pcap');
    writeFileSync(broken, concat(whole, bad));
    const { status, out, err } = await run('tcp', '-r', broken, '--format', 'jsonl');
    expect(status).toBe(1);
    expect(out.trim().split('\n')).toHaveLength(2);
    expect(err).toMatch(/netrx tcp: .*broken\.pcap/);
  });
});

const missing = noteIfCorpusMissing('netrx tcp against tshark follow oracles');

describe.skipIf(missing)('netrx tcp on the public corpus (oracle rows where tshark and a first-copy rebuild agree)', () => {
  const oracleDir = corpusDir ? join(corpusDir, 'public/oracle') : '';
  const files = missing ? [] : readdirSync(oracleDir).filter((f) => f.endsWith('.tcp.tsv'));
  const manifest = missing ? [] : publicManifest();
  it.each(files)('%s', async (oracle) => {
    const capture = manifest.find((r) => r.oracles.includes(oracle))!;
    const { out } = await run('tcp', '-r', capture.path, '--format', 'jsonl');
    const conns = out.trim().split('\n').map((l) => JSON.parse(l));
    const lines = readFileSync(join(oracleDir, oracle), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    const head = lines[0]!.split('\t');
    for (const row of lines.slice(1).map((l) => l.split('\t'))) {
      const col = (n: string) => row[head.indexOf(n)]!;
      if (col('follow_matches_naive') !== 'yes') continue; // explained in dissector-tcp's oracle test
      const [n0, n1] = [col('node0'), col('node1')];
      const c = conns.find((c) => (c.client === n0 && c.server === n1) || (c.client === n1 && c.server === n0));
      expect(c, `${n0} <-> ${n1}`).toBeDefined();
      const [d01, d10] = c.client === n0 ? [c.c2s, c.s2c] : [c.s2c, c.c2s];
      expect([d01.bytes, d01.sha256]).toEqual([Number(col('bytes_0to1')), col('sha256_0to1')]);
      expect([d10.bytes, d10.sha256]).toEqual([Number(col('bytes_1to0')), col('sha256_1to0')]);
    }
  });
});
