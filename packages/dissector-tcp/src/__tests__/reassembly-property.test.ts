import { expect, test } from 'vitest';
import fc from 'fast-check';
import { Wire, gapsOf, poisonedReassembler, reassemble, text } from './wire.js';

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

test('property: random segments (any seq, ack, flags, ports, order) never throw, and the caps hold', () => {
  const sides = [
    { addr: '10.0.0.1', port: 1000, isn: 0 },
    { addr: '10.0.0.2', port: 80, isn: 0 },
    { addr: '2001:db8::1', port: 1000, isn: 0 },
    { addr: '2001:db8::2', port: 80, isn: 0 },
  ];
  const segment = fc.record({
    pair: fc.integer({ min: 0, max: 1 }),
    from: fc.constantFrom('c' as const, 's' as const),
    off: fc.integer({ min: -5, max: 3000 }),
    len: fc.integer({ min: 0, max: 300 }),
    flags: fc.integer({ min: 0, max: 0x3f }),
    ack: fc.option(fc.integer({ min: -100, max: 5000 })),
    at: fc.integer({ min: 0, max: 400_000 }),
  });
  fc.assert(
    fc.property(fc.array(segment, { maxLength: 80 }), fc.integer({ min: 0, max: 0xffffffff }), (segs, isn) => {
      const wires = [
        new Wire({ ...sides[0]!, isn }, { ...sides[1]!, isn: isn ^ 0x5555 }),
        new Wire({ ...sides[2]!, isn: isn ^ 0xaaaa }, { ...sides[3]!, isn }),
      ];
      // Packet time jumps back and forth too.
      const pkts = segs.map((s) => wires[s.pair]!.seg(s.from, s.off, 'x'.repeat(s.len), { flags: s.flags, ack: s.ack ?? undefined, at: s.at }));
      const events: { type: string }[] = [];
      const r = poisonedReassembler({ maxBufferedPerConnection: 1000, maxBufferedTotal: 1500, maxConnections: 1 }, (e) => events.push(e));
      for (const p of pkts) {
        r.push(p);
        expect(r.activeConnections).toBeLessThanOrEqual(1);
      }
      r.end();
      expect(r.activeConnections).toBe(0);
      // Every open is matched by exactly one close.
      expect(events.filter((e) => e.type === 'open').length).toBe(events.filter((e) => e.type === 'close').length);
    }),
    { numRuns: 200 },
  );
});
