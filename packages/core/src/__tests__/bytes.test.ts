import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byteView } from '../bytes.js';
import { ipv4ToString } from '../ipv4.js';

describe('byteView', () => {
  it('is the same view as subarray on a plain Uint8Array, sharing its memory', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(80), fc.nat(80), fc.nat(8), (bytes, a, b, pad) => {
        // An inner view, so byteOffset is not 0.
        const outer = new Uint8Array(bytes.length + pad);
        outer.set(bytes, pad);
        const data = outer.subarray(pad);
        const start = Math.min(a, b, data.length);
        const end = Math.min(Math.max(a, b), data.length);
        const v = byteView(data, start, end);
        expect(v.constructor).toBe(Uint8Array);
        expect(v.buffer).toBe(outer.buffer);
        expect(v.byteOffset).toBe(data.byteOffset + start);
        expect([...v]).toEqual([...data.subarray(start, end)]);
      }),
    );
  });

  it('keeps a Buffer a Buffer', () => {
    const b = Buffer.from('hello, world');
    const v = byteView(b, 7, 12);
    expect(Buffer.isBuffer(v)).toBe(true);
    expect(v.toString()).toBe('world');
  });
});

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
