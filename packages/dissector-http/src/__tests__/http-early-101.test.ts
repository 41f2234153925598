import { describe, expect, it } from 'vitest';
import type { Connection } from '@netrx/core';
import { Early101 } from '../http-early-101.js';
import type { EventBase } from '../http-events.js';
import type { ParsedHttpMessage } from '../http-message-parser.js';
import { ascii, text } from './helpers.js';

const connection: Connection = { id: 3, family: 4, client: { address: '10.0.0.1', port: 1000 }, server: { address: '10.0.0.2', port: 80 }, clientBy: 'syn' };
const base: EventBase = { connection, dir: 's2c', firstTs: 1n, lastTs: 1n, firstFrame: 1, lastFrame: 1 };
const switching: ParsedHttpMessage = {
  head: { kind: 'response', status: 101, reason: 'Switching Protocols', version: 'HTTP/1.1', headers: [{ name: 'Upgrade', value: 'websocket' }] },
  rawHead: ascii('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n'),
  body: new Uint8Array(0),
  bodyLength: 0,
  trailers: [],
  streamOffset: 33,
  diagnostics: [{ code: 'WARN_HTTP_RESYNC', severity: 'warning', message: 'x', offset: 33 }],
};
const chunks = (r: ReturnType<Early101['clientBytes']>) => {
  if (typeof r === 'string') throw new Error(`gave up: ${r}`);
  return r.map((c) => [text(c.bytes!), c.frame]);
};

describe('Early101: a 101 captured before its request', () => {
  it('holds copies of the server bytes after the 101, up to the cap', () => {
    const e = new Early101(switching, base, true, 8);
    const buf = ascii('abcde');
    expect(e.serverBytes(buf, 2n, 2)).toBeUndefined();
    buf.fill(0xee);
    expect(e.serverBytes(new Uint8Array(0), 3n, 3)).toBeUndefined();
    expect(e.serverBytes(ascii('fgh'), 4n, 4)).toBeUndefined(); // 8: at the cap
    expect(e.held.map((c) => [text(c.bytes!), c.frame])).toEqual([['abcde', 2], ['fgh', 4]]);
    expect(e.serverBytes(ascii('i'), 5n, 5)).toMatch(/more than 8 server bytes/);
  });

  it('after a hole among the server bytes, counts what follows but keeps none of it', () => {
    const e = new Early101(switching, base, true, 100);
    e.serverBytes(ascii('ab'), 2n, 2);
    e.serverGap(10, 3n, 3);
    e.serverBytes(ascii('cd'), 4n, 4);
    expect(e.held.map((c) => [c.bytes && text(c.bytes), c.gap, c.frame])).toEqual([['ab', 0, 2], [undefined, 10, 3], [undefined, 2, 4]]);
  });

  it('with the request parser between messages, waits until the client bytes show a request line, then gives them all', () => {
    const e = new Early101(switching, base, true, 1000);
    const first = ascii('GET /ws HT');
    expect(chunks(e.clientBytes(first, 2n, 2))).toEqual([]);
    first.fill(0xee); // what it keeps meanwhile is its own copy
    expect(chunks(e.clientBytes(ascii('TP/1.1\r\n'), 3n, 3))).toEqual([['GET /ws HT', 2], ['TP/1.1\r\n', 3]]);
    // Once a request line was seen, bytes pass straight through.
    const later = ascii('Host: x\r\n');
    const r = e.clientBytes(later, 4n, 4);
    expect(typeof r !== 'string' && r[0]!.bytes).toBe(later);
  });

  it('gives up when the client bytes do not begin with a request line', () => {
    const e = new Early101(switching, base, true, 1000);
    expect(e.clientBytes(ascii('\x81\x85abcdhello'), 2n, 2)).toMatch(/do not begin with a request line/);
    const long = new Early101(switching, base, true, 100_000);
    expect(long.clientBytes(ascii('GET /' + 'a'.repeat(5000)), 2n, 2)).toMatch(/do not begin with a request line/);
  });

  it('with the request parser inside a message (midstream), passes client bytes straight to it', () => {
    const e = new Early101(switching, base, false, 1000);
    const b = ascii('tail of something');
    const r = e.clientBytes(b, 2n, 2);
    expect(typeof r !== 'string' && r.map((c) => c.bytes)).toEqual([b]);
  });

  it('counts client bytes read with no request complete, and gives up past the cap', () => {
    const e = new Early101(switching, base, false, 10);
    expect(e.scannedClient(6)).toBeUndefined();
    expect(e.scannedClient(4)).toBeUndefined();
    expect(e.scannedClient(1)).toMatch(/11 client bytes after it held no complete request \(cap 10\)/);
  });

  it('unpaired: the 101 with WARN_HTTP_UPGRADE_UNPAIRED added, at its offset, saying why', () => {
    const e = new Early101(switching, base, true, 10);
    const m = e.unpaired('the connection ended');
    expect(m.head).toBe(switching.head);
    expect(m.diagnostics.map((d) => [d.code, d.severity, d.offset])).toEqual([
      ['WARN_HTTP_RESYNC', 'warning', 33],
      ['WARN_HTTP_UPGRADE_UNPAIRED', 'warning', 33],
    ]);
    expect(m.diagnostics[1]!.message).toMatch(/came before any request it could answer and the connection ended: HTTP dissection stops/);
    expect(switching.diagnostics).toHaveLength(1);
    expect(e.msg).toBe(switching);
    expect(e.base).toBe(base);
  });
});

describe('Early101 on the memory budget', () => {
  it('draws what it holds, gives up when the budget refuses, and gives everything back on release', async () => {
    const { MemoryBudget } = await import('@netrx/core');
    const budget = new MemoryBudget(30);
    const e = new Early101(switching, base, true, 100, budget);
    expect(e.serverBytes(ascii('abcdef'), 2n, 2)).toBeUndefined();
    expect(budget.used).toBe(6);
    expect(e.serverBytes(ascii('x'.repeat(25)), 3n, 3)).toMatch(/memory budget/);
    expect(budget.used).toBe(6);
    // Client bytes probed for a request line are drawn, and given back once they go to the parser.
    expect(chunks(e.clientBytes(ascii('GE'), 4n, 4))).toEqual([]);
    expect(budget.used).toBe(8);
    expect(chunks(e.clientBytes(ascii('T / HTTP/1.1\r\n'), 5n, 5))).toHaveLength(2);
    expect(budget.used).toBe(6);
    e.release();
    expect(budget.used).toBe(0);
    expect(budget.peak).toBeLessThanOrEqual(30);
  });
});
