import { describe, expect, it } from 'vitest';
import { ethernet, ipv4, ipv6, pcapFile, sll2, tcp, udp } from '../../../../test-support/packets.js';
import { PcapReader } from '../pcap-reader.js';
import { readAll } from './helpers.js';

const make = (sink: ConstructorParameters<typeof PcapReader>[0]) => new PcapReader(sink);

// Real packets of different sizes, with timestamps that exercise the sub-second part.
const records = [
  { ts: 1_700_000_000_123_456_000n, data: ethernet(ipv4(tcp(new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n'), { srcPort: 40000, dstPort: 80, seq: 1 }))) },
  { ts: 1_700_000_000_999_999_000n, data: ethernet(ipv6(udp(Uint8Array.of(1, 2, 3), 5353, 53, '2001:db8::1', '2001:db8::2'), { next: 17 }), 0x86dd) },
  { ts: 1_700_000_001_000_001_000n, data: ethernet(ipv4(tcp(new Uint8Array(1400).fill(7), { srcPort: 80, dstPort: 40000, seq: 9 }))) },
  { ts: 1_700_000_001_000_002_000n, data: ethernet(new Uint8Array(0)) },
];

describe('PcapReader', () => {
  for (const bigEndian of [false, true]) {
    for (const nano of [false, true]) {
      it(`reads ${bigEndian ? 'big' : 'little'}-endian ${nano ? 'nanosecond' : 'microsecond'} files record by record`, () => {
        const recs = nano ? records.map((r, i) => ({ ...r, ts: r.ts + BigInt(i * 7 + 1) })) : records;
        const { frames, problem } = readAll(make, pcapFile(1, recs, { bigEndian, nano }));
        expect(problem).toBeUndefined();
        expect(frames.map((f) => f.timestamp)).toEqual(recs.map((r) => r.ts));
        expect(frames.map((f) => f.data)).toEqual(recs.map((r) => Array.from(r.data)));
        expect(frames.map((f) => f.frameNumber)).toEqual([1, 2, 3, 4]);
        expect(frames.every((f) => f.linkType === 1 && f.interfaceId === 0 && f.caplen === f.data.length && f.length === f.caplen)).toBe(true);
      });
    }
  }

  it('takes the link type from the file header', () => {
    const { frames } = readAll(make, pcapFile(276, [{ ts: 0n, data: sll2(ipv4(new Uint8Array(0))) }]));
    expect(frames[0]!.linkType).toBe(276);
  });

  it('reports the original length of records the snaplen cut', () => {
    const { frames, problem } = readAll(make, pcapFile(1, records, { snaplen: 100 }));
    expect(problem).toBeUndefined();
    expect(frames[2]!.caplen).toBe(100);
    expect(frames[2]!.length).toBe(records[2]!.data.length);
  });

  it('gives identical frames whatever the chunking: split at every offset, 1-byte, 7-byte and uneven chunks', () => {
    const file = pcapFile(1, records, { nano: true });
    const whole = readAll(make, file).frames;
    expect(whole).toHaveLength(4);
    for (let cut = 1; cut < file.length; cut++) {
      expect(readAll(make, file, [cut, file.length]).frames).toEqual(whole);
    }
    expect(readAll(make, file, [1]).frames).toEqual(whole);
    expect(readAll(make, file, [7]).frames).toEqual(whole);
    expect(readAll(make, file, [3, 1000, 1, 17, 250]).frames).toEqual(whole);
  });

  it('hands out views of the chunk for whole records and copies only a straddling one', () => {
    const file = pcapFile(1, records);
    const chunk = file.slice(0, 24 + 16 + records[0]!.data.length + 10);
    const seen: Uint8Array[] = [];
    const reader = new PcapReader((f) => seen.push(f.data));
    reader.write(chunk);
    reader.write(file.slice(chunk.length));
    expect(seen[0]!.buffer).toBe(chunk.buffer);
    expect(seen[1]!.buffer).not.toBe(chunk.buffer);
    expect(seen[1]!.length).toBe(records[1]!.data.length);
  });

  it('names the offset when the file ends inside a record header or a record', () => {
    const file = pcapFile(1, records);
    const second = 24 + 16 + records[0]!.data.length;
    let r = readAll(make, file.subarray(0, second + 5));
    expect(r.frames).toHaveLength(1);
    expect(r.problem).toMatchObject({ code: 'ERR_PCAP_TRUNCATED', offset: second });
    expect(r.problem!.message).toBe(`file ends inside the header of record 2 at byte ${second} (5 of 16 bytes)`);
    r = readAll(make, file.subarray(0, second + 16 + 3), [7]);
    expect(r.frames).toHaveLength(1);
    expect(r.problem!.message).toBe(`file ends inside record 2 at byte ${second}: it claims ${records[1]!.data.length} bytes but only 3 are there`);
    r = readAll(make, file.subarray(0, 10));
    expect(r.problem).toMatchObject({ code: 'ERR_PCAP_TRUNCATED', offset: 0 });
    expect(r.problem!.message).toBe('file ends at byte 10, inside the pcap file header (10 of 24 bytes)');
  });

  it('cut at every offset: emits exactly the whole records before the cut, then names where the cut record starts', () => {
    const file = pcapFile(1, records);
    const starts = [24];
    for (const rec of records) starts.push(starts.at(-1)! + 16 + rec.data.length);
    for (let cut = 24; cut < file.length; cut++) {
      const good = starts.filter((s, i) => i > 0 && s <= cut).length;
      const { frames, problem } = readAll(make, file.subarray(0, cut), [97]);
      expect(frames).toHaveLength(good);
      if (starts.includes(cut)) expect(problem).toBeUndefined();
      else expect(problem).toMatchObject({ code: 'ERR_PCAP_TRUNCATED', offset: starts[good] });
    }
  });

  it('refuses an absurd caplen before allocating anything for it, after the good records', () => {
    const file = pcapFile(1, records, { snaplen: 65535 });
    const at = 24 + 16 + records[0]!.data.length;
    new DataView(file.buffer).setUint32(at + 8, 4_123_456_789, true);
    for (const sizes of [[file.length], [at + 12, 1000], [1]]) {
      const { frames, problem, reader } = readAll(make, file, sizes);
      expect(frames).toHaveLength(1);
      expect(problem).toMatchObject({ code: 'ERR_PCAP_RECORD_TOO_LARGE', offset: at });
      expect(problem!.message).toBe(`record 2 at byte ${at} claims 3.8 GiB (caplen 4123456789 > snaplen 65535 and > 262144): the file is corrupt from this record on`);
      expect((reader as PcapReader).carried).toBe(0);
    }
  });

  it('accepts records longer than the snaplen up to 256 KiB, as libpcap and Wireshark do', () => {
    const file = pcapFile(1, records);
    new DataView(file.buffer).setUint32(16, 1, true); // snaplen 1, as zeek's trunc-hdr.pcap
    const { frames, problem } = readAll(make, file);
    expect(problem).toBeUndefined();
    expect(frames).toHaveLength(4);
  });

  it('honours maxRecordLength below the snaplen', () => {
    const { frames, problem } = readAll((s) => new PcapReader(s, { maxRecordLength: 1000 }), pcapFile(1, records));
    expect(frames).toHaveLength(2);
    expect(problem!.code).toBe('ERR_PCAP_RECORD_TOO_LARGE');
  });

  it('refuses a file of another version, and keeps refusing after an error', () => {
    const file = pcapFile(1, records);
    new DataView(file.buffer).setUint16(4, 3, true);
    const reader = new PcapReader(() => undefined);
    const p = reader.write(file);
    expect(p).toMatchObject({ code: 'ERR_PCAP_VERSION', offset: 0 });
    expect(reader.write(file)).toBe(p);
    expect(reader.end()).toBe(p);
  });
});
