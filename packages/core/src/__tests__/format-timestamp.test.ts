import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatTimestamp, timestampSecond } from '../frame.js';

/** The contract's definition: whole seconds, a dot, nine digits of nanoseconds. */
const plain = (ns: bigint): string => `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`;

describe('formatTimestamp', () => {
  it('writes seconds and nine digits of nanoseconds, at and around second boundaries', () => {
    const t = 1_700_000_000_000_000_000n;
    const cases = [0n, 1n, 999_999_999n, 1_000_000_000n, 1_000_000_001n, t, t - 1n, t + 1n, t + 999_999_999n, t + 1_000_000_000n, t + 10n, t - 1_000_000_000n, 17_000_000_123n];
    for (const ns of cases) expect(formatTimestamp(ns), String(ns)).toBe(plain(ns));
    expect(formatTimestamp(1_700_000_000_000_000_005n)).toBe('1700000000.000000005');
  });

  it('property: the same text as the definition, in any order (the second it keeps is only a shortcut)', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 4_000_000_000_000_000_000n }), { maxLength: 50 }), fc.bigInt({ min: 0n, max: 3_000_000_000n }), (xs, step) => {
        for (const x of xs) {
          expect(formatTimestamp(x)).toBe(plain(x));
          expect(formatTimestamp(x + step)).toBe(plain(x + step));
        }
      }),
    );
  });

  it('timestampSecond: the seconds and the dot, kept while the second lasts; none before 1970', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: -2_000_000_000n, max: 4_000_000_000_000_000_000n }), { maxLength: 50 }), (xs) => {
        for (const x of xs) expect(timestampSecond(x)).toBe(x < 0n ? undefined : `${x / 1_000_000_000n}.`);
      }),
    );
    const t = 1_700_000_000_000_000_000n;
    expect(timestampSecond(t + 5n)).toBe(timestampSecond(t + 999_999_999n));
  });
});
