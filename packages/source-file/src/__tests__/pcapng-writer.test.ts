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
});
