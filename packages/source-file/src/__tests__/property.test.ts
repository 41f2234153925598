// Random and mutated bytes: the readers never throw, never hold more than their caps, and give
// the same answer however the input is chunked.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { corpusDir } from '../../../../test-support/corpus.js';
import { describe, expect, it } from 'vitest';
import { ethernet, ipv4, pcapFile, tcp } from '../../../../test-support/packets.js';
import { fromCaptureFile } from '../from-capture-file.js';
import type { CaptureReader, FrameSink } from '../framed-reader.js';
import { PcapReader } from '../pcap-reader.js';
import { PcapngReader } from '../pcapng-reader.js';
import { encodePcapng } from '../pcapng-writer.js';
import { concatBytes, epb, idb, ngBlock, pb, readAll, shb, spb } from './helpers.js';

const limits = { maxRecordLength: 4096, maxBlockLength: 4096 };
const readers: [string, (s: FrameSink) => CaptureReader & { carried: number }, number][] = [
  ['pcap', (s) => new PcapReader(s, limits), 16 + limits.maxRecordLength],
  ['pcapng', (s) => new PcapngReader(s, limits), limits.maxBlockLength],
];

const records = Array.from({ length: 12 }, (_, i) => ({
  ts: 1_700_000_000_000_000_000n + BigInt(i) * 77_000n,
  data: ethernet(ipv4(tcp(new Uint8Array(i * 13).fill(i), { srcPort: 1, dstPort: 2, seq: i }))),
}));
const pcap = pcapFile(1, records);
const frames = records.map((r, i) => ({ linkType: 1, timestamp: r.ts, caplen: r.data.length, length: r.data.length, data: r.data, interfaceId: 0, frameNumber: i + 1 }));
const pcapng = concatBytes(
  encodePcapng(frames.slice(0, 6)),
  shb(false),
  idb(0, false, { tsresol: 0x83 }),
  ngBlock(0x40000bad, new Uint8Array(8), false),
  epb(0, 12345n, records[6]!.data, false),
  pb(0, 99n, records[7]!.data, false),
  spb(records[8]!.data, 200, false),
);
const seeds: Record<string, Uint8Array[]> = { pcap: [pcap], pcapng: [pcapng] };
// Real files from other projects, when the corpus is here: a multi-section mixed-endian pcapng
// with SPBs and custom blocks, and a recorded pcap.
if (corpusDir) {
  seeds.pcap!.push(readFileSync(join(corpusDir, 'public/zeek_zeek/websocket.pcap')));
  seeds.pcapng!.push(readFileSync(join(corpusDir, 'public/google_gopacket/test202.pcapng')));
}

/** Feeds bytes in the given chunk sizes; checks the cap after every write. */
function feed(make: (s: FrameSink) => CaptureReader & { carried: number }, cap: number, bytes: Uint8Array, sizes: number[]) {
  let n = 0;
  const reader = make(() => n++);
  let problem;
  for (let o = 0, i = 0; o < bytes.length && !problem; i++) {
    const size = Math.max(1, sizes[i % sizes.length] ?? bytes.length);
    problem = reader.write(bytes.subarray(o, o + size));
    expect(reader.carried).toBeLessThanOrEqual(cap);
    o += size;
  }
  problem ??= reader.end();
  return { n, problem };
}

const chunkSizes = fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 });

describe.each(readers)('%s reader under random input', (name, make, cap) => {
  const magic = name === 'pcap' ? pcap.subarray(0, 24) : shb();

  it('random bytes, after a valid file header or not: no throw, within the cap, same answer at any chunking', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ maxLength: 2000 }), chunkSizes, (withHeader, body, sizes) => {
        const bytes = withHeader ? concatBytes(magic, body) : body;
        const whole = feed(make, cap, bytes, [bytes.length]);
        expect(feed(make, cap, bytes, sizes)).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('mutated real files: no throw, within the cap, same answer at any chunking', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds[name]!),
        fc.array(fc.tuple(fc.nat(5000), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.nat(5000),
        chunkSizes,
        (seed, mutations, cut, sizes) => {
          const bytes = seed.slice(0, Math.max(cut, seed.length - 64));
          for (const [at, value] of mutations) bytes[at % bytes.length] = value;
          const whole = feed(make, cap, bytes, [bytes.length]);
          expect(feed(make, cap, bytes, sizes)).toEqual(whole);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('the unmutated seed reads whole at any chunking', () => {
    const { frames: all, problem } = readAll(make, seeds[name]![0]!);
    expect(problem).toBeUndefined();
    expect(all.length).toBe(name === 'pcap' ? 12 : 9);
  });
});

describe('fromCaptureFile under random input', () => {
  it('errors or completes, never throws, on random and mutated streams', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...seeds.pcap!, ...seeds.pcapng!, new Uint8Array(0)), fc.uint8Array({ maxLength: 300 }), fc.nat(400), async (seed, noise, at) => {
        const bytes = concatBytes(seed.subarray(0, at), noise);
        const outcome = await new Promise<string>((resolve) =>
          fromCaptureFile(Readable.from([Buffer.from(bytes)]), limits).subscribe({
            error: (e: Error) => resolve(e.name),
            complete: () => resolve('complete'),
          }),
        );
        expect(['complete', 'NetrxError']).toContain(outcome);
      }),
      { numRuns: 100 },
    );
  });
});
