import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { httpClientDecider, looksLikeHttpRequest, looksLikeHttpResponse, probeStartLine } from '@netrx/dissector-http';

describe('HTTP start-line shape checks (who is the client)', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  test('HTTP request and status lines', () => {
    for (const ok of ['GET / HTTP/1.1', 'POST /x HTTP/1.0', 'OPTIONS * HTTP/1.1', 'CONNECT example.com:443 HTTP/1.1', 'M-SEARCH * HTTP/1.1', 'PRI * HTTP/2.0']) expect(looksLikeHttpRequest(enc(ok)), ok).toBe(true);
    for (const no of ['get / HTTP/1.1', 'GET', 'GE / x', 'HTTP/1.1 200 OK', '\x16\x03\x01', 'GET  /']) expect(looksLikeHttpRequest(enc(no)), no).toBe(false);
    expect(looksLikeHttpResponse(enc('HTTP/1.1 101 Switching Protocols'))).toBe(true);
    expect(looksLikeHttpResponse(enc('HTTP/1.1 1x1 nope'))).toBe(false);
    expect(looksLikeHttpResponse(enc('HTTP/2 200'))).toBe(false);
  });

  test('the probe is stricter than the shape checks: known methods, the whole line, and it says when it needs more', () => {
    const probe = (s: string) => probeStartLine(enc(s), 'request');
    // Extension methods look like requests but are not claimed as HTTP.
    expect([looksLikeHttpRequest(enc('M-SEARCH * HTTP/1.1\r\n')), probe('M-SEARCH * HTTP/1.1\r\n')]).toEqual([true, 'reject']);
    expect([looksLikeHttpRequest(enc('PRI * HTTP/2.0\r\n')), probe('PRI * HTTP/2.0\r\n')]).toEqual([true, 'reject']);
    // The shape check stops at the target's first byte; the probe reads on to the version.
    expect([looksLikeHttpRequest(enc('GET /very/long')), probe('GET /very/long')]).toEqual([true, 'need-more']);
    expect([looksLikeHttpRequest(enc('GET / HTTP/2.0')), probe('GET / HTTP/2.0')]).toEqual([true, 'reject']);
    // Any visible target for the probe; one of the four target forms' first bytes for the shape check.
    expect([looksLikeHttpRequest(enc('GET ?x HTTP/1.1')), probe('GET ?x HTTP/1.1')]).toEqual([false, 'match']);
    // A cut method is worth more bytes only if it can still become a known one.
    expect(['G', 'MKC', 'PROPF', 'GET', 'ZZ', 'GETS', 'get'].map(probe)).toEqual(['need-more', 'need-more', 'need-more', 'need-more', 'reject', 'reject', 'reject']);
    expect(['G', 'ZZ', 'GET'].map((s) => looksLikeHttpRequest(enc(s)))).toEqual([false, false, false]);
    // Methods: 3 to 20 characters of A-Z, '-' and '_' for the shape check.
    expect(looksLikeHttpRequest(enc(`${'A'.repeat(20)} /`))).toBe(true);
    expect(looksLikeHttpRequest(enc(`${'A'.repeat(21)} /`))).toBe(false);
    // Empty lines before a start line are skipped by the probe only (RFC 9112 §2.2).
    expect([looksLikeHttpRequest(enc('\r\nGET / HTTP/1.1')), probe('\r\nGET / HTTP/1.1')]).toEqual([false, 'match']);
    // Status lines: the probe also wants the byte after the code.
    expect([looksLikeHttpResponse(enc('HTTP/1.1 200')), probeStartLine(enc('HTTP/1.1 200'), 'response')]).toEqual([true, 'need-more']);
    expect([looksLikeHttpResponse(enc('HTTP/1.1 200x')), probeStartLine(enc('HTTP/1.1 200x'), 'response')]).toEqual([true, 'reject']);
    // The minor version is a digit (RFC 9112 §2.3), for both.
    expect([looksLikeHttpResponse(enc('HTTP/1.x 200 OK')), probeStartLine(enc('HTTP/1.x 200 OK'), 'response')]).toEqual([false, 'reject']);
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
