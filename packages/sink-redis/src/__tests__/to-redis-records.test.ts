// Records made from a command's items: ids numbered per connection and per subscription, the flat
// fields from the head fields, items that are not records skipped, the JSON line kept as is.
import { lastValueFrom, of, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Connection } from '@netrx/core';
import { RedisRecordBuilder, connectionShardKey, toRedisRecords, type RedisRecordInput } from '../index.js';

const a: Connection = { id: 0, family: 4, client: { address: '10.0.0.1', port: 40000 }, server: { address: '10.0.0.2', port: 7272 }, clientBy: 'syn' };
const b: Connection = { id: 1, family: 6, client: { address: '::1', port: 50000 }, server: { address: '::1', port: 80 }, clientBy: 'http' };

/** A stand-in for a command's item: a message, or something that is not a record. */
type Item = { readonly c: Connection; readonly n: number; readonly dir?: 'c2s' | 's2c' } | { readonly skip: true };

const describeItem = (item: Item): RedisRecordInput | undefined =>
  'skip' in item ? undefined : { connection: item.c, dir: item.dir, type: item.dir ? 'text' : 'connection', ts: 1_700_000_000_000_000_123n + BigInt(item.n), json: `{"n":${item.n}}` };

describe('toRedisRecords', () => {
  const items: Item[] = [{ c: a, n: 0, dir: 'c2s' }, { skip: true }, { c: b, n: 1, dir: 's2c' }, { c: a, n: 2, dir: 's2c' }, { c: b, n: 3 }];

  it('numbers each connection\'s records, fills the flat fields and skips what is not a record', async () => {
    const records = await lastValueFrom(of(...items).pipe(toRedisRecords(describeItem, { source: 'tap' }), toArray()));
    expect(records.map((r) => r.id)).toEqual(['tap:0:0', 'tap:1:0', 'tap:0:1', 'tap:1:1']);
    expect(records.map((r) => r.json)).toEqual(['{"n":0}', '{"n":1}', '{"n":2}', '{"n":3}']);
    expect(records[0]!.fields).toEqual({ stream: 0, dir: 'c2s', type: 'text', ts: '1700000000.000000123', client: '10.0.0.1:40000', server: '10.0.0.2:7272' });
    // A record about a whole connection has no direction; IPv6 endpoints are bracketed.
    expect(records[3]!.fields).toEqual({ stream: 1, dir: undefined, type: 'connection', ts: '1700000000.000000126', client: '[::1]:50000', server: '[::1]:80' });
    expect(records[1]!.shardKey).toBe(connectionShardKey('[::1]:50000', '[::1]:80'));
  });

  it('starts numbering again for each subscription, so the same input gives the same ids', async () => {
    const records$ = of(...items).pipe(toRedisRecords(describeItem, { source: 'tap' }), toArray());
    const first = await lastValueFrom(records$);
    const second = await lastValueFrom(records$);
    expect(second.map((r) => r.id)).toEqual(first.map((r) => r.id));
  });

  it('is what RedisRecordBuilder.appEvent and .connection make', () => {
    const builder = new RedisRecordBuilder('s');
    const ev = { type: 'ws.message', connection: a, dir: 'c2s' as const, firstTs: 5n, lastTs: 7n, firstFrame: 1, lastFrame: 2 };
    expect(builder.appEvent(ev, 'text', '{}')).toEqual(new RedisRecordBuilder('s').record({ connection: a, dir: 'c2s', type: 'text', ts: 7n, json: '{}' }));
    expect(builder.connection(a, 9n, '{}')).toMatchObject({ id: 's:0:1', fields: { type: 'connection', dir: undefined, ts: '0.000000009' } });
  });
});
