import { describe, expect, it } from 'vitest';
import { RecordQueue } from '../record-queue.js';
import type { RedisStreamRecord } from '../types.js';

const rec = (n: number): RedisStreamRecord => ({ id: String(n), json: '{}', fields: { stream: 0, ts: '0.000000000', client: 'a:1', server: 'b:2' } });

describe('RecordQueue', () => {
  it('keeps order across growth, shifts and records put back at the front', () => {
    const q = new RecordQueue();
    const model: string[] = [];
    let n = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 97; i++) {
        q.push(rec(n));
        model.push(String(n++));
      }
      const taken: RedisStreamRecord[] = [];
      for (let i = 0; i < 60; i++) {
        taken.push(q.shift()!);
        model.shift();
      }
      // Every third round the batch "fails" and goes back in front, as after a lost connection.
      if (round % 3 === 0) {
        q.unshiftAll(taken);
        model.unshift(...taken.map((r) => r.id));
      }
    }
    expect(q.length).toBe(model.length);
    const rest: string[] = [];
    for (let r = q.shift(); r; r = q.shift()) rest.push(r.id);
    expect(rest).toEqual(model);
    expect(q.shift()).toBeUndefined();
  });

  it('grows when many records are put back at once', () => {
    const q = new RecordQueue();
    q.push(rec(5000));
    q.unshiftAll(Array.from({ length: 5000 }, (_, i) => rec(i)));
    const out: string[] = [];
    for (let r = q.shift(); r; r = q.shift()) out.push(r.id);
    expect(out).toEqual(Array.from({ length: 5001 }, (_, i) => String(i)));
  });
});
