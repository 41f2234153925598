import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LinkType } from '@netrx/core';
import { ethernet, ipv4, ipv6, pcapFile, tcp, TcpFlags, type PcapRecord } from '../../../../test-support/packets.js';
import { run } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'netrx-http-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A TCP conversation as pcap records: handshake, then each side's segments with right sequence numbers. */
function conversation(client: string, server: string, cport: number, sport: number, segments: [('c' | 's'), string][]): PcapRecord[] {
  const v6 = client.includes(':');
  const wrap = (seg: Uint8Array, src: string, dst: string) =>
    v6 ? ethernet(ipv6(seg, { src, dst }), 0x86dd) : ethernet(ipv4(seg, { src, dst }));
  let cseq = 1000;
  let sseq = 5000;
  let ts = 1_700_000_000_000_000_000n;
  const out: PcapRecord[] = [];
  const send = (from: 'c' | 's', payload: Uint8Array, flags: number) => {
    ts += 1_000_000n;
    const c = from === 'c';
    const seg = tcp(payload, { srcPort: c ? cport : sport, dstPort: c ? sport : cport, seq: c ? cseq : sseq, ack: c ? sseq : cseq, flags }, c ? client : server, c ? server : client);
    out.push({ ts, data: wrap(seg, c ? client : server, c ? server : client) });
    const adv = payload.length + (flags & (TcpFlags.SYN | TcpFlags.FIN) ? 1 : 0);
    if (c) cseq += adv;
    else sseq += adv;
  };
  send('c', new Uint8Array(0), TcpFlags.SYN);
  send('s', new Uint8Array(0), TcpFlags.SYN | TcpFlags.ACK);
  send('c', new Uint8Array(0), TcpFlags.ACK);
  for (const [from, text] of segments) send(from, Buffer.from(text, 'latin1'), TcpFlags.ACK | TcpFlags.PSH);
  send('c', new Uint8Array(0), TcpFlags.FIN | TcpFlags.ACK);
  send('s', new Uint8Array(0), TcpFlags.FIN | TcpFlags.ACK);
  return out;
}


const file = join(dir, 'http.pcap');
writeFileSync(
  file,
  pcapFile(LinkType.ETHERNET, [
    ...conversation('10.1.1.1', '10.1.1.2', 40001, 8080, [
      ['c', 'GET /split'],
      ['c', ' HTTP/1.1\r\nHost: a\r\n\r\nPOST /p HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc'],
      ['s', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n'],
      ['s', '4\r\nmade\r\n0\r\nX-Done: 1\r\n\r\n'],
    ]),
    // Port 7361 is in no table: found by the heuristic. A refused upgrade stays HTTP.
    ...conversation('2001:db8::1', '2001:db8::2', 40002, 7361, [
      ['c', 'GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'],
      ['s', 'HTTP/1.1 426 Upgrade Required\r\nContent-Length: 0\r\n\r\n'],
      ['c', 'GET / HTTP/1.1\r\n\r\n'],
      ['s', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n!'],
    ]),
  ]),
);

describe('netrx http', () => {
  it('writes one JSON object per message: the contract', async () => {
    const { status, out, err } = await run('http', '-r', file, '--format', 'jsonl');
    expect(err).toBe('');
    expect(status).toBe(0);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.stream, l.dir, l.type, l.method ?? l.status, l.target ?? l.reason, l.bodyLength])).toEqual([
      [0, 'c2s', 'request', 'GET', '/split', 0],
      [0, 'c2s', 'request', 'POST', '/p', 3],
      [0, 's2c', 'response', 200, 'OK', 2],
      [0, 's2c', 'response', 201, 'Created', 4],
      [1, 'c2s', 'request', 'GET', '/ws', 0],
      [1, 's2c', 'response', 426, 'Upgrade Required', 0],
      [1, 'c2s', 'request', 'GET', '/', 0],
      [1, 's2c', 'response', 200, 'OK', 1],
    ]);
    expect(lines[0]).toMatchObject({ client: '10.1.1.1:40001', server: '10.1.1.2:8080', version: 'HTTP/1.1', headers: [['Host', 'a']] });
    expect(lines[0].ts).toMatch(/^1700000000\.\d{9}$/);
    expect(lines[3].trailers).toEqual([['X-Done', '1']]);
    expect(lines[4]).toMatchObject({ client: '[2001:db8::1]:40002', server: '[2001:db8::2]:7361' });
  });

  it('writes a line per message for people', async () => {
    const { status, out } = await run('http', '-r', file);
    expect(status).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(8);
    expect(lines[0]).toMatch(/^22:13:20\.\d{9} #0 10\.1\.1\.1:40001 → 10\.1\.1\.2:8080 GET \/split HTTP\/1\.1 0B$/);
    expect(lines[3]).toMatch(/ #0 10\.1\.1\.1:40001 ← 10\.1\.1\.2:8080 HTTP\/1\.1 201 Created 4B$/);
  });

  it('on a capture cut short, prints every message before the break, then the error', async () => {
    const whole = readFileSync(file);
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, whole.length - 10));
    const { status, out, err } = await run('http', '-r', cut);
    expect(status).toBe(1);
    expect(out.trim().split('\n')).toHaveLength(8);
    expect(err).toMatch(/cut\.pcap/);
  });

  it('says what is missing without -r', async () => {
    const { status, err } = await run('http');
    expect(status).toBe(1);
    expect(err).toMatch(/needs -r FILE/);
  });
});
