import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CapturedFrame } from '@netrx/core';
import { FrameQueue } from '../frame-queue.js';

const frame = (n: number, caplen: number): CapturedFrame => ({
  linkType: 1,
  timestamp: BigInt(n),
  caplen,
  length: caplen,
  data: new Uint8Array(caplen),
  interfaceId: 0,
  frameNumber: n,
});

describe('FrameQueue', () => {
  it('is first in, first out, and counts frames and bytes', () => {
    const q = new FrameQueue(10, 1000);
    q.push(frame(1, 10));
    q.push(frame(2, 20));
    expect(q.length).toBe(2);
    expect(q.bytes).toBe(30);
    expect(q.shift()?.frameNumber).toBe(1);
    expect(q.shift()?.frameNumber).toBe(2);
    expect(q.shift()).toBeUndefined();
    expect(q.bytes).toBe(0);
  });

  it('says when a frame would exceed the frame or byte limit, but always takes one frame', () => {
    const q = new FrameQueue(2, 100);
    expect(q.wouldOverflow(500)).toBe(false); // empty: a frame bigger than the byte cap still fits
    q.push(frame(1, 60));
    expect(q.wouldOverflow(41)).toBe(true);
    expect(q.wouldOverflow(40)).toBe(false);
    q.push(frame(2, 10));
    expect(q.wouldOverflow(1)).toBe(true);
  });

  it('behaves like an array under any mix of pushes and shifts, across growth and wrap-around', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.constant(-1)), { maxLength: 5000 }), fc.integer({ min: 1, max: 3000 }), (ops, max) => {
        const q = new FrameQueue(max, Number.MAX_SAFE_INTEGER);
        const model: CapturedFrame[] = [];
        let n = 0;
        for (const op of ops) {
          if (op < 0) {
            expect(q.shift()).toBe(model.shift());
          } else {
            while (q.wouldOverflow(op)) expect(q.shift()).toBe(model.shift());
            const f = frame(++n, op);
            q.push(f);
            model.push(f);
          }
          expect(q.length).toBe(model.length);
          expect(q.length).toBeLessThanOrEqual(max);
          expect(q.bytes).toBe(model.reduce((s, f) => s + f.caplen, 0));
        }
      }),
      { numRuns: 50 },
    );
  });
});
