import { describe, expect, it } from 'vitest';
import { Registry, type AppEvent, type Connection, type StreamContext, type StreamDissectorFactory } from '@netrx/core';
import type { HttpRequestHead, HttpResponseHead } from '../http-head.js';
import { answerAsking, handOver, HeldBytes, joinUntilHole, lostFromHole, upgradeToken, type Asking, type HeldChunk } from '../http-upgrade-hold.js';
import type { HttpRequest, HttpResponse, HttpUpgrade } from '../types.js';
import { ascii, text } from './helpers.js';

const connection: Connection = { id: 3, family: 4, client: { address: '10.0.0.1', port: 1000 }, server: { address: '10.0.0.2', port: 80 }, clientBy: 'syn' };
const empty = new Uint8Array(0);
const requestHead = (method: string, headers: [string, string][]): HttpRequestHead => ({ kind: 'request', method, target: '/', version: 'HTTP/1.1', headers: headers.map(([name, value]) => ({ name, value })) });
const responseHead = (status: number, headers: [string, string][] = []): HttpResponseHead => ({ kind: 'response', status, reason: '', version: 'HTTP/1.1', headers: headers.map(([name, value]) => ({ name, value })) });
const req = (method = 'GET'): HttpRequest => ({
  type: 'http.request', connection, dir: 'c2s', firstTs: 0n, lastTs: 0n, firstFrame: 1, lastFrame: 1,
  version: 'HTTP/1.1', headers: [], rawHead: empty, body: empty, trailers: [], streamOffset: 0, method, target: '/',
});
const chunk = (s: string, frame = 1): HeldChunk => ({ bytes: ascii(s), gap: 0, ts: BigInt(frame), frame });
const hole = (gap: number, frame = 1): HeldChunk => ({ bytes: undefined, gap, ts: BigInt(frame), frame });

describe('upgradeToken: a request asks to switch with Upgrade and Connection: upgrade (RFC 9110 §7.8)', () => {
  it('names the first protocol offered, lower-cased', () => {
    expect(upgradeToken(requestHead('GET', [['Upgrade', 'WebSocket'], ['Connection', 'Upgrade']]))).toBe('websocket');
    expect(upgradeToken(requestHead('GET', [['Upgrade', 'h2c, websocket/13'], ['Connection', 'keep-alive, upgrade']]))).toBe('h2c');
    // Connection may be split over several lines; empty list elements are ignored.
    expect(upgradeToken(requestHead('GET', [['Connection', 'keep-alive'], ['Upgrade', ' , websocket'], ['connection', ', UPGRADE']]))).toBe('websocket');
  });

  it('is not an upgrade without both headers, or with an empty Upgrade', () => {
    expect(upgradeToken(requestHead('GET', [['Upgrade', 'websocket']]))).toBeUndefined();
    expect(upgradeToken(requestHead('GET', [['Connection', 'upgrade']]))).toBeUndefined();
    expect(upgradeToken(requestHead('GET', [['Upgrade', 'websocket'], ['Connection', 'upgraded, close']]))).toBeUndefined();
    expect(upgradeToken(requestHead('GET', [['Upgrade', ' , '], ['Connection', 'upgrade']]))).toBeUndefined();
  });
});

describe('answerAsking: what a final response means for an upgrade or CONNECT waiting', () => {
  const upgrade = req();
  const asking: Asking = { request: upgrade, token: 'websocket' };

  it('a 101 to the asking request switches, to the protocol the server names if it names one', () => {
    expect(answerAsking(asking, upgrade, responseHead(101, [['Upgrade', 'WebSocket']]))).toEqual({ kind: 'switch', protocol: 'websocket' });
    expect(answerAsking(asking, upgrade, responseHead(101, [['Upgrade', 'chat/2, x']]))).toEqual({ kind: 'switch', protocol: 'chat/2' });
    expect(answerAsking(asking, upgrade, responseHead(101))).toEqual({ kind: 'switch', protocol: 'websocket' });
  });

  it('a 101 to anything else stops HTTP: the protocol cannot be named', () => {
    expect(answerAsking(undefined, undefined, responseHead(101))).toEqual({ kind: 'stop' });
    expect(answerAsking(asking, req(), responseHead(101))).toEqual({ kind: 'stop' });
    expect(answerAsking({ request: upgrade, token: undefined }, upgrade, responseHead(101))).toEqual({ kind: 'stop' });
  });

  it('a 2xx to CONNECT is a tunnel; a refusal gives the held bytes back; other responses change nothing', () => {
    const connect = req('CONNECT');
    expect(answerAsking({ request: connect, token: undefined }, connect, responseHead(200))).toEqual({ kind: 'stop' });
    expect(answerAsking({ request: connect, token: undefined }, connect, responseHead(407))).toEqual({ kind: 'release' });
    expect(answerAsking(asking, upgrade, responseHead(426))).toEqual({ kind: 'release' });
    expect(answerAsking(asking, upgrade, responseHead(200))).toEqual({ kind: 'release' });
    expect(answerAsking(asking, req(), responseHead(200))).toEqual({ kind: 'none' });
    expect(answerAsking(undefined, undefined, responseHead(200))).toEqual({ kind: 'none' });
  });
});

