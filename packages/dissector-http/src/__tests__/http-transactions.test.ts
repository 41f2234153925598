import { describe, expect, it } from 'vitest';
import { from, lastValueFrom, toArray } from 'rxjs';
import type { AppEvent, Connection } from '@netrx/core';
import { httpTransactions } from '../http-transactions.js';
import type { HttpRequest, HttpResponse } from '../types.js';

const conn = (id: number): Connection => ({ id, family: 4, client: { address: '10.0.0.1', port: 1000 + id }, server: { address: '10.0.0.2', port: 80 }, clientBy: 'syn' });
const empty = new Uint8Array(0);

function req(c: Connection, target: string, ts: bigint): HttpRequest {
  return { type: 'http.request', connection: c, dir: 'c2s', firstTs: ts, lastTs: ts + 1n, firstFrame: 1, lastFrame: 1, version: 'HTTP/1.1', headers: [], rawHead: empty, body: empty, trailers: [], streamOffset: 0, method: 'GET', target };
}
function res(c: Connection, status: number, request: HttpRequest | undefined, ts: bigint): HttpResponse {
  return { type: 'http.response', connection: c, dir: 's2c', firstTs: ts, lastTs: ts + 5n, firstFrame: 2, lastFrame: 2, version: 'HTTP/1.1', headers: [], rawHead: empty, body: empty, trailers: [], streamOffset: 0, status, reason: '', request };
}

const run = (events: AppEvent[]) => lastValueFrom(from(events).pipe(httpTransactions(), toArray()));

describe('httpTransactions', () => {
  it('pairs per connection, keeps 1xx aside, times request first byte to response last byte', async () => {
    const a = conn(1);
    const b = conn(2);
    const a1 = req(a, '/a1', 100n);
    const b1 = req(b, '/b1', 110n);
    const a2 = req(a, '/a2', 120n);
    const cont = res(a, 100, a1, 130n);
    const out = await run([a1, b1, a2, cont, res(a, 200, a1, 140n), res(b, 404, b1, 150n), res(a, 304, a2, 160n)]);
    expect(out.map((t) => [t.connection.id, t.request?.target, t.response?.status, t.duration])).toEqual([
      [1, '/a1', 200, 45n],
      [2, '/b1', 404, 45n],
      [1, '/a2', 304, 45n],
    ]);
    expect(out[0]!.informational).toEqual([cont]);
  });

  it('emits unanswered requests when skipped, on stream.error, and at completion; responses without requests alone', async () => {
    const a = conn(1);
    const b = conn(2);
    const c = conn(3);
    const a1 = req(a, '/lost', 100n);
    const a2 = req(a, '/answered', 110n);
    const b1 = req(b, '/broken', 120n);
    const c1 = req(c, '/open', 130n);
    const error = { type: 'stream.error', connection: b, dir: 's2c', firstTs: 0n, lastTs: 0n, firstFrame: 0, lastFrame: 0, dissector: 'http', diagnostic: { code: 'ERR_X', severity: 'error', message: '' } } as const;
    const out = await run([a1, a2, b1, c1, res(a, 200, a2, 140n), error, res(a, 200, undefined, 150n)]);
    expect(out.map((t) => [t.request?.target, t.response?.status])).toEqual([
      ['/lost', undefined],
      ['/answered', 200],
      ['/broken', undefined],
      [undefined, 200],
      ['/open', undefined],
    ]);
    expect(out[0]!.duration).toBe(1n);
  });

  it('forgets the longest-waiting connection past maxConnections, emitting its requests unanswered', async () => {
    const [a, b, c] = [conn(1), conn(2), conn(3)];
    const out = await lastValueFrom(from([req(a, '/a', 1n), req(b, '/b', 2n), req(c, '/c', 3n)]).pipe(httpTransactions({ maxConnections: 2 }), toArray()));
    expect(out.map((t) => t.request?.target)).toEqual(['/a', '/b', '/c']);
    expect(out.every((t) => t.response === undefined)).toBe(true);
  });
});
