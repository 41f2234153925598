import { describe, expect, it } from 'vitest';
import { MUTATION_KINDS, layout, mutate } from '../capture-mutator.js';
import { synPlus8Connections } from '../hostile-inputs.js';
import { Prng } from '../prng.js';

/** A 10-record pcap (5 connections, SYN + 8 bytes each). */
const pcap = () => new Uint8Array(synPlus8Connections(5));

describe('capture mutator', () => {
  it('finds every record of a pcap', () => {
    const lay = layout(pcap());
    expect(lay.format).toBe('pcap');
    expect(lay.records.map((r) => r.frameLength)).toEqual([54, 62, 54, 62, 54, 62, 54, 62, 54, 62]);
    expect(lay.records[1]!.at).toBe(24 + 16 + 54);
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

  it('is deterministic for a seed, for every kind', () => {
    for (const kind of MUTATION_KINDS) {
      const a = mutate(pcap(), kind, new Prng(9));
      const b = mutate(pcap(), kind, new Prng(9));
      expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
      expect(a.mutation).toEqual(b.mutation);
    }
  });
});
