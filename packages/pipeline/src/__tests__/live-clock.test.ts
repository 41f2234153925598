// The pipeline's clock reaches the live source (the `cap` backend stamps frames with it). The live
// source is replaced by a recorder here: what matters is what the pipeline hands it.
import { EMPTY, lastValueFrom } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { monotonicClock, type Clock } from '@netrx/core';
import { Tokens, createContainer, createPipeline } from '../index.js';

const given = vi.hoisted(() => [] as Record<string, unknown>[]);
vi.mock('@netrx/source-live', () => ({
  fromLiveCapture: (options: Record<string, unknown>) => {
    given.push(options);
    return EMPTY;
  },
}));

describe('a live pipeline', () => {
  it('offers the live source the clock of the container passed in', async () => {
    const fixed: Clock = { now: () => 1_700_000_000_000_000_000n };
    const mine = createContainer();
    mine.register(Tokens.Clock, { useValue: fixed });
    given.length = 0;
    await lastValueFrom(createPipeline({ live: { device: 'lo', filter: 'port 7272' }, container: mine }).frames(), { defaultValue: undefined });
    expect(given).toEqual([{ device: 'lo', filter: 'port 7272', clock: fixed }]);
  });

  it('offers the default clock without one, and a clock in the live options wins', async () => {
    const own: Clock = { now: () => 1n };
    given.length = 0;
    await lastValueFrom(createPipeline({ live: { device: 'lo' } }).frames(), { defaultValue: undefined });
    await lastValueFrom(createPipeline({ live: { device: 'lo', clock: own } as never }).frames(), { defaultValue: undefined });
    expect(given.map((o) => o.clock)).toEqual([monotonicClock, own]);
  });
});
