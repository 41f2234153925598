import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { connectionShardKey } from '../index.js';

describe('connectionShardKey', () => {
  it('is the same for both orders of the endpoints', () => {
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => connectionShardKey(a, b) === connectionShardKey(b, a)));
  });

  it('is an unsigned 32-bit integer', () => {
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => {
      const h = connectionShardKey(a, b);
      return Number.isInteger(h) && h >= 0 && h < 2 ** 32;
    }));
  });

  it('spreads connections that differ only in the client port over 16 shards', () => {
    const counts = new Array<number>(16).fill(0);
    for (let port = 40000; port < 41600; port++) counts[connectionShardKey(`127.0.0.1:${port}`, '127.0.0.1:7272') % 16]!++;
    // 100 per shard on average; a hash that ignores the port, or only its last digit, fails this.
    expect(Math.min(...counts)).toBeGreaterThan(50);
    expect(Math.max(...counts)).toBeLessThan(150);
  });
});
