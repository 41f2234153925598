import { describe, expect, it } from 'vitest';
import { PcapngReader } from '../pcapng-reader.js';
import { concatBytes, epb, idb, ngBlock, ngOptions, pb, readAll, shb, spb } from './helpers.js';

const make = (sink: ConstructorParameters<typeof PcapngReader>[0]) => new PcapngReader(sink);
const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

// Three sections (LE, BE, LE) with interfaces of several link types and timestamp resolutions,
// every packet block kind, and blocks a reader must skip.
const S = 1_700_000_000n;
const file = concatBytes(
  shb(true),
  idb(1, true), // default if_tsresol: microseconds
  idb(113, true, { tsresol: 9 }),
  ngBlock(0x00000bad, bytes(8, 1)), // custom block
  epb(0, S * 1_000_000n + 123_456n, bytes(60, 0xa1)),
  epb(1, S * 1_000_000_000n + 987_654_321n, bytes(61, 0xa2), true, 1500),
  ngBlock(5, bytes(20, 0)), // interface statistics
  shb(false),
  idb(0, false, { tsresol: 3, tsoffset: 100n }),
  idb(101, false, { tsresol: 0x80 | 10, snaplen: 40 }), // 2^-10 s units
  epb(0, S * 1000n + 5n, bytes(62, 0xb1), false),
  ngBlock(4, bytes(12, 0), false), // name resolution
  epb(1, (S << 10n) + 512n, bytes(63, 0xb2), false),
  pb(0, S * 1000n + 6n, bytes(64, 0xb3), false),
  shb(true),
  idb(276, true, { snaplen: 50, tsresol: 12 }),
  spb(bytes(70, 0xc1), 90),
  epb(0, 5_000_000_000_000n + 1_999n, bytes(65, 0xc2)), // 64-bit picoseconds reach only 1970 + 213 days
);

