import { expect, test } from 'vitest';
import { from } from 'rxjs';
import { tcpStreams } from '@netrx/dissector-tcp';
import { poisonViews } from '../../../../test-support/poison.js';
import { Wire, reassemble } from './wire.js';

test('tcpStreams: one group per connection, direction streams in order, completing at close', () => {
  const a = new Wire();
  const b = new Wire({ addr: '10.0.0.3', port: 41000, isn: 5 }, { addr: '10.0.0.2', port: 80, isn: 6 });
  const { events } = reassemble([...a.handshake(), a.seg('c', 0, 'hi'), ...b.handshake(), b.seg('s', 0, 'yo'), a.seg('s', 0, 'there'), a.seg('c', 10, 'x')]);
  const seen: string[] = [];
  const done: string[] = [];
  from(events)
    // Each data event's bytes poisoned once the groups had it: tcpStreams passes views on, keeps none.
    .pipe(poisonViews((e) => (e.type === 'data' ? e.bytes : undefined)), tcpStreams())
    .subscribe((g) => {
      const id = g.connection.id;
      for (const dir of ['c2s', 's2c'] as const) {
        g[dir].subscribe({
          next: (ev) => seen.push(`${id} ${dir} ${ev.type === 'data' ? new TextDecoder().decode(ev.bytes) : `gap ${ev.length}`}`),
          complete: () => done.push(`${id} ${dir}`),
        });
      }
      g.closed.subscribe((c) => done.push(`${id} closed ${c.reason}`));
    });
  expect(seen).toEqual(['0 c2s hi', '1 s2c yo', '0 s2c there', '0 c2s gap 8', '0 c2s x']);
  expect(done).toEqual(['0 closed end', '0 c2s', '0 s2c', '1 closed end', '1 c2s', '1 s2c']);
});
