import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { from, lastValueFrom, map, throwError, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { LinkType, type CapturedFrame, type StreamEvent } from '@netrx/core';
import { TcpFlags, concat, ethernet, ipv4, ipv6, ipv6Fragment, sll2, tcp, udp } from '../../../../test-support/packets.js';
import { createPipeline, packetSummaries, packetSummary, packetSummaryJson, tcpConnectionSummaries } from '../index.js';

const sample = fileURLToPath(new URL('../../../../examples/chat-server/capture/chat.pcap', import.meta.url));
/** What `netrx tcp` / `netrx packets --format jsonl` printed for the sample before the move (see fixtures/README.md). */
const fixture = (name: string): string[] => readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), 'utf8').split('\n').filter(Boolean);

describe('tcpConnectionSummaries', () => {
  it('gives what netrx tcp --format jsonl printed for the sample', async () => {
    const pipeline = createPipeline({ file: sample });
    const summaries = await lastValueFrom(pipeline.frames().pipe(pipeline.streams(), tcpConnectionSummaries(), toArray()));
    // The fields of the contract keep their values and order; new ones come only after them.
    const lines = summaries.map((c) => JSON.stringify(c));
    const before = fixture('chat.tcp.jsonl');
    expect(lines).toHaveLength(before.length);
    lines.forEach((line, i) => expect(line.startsWith(before[i]!.slice(0, -1) + ',"firstTs":"'), line).toBe(true));
    // tcpdump -tt --nano -r chat.pcap 'src port 55432' (23 segments, 352722…409598) and 'dst port
    // 55432' (22, 352741…409622); 'src port 55422' (17, 267886…420031), 'dst port 55422' (19).
    // The last ACK after both FINs comes after the close (the connection is summarised by then):
    // one segment fewer in the direction that sent it, and the last time is the one before it.
    expect(summaries.map((c) => [c.stream, c.firstTs, c.lastTs, c.duration, c.packets])).toEqual([
      [1, '1795491605.352722000', '1795491605.409598000', 0.056876, { c2s: 23, s2c: 21 }],
      [0, '1795491605.267886000', '1795491605.420015000', 0.152129, { c2s: 16, s2c: 19 }],
    ]);
  });

  it('hashes and counts exactly the bytes of the data events, per direction', async () => {
    const pipeline = createPipeline({ file: sample });
    const events = await lastValueFrom(pipeline.frames().pipe(pipeline.streams(), toArray()));
    const bytes = new Map<string, Uint8Array[]>();
    for (const ev of events) {
      // Data views are valid while the event is referenced: copy to keep them past the run.
      if (ev.type === 'data') bytes.set(`${ev.connection.id} ${ev.dir}`, [...(bytes.get(`${ev.connection.id} ${ev.dir}`) ?? []), ev.bytes.slice()]);
    }
    const summaries = await lastValueFrom(from(events).pipe(tcpConnectionSummaries(), toArray()));
    expect(summaries.length).toBeGreaterThan(1);
    for (const c of summaries) {
      for (const dir of ['c2s', 's2c'] as const) {
        const all = concat(...(bytes.get(`${c.stream} ${dir}`) ?? []));
        expect(c[dir].bytes).toBe(all.length);
        expect(c[dir].sha256).toBe(createHash('sha256').update(all).digest('hex'));
      }
    }
  });

  it('hashes a direction that carried nothing, a few bytes, or its first bytes in small pieces', async () => {
    const T = 1_700_000_000_000_000_000n;
    const pieces = ['hi', 'x'.repeat(40), 'y'.repeat(40), 'z'];
    let seq = 100;
    const segments = [
      tcp(new Uint8Array(0), { srcPort: 40000, dstPort: 7272, seq: 99, flags: TcpFlags.SYN }),
      ...pieces.map((p) => tcp(new TextEncoder().encode(p), { srcPort: 40000, dstPort: 7272, seq: (seq += p.length) - p.length, flags: TcpFlags.PSH | TcpFlags.ACK })),
      tcp(new Uint8Array(0), { srcPort: 40000, dstPort: 7272, seq, flags: TcpFlags.RST }),
    ];
    const frames: CapturedFrame[] = segments.map((t, i) => {
      const data = ethernet(ipv4(t));
      return { linkType: LinkType.ETHERNET, data, caplen: data.length, length: data.length, timestamp: T + BigInt(i), interfaceId: 0, frameNumber: i + 1 };
    });
    const pipeline = createPipeline();
    const [c] = await lastValueFrom(from(frames).pipe(pipeline.streams(), tcpConnectionSummaries(), toArray()));
    expect(c!.c2s).toMatchObject({ bytes: 83, sha256: createHash('sha256').update(pieces.join('')).digest('hex') });
    expect(c!.s2c).toMatchObject({ bytes: 0, sha256: createHash('sha256').digest('hex') });
  });

  it('passes an error of its input on', async () => {
    const failed = throwError(() => new Error('broken capture'));
    await expect(lastValueFrom(failed.pipe(map((e) => e as StreamEvent), tcpConnectionSummaries()))).rejects.toThrow('broken capture');
  });
});