describe('HeldBytes', () => {
  it('keeps copies, so the caller may reuse its buffer', () => {
    const h = new HeldBytes(100);
    const buf = ascii('abc');
    h.hold(buf, 5n, 5);
    buf.fill(0xee);
    h.hold(empty, 6n, 6); // nothing to keep
    const [c, ...rest] = h.take();
    expect(rest).toEqual([]);
    expect(text(c!.bytes!)).toBe('abc');
    expect(c).toMatchObject({ gap: 0, ts: 5n, frame: 5 });
    expect(h.take()).toEqual([]);
  });

  it('past the cap drops the bytes and records them as a hole; gaps are holes', () => {
    const h = new HeldBytes(5);
    h.hold(ascii('abc'), 1n, 1);
    h.hold(ascii('def'), 2n, 2); // 6 > 5
    h.gap(10, 3n, 3);
    h.hold(ascii('gh'), 4n, 4); // 5: fits
    expect(h.take().map((c) => [c.bytes && text(c.bytes), c.gap, c.frame])).toEqual([
      ['abc', 0, 1],
      [undefined, 3, 2],
      [undefined, 10, 3],
      ['gh', 0, 4],
    ]);
  });

  it('take empties it and resets the count; restore gives chunks back as they were, against the cap', () => {
    const h = new HeldBytes(4);
    h.hold(ascii('abcd'), 1n, 1);
    const taken = h.take();
    h.hold(ascii('wxyz'), 2n, 2); // fits again after take
    expect(h.take()).toHaveLength(1);
    h.restore(taken[0]!);
    h.restore(hole(7, 9));
    h.restore(chunk('e', 3)); // over the cap of 4: a hole now
    const back = h.take();
    expect(back[0]!.bytes).toBe(taken[0]!.bytes); // given back, not copied again
    expect(back.map((c) => [c.bytes && text(c.bytes), c.gap])).toEqual([['abcd', 0], [undefined, 7], [undefined, 1]]);
  });
});

describe('joinUntilHole and lostFromHole', () => {
  it('joins the bytes before the first hole; one chunk is returned as it is', () => {
    const one = chunk('abc');
    expect(joinUntilHole([one])).toBe(one.bytes);
    expect(text(joinUntilHole([chunk('ab'), chunk('cd'), hole(3), chunk('ef')])!)).toBe('abcd');
    expect(joinUntilHole([hole(3), chunk('ef')])).toBeUndefined();
    expect(joinUntilHole([])).toBeUndefined();
    expect(joinUntilHole([{ ...chunk(''), bytes: empty }])).toBeUndefined();
  });

  it('counts what is lost from the first hole on (missing and held after it) with the chunks it spans', () => {
    expect(lostFromHole([chunk('ab')])).toBeUndefined();
    const held = [chunk('ab', 1), hole(10, 2), chunk('cde', 3), hole(4, 4)];
    expect(lostFromHole(held)).toEqual({ bytes: 17, first: held[1], last: held[3] });
  });
});

describe('handOver', () => {
  function setup(withFactory: boolean) {
    const registry = new Registry();
    const table = registry.addTable('http.upgrade');
    const factory: StreamDissectorFactory = { name: 'next', resumesAfterGap: false, create: () => ({ data() {}, gap() {}, end() {} }) };
    if (withFactory) table.add('websocket', factory);
    const log: unknown[] = [];
    const ctx: StreamContext = {
      connection,
      registry,
      emit: (e: AppEvent) => void log.push(e),
      switchTo: (f, init, leftover) => void log.push({ switchTo: f, init, leftover: leftover && Object.fromEntries(Object.entries(leftover).map(([k, v]) => [k, text(v as Uint8Array)])) }),
    };
    const init: HttpUpgrade = { protocol: 'websocket', request: req(), response: {} as HttpResponse };
    return { ctx, log, init, factory };
  }

  it('switches to the table\'s dissector with the held bytes of each direction', () => {
    const { ctx, log, init, factory } = setup(true);
    handOver(ctx, init, { c2s: [chunk('ab'), chunk('c')], s2c: [chunk('xyz')] });
    expect(log).toEqual([{ switchTo: factory, init, leftover: { c2s: 'abc', s2c: 'xyz' } }]);
  });

  it('reports bytes from a hole on as WARN_HTTP_UPGRADE_BYTES_LOST, before the switch', () => {
    const { ctx, log, init } = setup(true);
    handOver(ctx, init, { c2s: [], s2c: [chunk('ok', 1), hole(5, 2), chunk('late', 3)] });
    expect(log).toHaveLength(2);
    expect(log[0]).toMatchObject({
      type: 'stream.error',
      connection,
      dir: 's2c',
      firstFrame: 2,
      lastFrame: 3,
      firstTs: 2n,
      lastTs: 3n,
      dissector: 'http',
      diagnostic: { code: 'WARN_HTTP_UPGRADE_BYTES_LOST', severity: 'warning' },
    });
    expect((log[0] as { diagnostic: { message: string } }).diagnostic.message).toMatch(/^9 bytes .* websocket gets only those before it/);
    expect(log[1]).toMatchObject({ leftover: { s2c: 'ok' } });
  });

  it('does nothing without a dissector for the protocol', () => {
    const { ctx, log, init } = setup(false);
    handOver(ctx, init, { c2s: [hole(5)], s2c: [chunk('x')] });
    expect(log).toEqual([]);
  });
});
