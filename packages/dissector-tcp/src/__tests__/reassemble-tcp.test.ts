import { expect, test } from 'vitest';
import { concat, from, lastValueFrom, throwError, toArray } from 'rxjs';
import { corePlugin, createRegistry } from '@netrx/core';
import { reassembleTcp, tcpPlugin } from '@netrx/dissector-tcp';
import { Wire } from './wire.js';

const registry = createRegistry([corePlugin, tcpPlugin]);

test('reassembleTcp: state per subscription; the end of input flushes and closes', async () => {
  const w = new Wire();
  const packets = [...w.handshake(), w.seg('c', 0, 'abc'), w.seg('c', 5, 'f')];
  const run$ = from(packets).pipe(reassembleTcp(registry));
  const first = await lastValueFrom(run$.pipe(toArray()));
  const second = await lastValueFrom(run$.pipe(toArray()));
  for (const events of [first, second]) {
    expect(events.map((e) => e.type)).toEqual(['open', 'data', 'gap', 'data', 'close']);
    expect(events.every((e) => e.connection.id === 0)).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'close', reason: 'end' });
  }
});

test('reassembleTcp: a source error is passed on', async () => {
  const w = new Wire();
  const failing = concat(from(w.handshake()), throwError(() => new Error('disk on fire')));
  await expect(lastValueFrom(failing.pipe(reassembleTcp(registry), toArray()))).rejects.toThrow('disk on fire');
});

test('reassembleTcp: bad options are configuration errors', () => {
  expect(() => reassembleTcp(registry, { holeTimeoutMs: -1 })).toThrow(/holeTimeoutMs/);
});