describe('packet summaries', () => {
  it('give what netrx packets --format jsonl printed for the sample', async () => {
    const pipeline = createPipeline({ file: sample });
    const packets = await lastValueFrom(pipeline.frames().pipe(pipeline.packets(), toArray()));
    // The fields of the contract keep their values and order; the TCP fields come after them.
    const lines = packets.map(packetSummaryJson);
    const before = fixture('chat.packets.jsonl');
    expect(lines).toHaveLength(before.length);
    lines.forEach((line, i) => expect(line.startsWith(before[i]!.slice(0, -1) + ',"tcp":{"flags":"'), line).toBe(true));
    const summaries = await lastValueFrom(from(packets).pipe(packetSummaries(), toArray()));
    expect(summaries).toEqual(lines.map((l) => JSON.parse(l)));
    // As tcpdump -S -r chat.pcap prints the first four: Flags [S], seq 2171263615 … length 0;
    // Flags [S.], seq 537779777, ack 2171263616; Flags [.], ack 537779778; Flags [P.], seq
    // 2171263616:2171263839, ack 537779778, length 223.
    expect(summaries.slice(0, 4).map((p) => p.tcp)).toEqual([
      { flags: 'S', seq: 2171263615, ack: 0, payloadLength: 0 },
      { flags: 'S.', seq: 537779777, ack: 2171263616, payloadLength: 0 },
      { flags: '.', seq: 2171263616, ack: 537779778, payloadLength: 0 },
      { flags: 'P.', seq: 2171263616, ack: 537779778, payloadLength: 223 },
    ]);
  });

  it('packetSummaryJson is JSON.stringify(packetSummary()): IPv6, VLAN, fragments, no IP, failures', async () => {
    const T = 1_700_000_000_000_000_000n;
    const get = new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n');
    const raw: [number, Uint8Array][] = [
      [LinkType.ETHERNET, ethernet(ipv4(tcp(get, { srcPort: 40000, dstPort: 80, seq: 1 })))],
      [LinkType.ETHERNET, ethernet(ipv6(udp(Uint8Array.of(1), 5353, 53, '2001:db8::1', '2001:db8::2'), { next: 17 }), 0x86dd, { vlans: [{ tpid: 0x8100, vid: 7 }] })],
      [LinkType.ETHERNET, ethernet(ipv6(concat(ipv6Fragment(17, 0, true, 9), new Uint8Array(16)), { next: 44 }), 0x86dd)],
      [LinkType.ETHERNET, ethernet(Uint8Array.of(0x45, 0))],
      [LinkType.ETHERNET, ethernet(new Uint8Array(28), 0x0806)],
      [276, sll2(ipv4(udp(new Uint8Array(3), 1001, 53), { proto: 17 }))],
    ];
    const frames: CapturedFrame[] = raw.map(([linkType, data], i) => ({ linkType, data, caplen: data.length, length: data.length + i, timestamp: T + BigInt(i) * 1_000_123n, interfaceId: 0, frameNumber: i + 1 }));
    const packets = await lastValueFrom(from(frames).pipe(createPipeline().packets(), toArray()));
    const summaries = packets.map(packetSummary);
    expect(packets.map(packetSummaryJson)).toEqual(summaries.map((s) => JSON.stringify(s)));
    expect(summaries.map((s) => [s.layers.join('/'), s.src, s.dst, s.failure?.protocol])).toEqual([
      ['ethernet/ipv4/tcp', '10.0.0.1:40000', '10.0.0.2:80', undefined],
      ['ethernet/vlan/ipv6/udp', '[2001:db8::1]:5353', '[2001:db8::2]:53', undefined],
      ['ethernet/ipv6', '2001:db8::1', '2001:db8::2', undefined],
      ['ethernet/failure', null, null, 'ipv4'],
      ['ethernet', null, null, undefined],
      ['sll2/ipv4/udp', '10.0.0.1:1001', '10.0.0.2:53', undefined],
    ]);
    expect(summaries[0]).toMatchObject({ frame: 1, ts: '1700000000.000000000', linkType: 1, caplen: 54 + get.length, len: 54 + get.length });
    expect(summaries[3]!.failure).toMatchObject({ offset: 14, code: expect.stringMatching(/^ERR_IPV4_/) });
  });
});
