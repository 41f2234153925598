import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { CapturedFrame } from '@netrx/core';
import { ethernet, ipv4, ipv6, sll2, tcp, udp } from '../../../../test-support/packets.js';
import { fromCaptureFile } from '../from-capture-file.js';
import { PcapngReader } from '../pcapng-reader.js';
import { encodePcapng, PcapngWriter, writePcapng } from '../pcapng-writer.js';
import { plain, readAll } from './helpers.js';

function frame(n: number, linkType: number, data: Uint8Array, timestamp: bigint, length = data.length): CapturedFrame {
  return { linkType, timestamp, caplen: data.length, length, data, interfaceId: 0, frameNumber: n };
}

const frames = [
  frame(1, 1, ethernet(ipv4(tcp(Uint8Array.of(1, 2, 3), { srcPort: 1, dstPort: 2, seq: 3 }))), 1_700_000_000_123_456_789n),
  frame(2, 276, sll2(ipv4(udp(new Uint8Array(5), 53, 53))), 1_700_000_000_123_456_790n, 900),
  frame(3, 101, ipv6(udp(new Uint8Array(1), 1, 2, '::1', '::2'), { src: '::1', dst: '::2', next: 17 }), 1_700_000_001_000_000_000n),
  frame(4, 1, ethernet(new Uint8Array(0)), 0n),
  frame(5, 276, sll2(ipv4(new Uint8Array(3))), 4_000_000_000_000_000_001n), // past 2^32 s * 1e9 / 2^32: both timestamp words used
];

describe('PcapngWriter', () => {
  it('writes a file the reader gives back frame for frame, nanoseconds included', () => {
    const { frames: back, problem } = readAll((s) => new PcapngReader(s), encodePcapng(frames));
    expect(problem).toBeUndefined();
    // One interface per link type, numbered as they first appear.
    const ids = new Map([[1, 0], [276, 1], [101, 2]]);
    expect(back).toEqual(frames.map((f) => ({ ...plain(f), interfaceId: ids.get(f.linkType) })));
  });

  it('writes blocks the reader accepts at any chunking, to a Node Writable', async () => {
    const out = new PassThrough();
    const writer = new PcapngWriter(out, { application: 'test', snaplen: 65535 });
    for (const f of frames) expect(writer.write(f)).toBe(true);
    out.end();
    const read = await lastValueFrom(fromCaptureFile(out, { chunkSize: 7 }).pipe(toArray()));
    expect(read.map(plain).map((f) => [f.timestamp, f.data, f.length])).toEqual(frames.map((f) => [f.timestamp, Array.from(f.data), f.length]));
  });

  it('as an operator, writes every frame that passes and passes it on unchanged', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const { from } = await import('rxjs');
    const passed = await lastValueFrom(from(frames).pipe(writePcapng(out), toArray()));
    expect(passed).toEqual(frames);
    const { frames: back } = readAll((s) => new PcapngReader(s), Buffer.concat(chunks));
    expect(back.map((f) => f.data)).toEqual(frames.map((f) => Array.from(f.data)));
  });

  it('writes files libpcap reads: tcpdump gives every frame with its nanosecond timestamp', () => {
    let version: string;
    try {
      version = execFileSync('tcpdump', ['--version'], { encoding: 'utf8' });
    } catch {
      console.warn('tcpdump is not installed: skipped reading the writer\'s output with libpcap');
      return;
    }
    expect(version).toMatch(/libpcap/);
    const dir = mkdtempSync(join(tmpdir(), 'netrx-writer-'));
    try {
      const path = join(dir, 'w.pcapng');
      // libpcap reads only files whose interfaces share one link type (as a live capture writes).
      const eth = [
        frames[0]!,
        frame(2, 1, ethernet(ipv6(udp(new Uint8Array(1), 1, 2, '::1', '::2'), { src: '::1', dst: '::2', next: 17 }), 0x86dd), 1_700_000_000_123_456_790n),
        frames[3]!,
      ];
      writeFileSync(path, encodePcapng(eth));
      const lines = execFileSync('tcpdump', ['-r', path, '-nn', '-tt', '--time-stamp-precision=nano'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .split('\n')
        .filter(Boolean);
      expect(lines.map((l) => l.split(' ')[0])).toEqual(['1700000000.123456789', '1700000000.123456790', '0.000000000']);
      expect(lines[0]).toMatch(/IP 10\.0\.0\.1\.1 > 10\.0\.0\.2\.2: Flags/);
      expect(lines[1]).toMatch(/IP6 ::1\.1 > ::2\.2: UDP/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
