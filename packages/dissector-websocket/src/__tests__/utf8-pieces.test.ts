import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { forEachUtf8Piece, utf8TextLength, utf8TextPreview } from '../utf8-pieces.js';

const decode = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

/** Bytes that are mostly UTF-8 with broken sequences mixed in: where cutting could go wrong. */
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 400 }),
  fc.array(fc.oneof(fc.constantFrom('a', 'é', '€', '🙂', '\u0000').map((s) => [...Buffer.from(s)]), fc.array(fc.integer({ min: 0x80, max: 0xff }), { maxLength: 4 })), { maxLength: 120 }).map((a) => Uint8Array.from(a.flat())),
);

describe('UTF-8 in pieces', () => {
  it('pieces of any size decode to exactly the whole text (fast-check, invalid UTF-8 too)', () => {
    fc.assert(
      fc.property(bytes, fc.integer({ min: 1, max: 17 }), (b, size) => {
        const pieces: string[] = [];
        forEachUtf8Piece(b, size, (t) => pieces.push(t));
        expect(pieces.join('')).toBe(decode(b));
        expect(pieces.length).toBeLessThanOrEqual(Math.ceil(b.length / size));
      }),
      { numRuns: 2000 },
    );
  });

  it('counts the text length without decoding, and previews a prefix of it', () => {
    fc.assert(
      fc.property(bytes, fc.integer({ min: 0, max: 50 }), (b, units) => {
        const whole = decode(b);
        expect(utf8TextLength(b)).toBe(whole.length);
        const p = utf8TextPreview(b, units);
        expect(p.length).toBe(whole.length);
        expect(whole.startsWith(p.text)).toBe(true);
        expect(p.text.length).toBeGreaterThanOrEqual(Math.min(units + 1, whole.length));
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes only a bounded prefix of a large payload', () => {
    const big = new Uint8Array(8 << 20).fill(0x41);
    const p = utf8TextPreview(big, 120);
    expect(p.length).toBe(8 << 20);
    expect(p.text.length).toBeLessThan(400);
  });
});
