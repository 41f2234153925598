import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { httpClientDecider, looksLikeHttpRequest, looksLikeHttpResponse } from '@netrx/dissector-http';

describe('HTTP start-line shape checks (who is the client)', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  test('HTTP request and status lines', () => {
    for (const ok of ['GET / HTTP/1.1', 'POST /x HTTP/1.0', 'OPTIONS * HTTP/1.1', 'CONNECT example.com:443 HTTP/1.1', 'M-SEARCH * HTTP/1.1', 'PRI * HTTP/2.0']) expect(looksLikeHttpRequest(enc(ok)), ok).toBe(true);
    for (const no of ['get / HTTP/1.1', 'GET', 'GE / x', 'HTTP/1.1 200 OK', '\x16\x03\x01', 'GET  /']) expect(looksLikeHttpRequest(enc(no)), no).toBe(false);
    expect(looksLikeHttpResponse(enc('HTTP/1.1 101 Switching Protocols'))).toBe(true);
    expect(looksLikeHttpResponse(enc('HTTP/1.1 1x1 nope'))).toBe(false);
    expect(looksLikeHttpResponse(enc('HTTP/2 200'))).toBe(false);
  });

  test('the tcp.client entry: a request names its sender, a status line the receiver', () => {
    expect(httpClientDecider.decide(enc('GET / HTTP/1.1\r\n'))).toBe('sender');
    expect(httpClientDecider.decide(enc('HTTP/1.1 200 OK\r\n'))).toBe('receiver');
    expect(httpClientDecider.decide(enc('\x16\x03\x01\x02\x00'))).toBeUndefined();
  });

  test('property: never throw on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        for (const f of [looksLikeHttpRequest, looksLikeHttpResponse]) expect(typeof f(b)).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});
