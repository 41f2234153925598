// test-support/poison.ts, the chunk poisoning every parser and operator test of the repository
// uses: what it promises, checked here once (a poisoning that did nothing would make those tests
// pass whatever the code kept).
import { describe, expect, it } from 'vitest';
import { Subject } from 'rxjs';
import { POISON, POISONING, poisonArgument, poisonMethod, poisonViews, withPoisonedChunk } from '../../../../test-support/poison.js';

// The harness's own checks need it on (NETRX_POISON=0 runs the rest without it).
describe.skipIf(!POISONING)('chunk poisoning (test-support/poison.ts)', () => {
  it('withPoisonedChunk: a copy during the call, poison after it; the caller’s bytes untouched', () => {
    const mine = Uint8Array.of(1, 2, 3);
    let kept: Uint8Array | undefined;
    const r = withPoisonedChunk(mine, (v) => {
      expect([...v]).toEqual([1, 2, 3]);
      expect(v.buffer).not.toBe(mine.buffer);
      kept = v;
      return 'done';
    });
    expect(r).toBe('done');
    expect([...kept!]).toEqual([POISON, POISON, POISON]);
    expect([...mine]).toEqual([1, 2, 3]);
    withPoisonedChunk(mine, (v) => (kept = v), false);
    expect([...kept!]).toEqual([1, 2, 3]);
  });

  it('poisonArgument and poisonMethod: the chunk argument poisoned once the call returns', () => {
    const views: Uint8Array[] = [];
    const write = poisonArgument((tag: string, b: Uint8Array) => views.push(b) && tag, 1);
    expect(write('x', Uint8Array.of(7, 8))).toBe('x');
    expect([...views[0]!]).toEqual([POISON, POISON]);
    const parser = {
      seen: [] as number[][],
      kept: [] as Uint8Array[],
      data(dir: string, b: Uint8Array): void {
        this.seen.push([...b]);
        this.kept.push(b);
      },
    };
    poisonMethod(parser, 'data', 1).data('c2s', Uint8Array.of(5));
    expect(parser.seen).toEqual([[5]]);
    expect([...parser.kept[0]!]).toEqual([POISON]);
  });

  it('poisonViews: each value passed on, then its bytes poisoned in place', () => {
    const src = new Subject<{ bytes: Uint8Array }>();
    const during: number[][] = [];
    src.pipe(poisonViews((v) => v.bytes)).subscribe((v) => during.push([...v.bytes]));
    const value = { bytes: Uint8Array.of(9, 9) };
    src.next(value);
    expect(during).toEqual([[9, 9]]);
    expect([...value.bytes]).toEqual([POISON, POISON]);
  });
});
