// Differential check against pcap-parser (an independent reader of microsecond pcap): on every
// microsecond pcap we have, both must agree record by record on timestamps, lengths and bytes.
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { corpusCaptures, noteIfCorpusMissing, publicManifest } from '../../../../test-support/corpus.js';
import { ethernet, ipv4, pcapFile, tcp } from '../../../../test-support/packets.js';
import { fromCaptureFile } from '../from-capture-file.js';

interface ParserPacket {
  header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number };
  data: Buffer;
}
const pcapParser = createRequire(import.meta.url)('pcap-parser') as {
  parse(input: NodeJS.ReadableStream): import('node:events').EventEmitter;
};

/** [ts ns, caplen, len, hex] per record, by pcap-parser (which stops quietly at a bad record). */
function theirs(stream: NodeJS.ReadableStream): Promise<[bigint, number, number, string][]> {
  return new Promise((resolve, reject) => {
    const out: [bigint, number, number, string][] = [];
    const p = pcapParser.parse(stream);
    p.on('packet', ({ header: h, data }: ParserPacket) =>
      out.push([BigInt(h.timestampSeconds) * 1_000_000_000n + BigInt(h.timestampMicroseconds) * 1000n, h.capturedLength, h.originalLength, data.toString('hex')]),
    );
    p.on('error', reject);
    p.on('end', () => resolve(out));
  });
}

function ours(source: string | NodeJS.ReadableStream): Promise<[bigint, number, number, string][]> {
  return new Promise((resolve) => {
    const out: [bigint, number, number, string][] = [];
    fromCaptureFile(source).subscribe({
      next: (f) => out.push([f.timestamp, f.caplen, f.length, Buffer.from(f.data).toString('hex')]),
      error: () => resolve(out), // a broken file: compare the good records
      complete: () => resolve(out),
    });
  });
}

const stream = (bytes: Uint8Array) => Readable.from([Buffer.from(bytes)]);

describe('differential: fromCaptureFile against pcap-parser', () => {
  const records = Array.from({ length: 50 }, (_, i) => ({
    ts: 1_600_000_000_000_000_000n + BigInt(i) * 999_999_000n,
    data: ethernet(ipv4(tcp(new Uint8Array(i * 31).fill(i), { srcPort: 5, dstPort: 6, seq: i }))),
    length: 2000,
  }));
  for (const bigEndian of [false, true]) {
    it(`agrees on our own ${bigEndian ? 'big' : 'little'}-endian microsecond pcap`, async () => {
      const bytes = pcapFile(1, records, { bigEndian, snaplen: 700 });
      const expected = await theirs(stream(bytes));
      expect(expected).toHaveLength(50);
      expect(await ours(stream(bytes))).toEqual(expected);
    });
  }

  const missing = noteIfCorpusMissing('differential test against pcap-parser on the corpus');
  const files = [
    ...corpusCaptures().filter((p) => !p.includes('nanosec')),
    ...publicManifest().filter((r) => /^pcap .*usec/.test(r.format)).map((r) => r.path),
  ];
  it.skipIf(missing).each(files)('agrees on %s', async (path) => {
    const expected = await theirs(createReadStream(path));
    expect(expected.length).toBeGreaterThan(0);
    expect(await ours(path)).toEqual(expected);
  });
});