describe('PcapngReader', () => {
  it('reads several sections in their own byte orders, with their interfaces and timestamp resolutions', () => {
    const { frames, problem } = readAll(make, file);
    expect(problem).toBeUndefined();
    expect(frames.map((f) => [f.frameNumber, f.interfaceId, f.linkType, f.caplen, f.length, f.data[0]])).toEqual([
      [1, 0, 1, 60, 60, 0xa1],
      [2, 1, 113, 61, 1500, 0xa2],
      [3, 2, 0, 62, 62, 0xb1],
      [4, 3, 101, 63, 63, 0xb2],
      [5, 2, 0, 64, 64, 0xb3],
      [6, 4, 276, 50, 90, 0xc1], // SPB: cut to the interface's snaplen, original length kept
      [7, 4, 276, 65, 65, 0xc2],
    ]);
    expect(frames.map((f) => f.timestamp)).toEqual([
      S * 1_000_000_000n + 123_456_000n, // µs
      S * 1_000_000_000n + 987_654_321n, // ns
      (S + 100n) * 1_000_000_000n + 5_000_000n, // ms + if_tsoffset 100 s
      S * 1_000_000_000n + 500_000_000n, // 512/1024 s
      (S + 100n) * 1_000_000_000n + 6_000_000n, // obsolete Packet Block
      0n, // SPBs have no timestamp
      5_000_000_001n, // ps, truncated to ns
    ]);
  });

  it('gives identical frames whatever the chunking', () => {
    const whole = readAll(make, file).frames;
    for (let cut = 1; cut < file.length; cut++) {
      expect(readAll(make, file, [cut, file.length]).frames).toEqual(whole);
    }
    expect(readAll(make, file, [1]).frames).toEqual(whole);
    expect(readAll(make, file, [7]).frames).toEqual(whole);
    expect(readAll(make, file, [5, 300, 2, 64]).frames).toEqual(whole);
  });

  it('cut at every offset: the whole blocks before the cut, then the offset of the cut block', () => {
    const { frames: all } = readAll(make, file);
    // Block boundaries, walked with each section's byte order (the SHB's magic decides it).
    const view = new DataView(file.buffer);
    const starts: number[] = [];
    for (let o = 0, le = true; o < file.length; ) {
      starts.push(o);
      if (view.getUint32(o, true) === 0x0a0d0d0a) le = view.getUint32(o + 8, true) === 0x1a2b3c4d;
      o += view.getUint32(o + 4, le);
    }
    for (let cut = 1; cut < file.length; cut++) {
      const { frames, problem } = readAll(make, file.subarray(0, cut), [33]);
      expect(frames).toEqual(all.slice(0, frames.length));
      if (starts.includes(cut)) {
        expect(problem).toBeUndefined();
      } else {
        const cutBlock = starts.filter((s) => s < cut).at(-1);
        expect(problem).toMatchObject({ code: 'ERR_PCAPNG_TRUNCATED', offset: cutBlock });
        expect(problem!.message).toContain(`at byte ${cutBlock}`);
      }
    }
  });

  it('checks the total length at both ends of a block', () => {
    const bad = concatBytes(shb(), idb(1), epb(0, 1n, bytes(8, 1)), ngBlock(6, bytes(28, 0), true, { trailer: 44 }));
    const at = bad.length - 40;
    const { frames, problem } = readAll(make, bad);
    expect(frames).toHaveLength(1);
    expect(problem).toMatchObject({ code: 'ERR_PCAPNG_BLOCK_LENGTH', offset: at });
    expect(problem!.message).toBe(`block at byte ${at} (type 0x00000006) says 40 bytes at its start but 44 at its end`);
  });

  it('refuses a length that is not a multiple of 4, or under 12', () => {
    for (const length of [42, 8]) {
      const bad = concatBytes(shb(), ngBlock(0x99, bytes(28, 0), true, { length }));
      expect(readAll(make, bad).problem).toMatchObject({ code: 'ERR_PCAPNG_BLOCK_LENGTH', offset: 28 });
    }
  });

  it('refuses an absurd block length before allocating anything for it', () => {
    const bad = concatBytes(shb(), idb(1), epb(0, 1n, bytes(8, 1)));
    const at = bad.length - 40;
    new DataView(bad.buffer).setUint32(at + 4, 0xfffffff0, true);
    for (const sizes of [[bad.length], [at + 12, 9], [1]]) {
      const { frames, problem, reader } = readAll(make, bad, sizes);
      expect(frames).toHaveLength(0);
      expect(problem).toMatchObject({ code: 'ERR_PCAPNG_BLOCK_TOO_LARGE', offset: at });
      expect(problem!.message).toContain(`block at byte ${at} (type 0x00000006) claims 4.0 GiB`);
      expect((reader as PcapngReader).carried).toBe(0);
    }
  });

  it('refuses a captured length larger than its block', () => {
    const bad = concatBytes(shb(), idb(1), epb(0, 1n, bytes(8, 1)));
    new DataView(bad.buffer).setUint32(bad.length - 40 + 20, 9, true);
    expect(readAll(make, bad).problem).toMatchObject({ code: 'ERR_PCAPNG_RECORD_LENGTH', offset: bad.length - 40 });
  });

  it('refuses a section of an unsupported version after the good records of earlier sections', () => {
    const bad = concatBytes(shb(), idb(1), epb(0, 1n, bytes(8, 1)), shb(true, 2, 0), idb(1), epb(0, 1n, bytes(8, 1)));
    const { frames, problem } = readAll(make, bad);
    expect(frames).toHaveLength(1);
    expect(problem).toMatchObject({ code: 'ERR_PCAPNG_VERSION', offset: 28 + 20 + 40 });
    expect(problem!.message).toBe('section header at byte 88 has version 2.0; only pcapng 1.x is supported');
  });

  it('refuses a packet for an interface its section did not describe (interfaces do not carry over sections)', () => {
    const bad = concatBytes(shb(), idb(1), shb(), epb(0, 1n, bytes(8, 1)));
    expect(readAll(make, bad).problem).toMatchObject({ code: 'ERR_PCAPNG_INTERFACE', offset: 76 });
  });

  it('refuses a file that does not start with a section header, or whose byte-order magic is wrong', () => {
    expect(readAll(make, idb(1)).problem).toMatchObject({ code: 'ERR_PCAPNG_NO_SECTION', offset: 0 });
    const s = shb();
    s[8] = 0;
    expect(readAll(make, s).problem).toMatchObject({ code: 'ERR_PCAPNG_BYTE_ORDER', offset: 0 });
  });

  it('ignores malformed interface options rather than reading past the block', () => {
    const opts = ngOptions([[9, Uint8Array.of(9)]]);
    new DataView(opts.buffer).setUint16(2, 200, true); // option length runs past the block
    const body = concatBytes(Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0), opts);
    const { frames, problem } = readAll(make, concatBytes(shb(), ngBlock(1, body), epb(0, 7n, bytes(4, 1))));
    expect(problem).toBeUndefined();
    expect(frames[0]!.timestamp).toBe(7000n); // default microseconds
  });
});
