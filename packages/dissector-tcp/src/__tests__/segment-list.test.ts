import { expect, test } from 'vitest';
import fc from 'fast-check';
import { SegmentList } from '../segment-list.js';
import { TcpFlags, Wire, reassemble } from './wire.js';

/** The list's segments in order, as [offset, length] pairs, walking level 0. */
function walk(list: SegmentList): [number, number][] {
  const out: [number, number][] = [];
  for (let s = list.first; s !== undefined; s = s.forward[0]) out.push([s.offset, s.bytes.length]);
  return out;
}

test('property: a SegmentList keeps its segments sorted through inserts anywhere and shifts, and finds the segment at an offset', () => {
  fc.assert(
    fc.property(
      // Slots of 4 bytes; each op inserts a segment in a free slot or takes the first one.
      fc.array(fc.oneof({ arbitrary: fc.record({ slot: fc.nat(300), len: fc.integer({ min: 1, max: 4 }) }), weight: 4 }, { arbitrary: fc.constant('shift' as const), weight: 1 }), { maxLength: 400 }),
      fc.array(fc.nat(1300), { maxLength: 20 }),
      (ops, probes) => {
        const list = new SegmentList();
        const model: [number, number][] = [];
        for (const op of ops) {
          if (op === 'shift') {
            const s = list.shift();
            const m = model.shift();
            expect(s === undefined ? undefined : [s.offset, s.bytes.length]).toEqual(m);
            continue;
          }
          const offset = op.slot * 4;
          if (model.some(([o]) => o === offset)) continue;
          // As TcpHalf.insert does: find the segment at the offset first (its search path is reused), or not.
          if (op.slot % 3 !== 0) list.firstEndingAfter(op.slot % 3 === 2 ? offset - 4 * op.len * op.len - 3 : offset);
          list.insert(offset, new Uint8Array(op.len), 0n, 0);
          model.push([offset, op.len]);
          model.sort((a, b) => a[0] - b[0]);
        }
        expect(walk(list)).toEqual(model);
        expect(list.size).toBe(model.length);
        expect(list.last === undefined ? undefined : list.last.offset).toBe(model.at(-1)?.[0]);
        for (const p of probes) {
          const want = model.find(([o, l]) => o + l > p);
          const got = list.firstEndingAfter(p);
          expect(got === undefined ? undefined : [got.offset, got.bytes.length]).toEqual(want);
        }
      },
    ),
    { numRuns: 200 },
  );
});

test('property: many interleaved, overlapping out-of-order segments with holes give each byte its first copy, and gaps exactly where nothing came', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ off: fc.nat(3000), len: fc.integer({ min: 1, max: 40 }), seed: fc.nat(255) }), { minLength: 1, maxLength: 600 }),
      (segments) => {
        const w = new Wire();
        // The first copy of each byte wins; bytes never sent are a gap (up to the last byte sent).
        const model: (number | undefined)[] = [];
        const pkts = [...w.handshake()];
        for (const { off, len, seed } of segments) {
          const bytes = Uint8Array.from({ length: len }, (_, i) => (seed + (off + i) * 7) & 0xff);
          for (let i = 0; i < len; i++) model[off + i] ??= bytes[i];
          pkts.push(w.seg('c', off, bytes, { at: 0 }));
        }
        pkts.push(w.seg('c', model.length, '', { flags: TcpFlags.FIN | TcpFlags.ACK, at: 0 }));
        const { events } = reassemble(pkts, { holeTimeoutMs: 1e9 });
        const got: (number | undefined)[] = [];
        for (const ev of events) {
          if (ev.type === 'data' && ev.dir === 'c2s') {
            expect(ev.offset).toBe(got.length);
            got.push(...ev.bytes);
          } else if (ev.type === 'gap' && ev.dir === 'c2s') {
            expect(ev.offset).toBe(got.length);
            for (let i = 0; i < ev.length; i++) got.push(undefined);
          }
        }
        expect(got).toEqual(Array.from(model));
      },
    ),
    { numRuns: 60 },
  );
});
