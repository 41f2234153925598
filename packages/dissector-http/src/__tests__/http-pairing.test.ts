import { describe, expect, it } from 'vitest';
import type { Connection } from '@netrx/core';
import { isInterim, PendingRequests } from '../http-pairing.js';
import type { HttpRequest } from '../types.js';

const connection: Connection = { id: 1, family: 4, client: { address: '10.0.0.1', port: 1000 }, server: { address: '10.0.0.2', port: 80 }, clientBy: 'syn' };
const empty = new Uint8Array(0);
const req = (target: string): HttpRequest => ({
  type: 'http.request', connection, dir: 'c2s', firstTs: 0n, lastTs: 0n, firstFrame: 1, lastFrame: 1,
  version: 'HTTP/1.1', headers: [], rawHead: empty, body: empty, trailers: [], streamOffset: 0, method: 'GET', target,
});

describe('request/response pairing', () => {
  it('isInterim: 1xx but 101 (RFC 9110 §15.2)', () => {
    expect([100, 102, 103, 199].map(isInterim)).toEqual([true, true, true, true]);
    expect([101, 200, 204, 304, 426, 99, 0].map(isInterim)).toEqual([false, false, false, false, false, false, false]);
  });

  it('answers pipelined requests first-in first-out', () => {
    const p = new PendingRequests(8);
    const [a, b, c] = [req('/a'), req('/b'), req('/c')];
    p.add(a);
    p.add(b);
    p.add(c);
    expect(p.size).toBe(3);
    expect(p.next).toBe(a);
    expect([p.answer(200), p.answer(404), p.answer(304)]).toEqual([a, b, c]);
    expect(p.size).toBe(0);
    expect(p.next).toBeUndefined();
  });

  it('an interim response pairs with the waiting request and leaves it waiting for the final one', () => {
    const p = new PendingRequests(8);
    const a = req('/a');
    p.add(a);
    expect(p.answer(100)).toBe(a);
    expect(p.answer(103)).toBe(a);
    expect(p.size).toBe(1);
    expect(p.answer(200)).toBe(a);
    expect(p.size).toBe(0);
  });

  it('a 101 is final: it takes its request', () => {
    const p = new PendingRequests(8);
    const a = req('/ws');
    p.add(a);
    expect(p.answer(101)).toBe(a);
    expect(p.size).toBe(0);
  });

  it('a response with no request waiting pairs with nothing', () => {
    const p = new PendingRequests(8);
    expect(p.answer(200)).toBeUndefined();
    expect(p.answer(100)).toBeUndefined();
  });

  it('past the cap the oldest request is forgotten', () => {
    const p = new PendingRequests(2);
    const [a, b, c] = [req('/a'), req('/b'), req('/c')];
    p.add(a);
    p.add(b);
    p.add(c);
    expect(p.size).toBe(2);
    expect(p.answer(200)).toBe(b);
    expect(p.answer(200)).toBe(c);
  });

  it('clear forgets every waiting request (responses lost in a gap)', () => {
    const p = new PendingRequests(8);
    p.add(req('/a'));
    p.add(req('/b'));
    p.clear();
    expect(p.size).toBe(0);
    expect(p.answer(200)).toBeUndefined();
  });
});
