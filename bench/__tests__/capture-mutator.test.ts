import { describe, expect, it } from 'vitest';
import { MUTATION_KINDS, layout, mutate } from '../capture-mutator.js';
import { synPlus8Connections } from '../../test-support/hostile/tcp-inputs.js';
import { Prng } from '../prng.js';

/** A pcap of 5 connections, SYN + 8 bytes each (10 records), then one normal connection. */
const pcap = () => new Uint8Array(synPlus8Connections(5));

describe('capture mutator', () => {
  it('finds every record of a pcap', () => {
    const lay = layout(pcap());
    expect(lay.format).toBe('pcap');
    const b = pcap();
    expect(lay.records.map((r) => r.frameLength).slice(0, 10)).toEqual([54, 62, 54, 62, 54, 62, 54, 62, 54, 62]);
    expect(lay.records[1]!.at).toBe(24 + 16 + 54);
    // Every record, and nothing between them: the records tile the file after its 24-byte header.
    expect(24 + lay.records.reduce((n, r) => n + 16 + r.frameLength, 0)).toBe(b.length);
  });

  it('duplicate: the file holds one or more extra copies of one record, still a whole pcap', () => {
    for (let seed = 0; seed < 20; seed++) {
      const b = pcap();
      const { bytes, mutation } = mutate(b, 'duplicate', new Prng(seed));
      expect(mutation.kind).toBe('duplicate');
      const lay = layout(bytes);
      const extra = lay.records.length - 10;
      expect(extra).toBeGreaterThanOrEqual(1);
      expect(24 + lay.records.reduce((n, r) => n + r.length, 0)).toBe(bytes.length);
    }
  });

  it('truncate cuts; record-length changes one length field; bitflip and byteset change bytes but not the size', () => {
    const orig = pcap();
    const t = mutate(pcap(), 'truncate', new Prng(1)).bytes;
    expect(t.length).toBeLessThan(orig.length);
    expect(Buffer.from(t).equals(Buffer.from(orig.subarray(0, t.length)))).toBe(true);
    const r = mutate(pcap(), 'record-length', new Prng(2)).bytes;
    const diff = [...r].flatMap((x, i) => (x !== orig[i] ? [i] : []));
    expect(diff.length).toBeGreaterThan(0);
    const fields = new Set(layout(orig).records.map((x) => x.lengthField));
    expect(diff.every((i) => [0, 1, 2, 3].some((d) => fields.has(i - d)))).toBe(true);
    for (const kind of ['bitflip', 'byteset', 'frame-length'] as const) {
      const m = mutate(pcap(), kind, new Prng(3)).bytes;
      expect(m.length).toBe(orig.length);
      expect(Buffer.from(m).equals(Buffer.from(orig))).toBe(false);
    }
  });

  it('frame-length finds the IPv4 header behind a Linux cooked v2 header (link type 276)', () => {
    // The same frames, Ethernet header (14 bytes) swapped for a 20-byte SLL2 header with protocol IPv4.
    const eth = pcap();
    const lay = layout(eth);
    const parts: Uint8Array[] = [eth.slice(0, 24)];
    new DataView(parts[0]!.buffer).setUint32(20, 276, true);
    for (const r of lay.records) {
      const ip = eth.subarray(r.frameAt + 14, r.frameAt + r.frameLength);
      const rec = new Uint8Array(16 + 20 + ip.length);
      rec.set(eth.subarray(r.at, r.at + 8));
      new DataView(rec.buffer).setUint32(8, 20 + ip.length, true);
      new DataView(rec.buffer).setUint32(12, 20 + ip.length, true);
      rec[16] = 0x08;
      rec.set(ip, 36);
      parts.push(rec);
    }
    const sll2 = new Uint8Array(Buffer.concat(parts));
    const orig = sll2.slice();
    for (let seed = 0; seed < 10; seed++) {
      const b = sll2.slice();
      const { mutation } = mutate(b, 'frame-length', new Prng(seed));
      expect(mutation.kind).toBe('frame-length');
      expect(mutation.detail).toMatch(/IPv4 total length|TCP data offset|second payload byte/);
      // Only bytes inside frames changed, none in a record header.
      const changed = [...b].flatMap((x, i) => (x !== orig[i] ? [i] : []));
      const heads = layout(orig).records.map((r) => [r.at, r.at + 16] as const);
      expect(changed.every((i) => heads.every(([from, to]) => i < from || i >= to))).toBe(true);
    }
  });

  it('is deterministic for a seed, for every kind', () => {
    for (const kind of MUTATION_KINDS) {
      const a = mutate(pcap(), kind, new Prng(9));
      const b = mutate(pcap(), kind, new Prng(9));
      expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
      expect(a.mutation).toEqual(b.mutation);
    }
  });
});
