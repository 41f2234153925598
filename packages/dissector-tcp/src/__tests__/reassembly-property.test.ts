import { expect, test } from 'vitest';
import fc from 'fast-check';
import { Wire, gapsOf, reassemble, text } from './wire.js';

test('property: shuffled and duplicated segments of a stream (every byte present) give back the stream', () => {
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, maxLength: 300 }),
      fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 60 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.array(fc.nat(), { maxLength: 30 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 20 })), { maxLength: 10 }),
      fc.boolean(),
      (body, sizes, isn, dupPicks, overlaps, handshake) => {
        const data = new TextEncoder().encode(body);
        const w = new Wire({ addr: '10.0.0.1', port: 40000, isn }, { addr: '10.0.0.2', port: 80, isn: 1 });
        // Cut the stream into segments of the chosen sizes.
        const segs: [number, Uint8Array][] = [];
        for (let off = 0, i = 0; off < data.length; i++) {
          const n = Math.min(sizes[i % sizes.length]!, data.length - off);
          segs.push([off, data.subarray(off, off + n)]);
          off += n;
        }
        // Duplicates, and overlapping re-cuts with the same bytes, in random places.
        for (const p of dupPicks) segs.push(segs[p % segs.length]!);
        for (const [start, len] of overlaps) {
          const s = start % data.length;
          segs.push([s, data.subarray(s, Math.min(s + len, data.length))]);
        }
        // Without a handshake the first segment seen defines offset 0, so it must come first.
        const first = segs[0]!;
        const rest = fc.sample(fc.shuffledSubarray(segs.slice(1), { minLength: segs.length - 1, maxLength: segs.length - 1 }), { numRuns: 1, seed: isn })[0]!;
        const order = handshake ? fc.sample(fc.shuffledSubarray(segs, { minLength: segs.length, maxLength: segs.length }), { numRuns: 1, seed: isn })[0]! : [first, ...rest];
        const pkts = [...(handshake ? w.handshake() : []), ...order.map(([off, b]) => w.seg('c', off, b))];
        const { events } = reassemble(pkts);
        expect(text(events).c2s).toBe(new TextDecoder('latin1').decode(data));
        expect(gapsOf(events)).toEqual([]);
      },
    ),
    { numRuns: 150 },
  );
});
