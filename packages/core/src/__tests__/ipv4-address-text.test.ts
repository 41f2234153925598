import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipv4ToString } from '../ipv4.js';

describe('ipv4ToString', () => {
  const plain = (b: Uint8Array, at: number): string => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;

  it('gives the dotted quad of any address, also when cached addresses share a slot', () => {
    // Far more addresses than the cache holds, each asked for twice: evictions and hits both happen.
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 3000 }), (addresses) => {
        for (const round of [0, 1]) {
          for (const a of addresses) expect(ipv4ToString(a, 0), `round ${round}`).toBe(plain(a, 0));
        }
      }),
      { numRuns: 20 },
    );
  });

  it('reads at an offset', () => {
    expect(ipv4ToString(Uint8Array.of(9, 9, 192, 168, 0, 255), 2)).toBe('192.168.0.255');
    expect(ipv4ToString(Uint8Array.of(255, 255, 255, 255), 0)).toBe('255.255.255.255');
  });
});
