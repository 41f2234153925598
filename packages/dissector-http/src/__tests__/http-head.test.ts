import { describe, expect, it } from 'vitest';
import { latin1, parseHead, parseHeaderLines, splitLines, type ParseHeadResult } from '../http-head.js';
import { ascii } from './helpers.js';

/** The head of a result, or a failure naming the error. */
function head(r: ParseHeadResult) {
  if ('error' in r) throw new Error(`unexpected ${r.error.code}: ${r.error.message}`);
  return r;
}
function error(r: ParseHeadResult) {
  if (!('error' in r)) throw new Error('expected an error');
  return r.error;
}
const warnings = (r: ParseHeadResult) => head(r).warnings.map((w) => [w.code, w.offset]);
const headers = (r: ParseHeadResult) => head(r).head.headers.map((h) => [h.name, h.value]);

describe('parseHead', () => {
  it('parses a request head: method, target, version and headers in wire order and case', () => {
    const r = parseHead(ascii('POST /a/b?c=d HTTP/1.1\r\nHost: example.test:8080\r\nX-Empty:\r\nAccept: */*\r\n\r\n'), 'request', 100, 256);
    expect(head(r).head).toEqual({
      kind: 'request',
      method: 'POST',
      target: '/a/b?c=d',
      version: 'HTTP/1.1',
      headers: [
        { name: 'Host', value: 'example.test:8080' },
        { name: 'X-Empty', value: '' },
        { name: 'Accept', value: '*/*' },
      ],
    });
    expect(head(r).warnings).toEqual([]);
  });

  it('parses a response head, with or without a reason phrase', () => {
    expect(head(parseHead(ascii('HTTP/1.1 404 Not Found Here\r\nContent-Length: 0\r\n\r\n'), 'response', 0, 256)).head).toEqual({
      kind: 'response',
      version: 'HTTP/1.1',
      status: 404,
      reason: 'Not Found Here',
      headers: [{ name: 'Content-Length', value: '0' }],
    });
    // RFC 9112 §4: the reason may be empty, and the SP before it is often missing in practice.
    expect(head(parseHead(ascii('HTTP/1.0 200 \r\n\r\n'), 'response', 0, 256)).head).toMatchObject({ status: 200, reason: '' });
    expect(head(parseHead(ascii('HTTP/1.0 200\r\n\r\n'), 'response', 0, 256)).head).toMatchObject({ status: 200, reason: '' });
  });

  it('accepts bare LF line ends (RFC 9112 §2.2) and any token as a method', () => {
    const r = parseHead(ascii('m-search * HTTP/1.1\nST: ssdp:all\n\n'), 'request', 0, 256);
    expect(head(r).head).toMatchObject({ method: 'm-search', target: '*' });
    expect(headers(r)).toEqual([['ST', 'ssdp:all']]);
  });

  it('joins folded header lines (obs-fold) with a space, and warns at the head offset', () => {
    const r = parseHead(ascii('GET / HTTP/1.1\r\nX-Long: one\r\n  two\r\n\tthree \r\nY: 1\r\n\r\n'), 'request', 42, 256);
    expect(headers(r)).toEqual([['X-Long', 'one two three'], ['Y', '1']]);
    expect(warnings(r)).toEqual([['WARN_HTTP_OBS_FOLD', 42], ['WARN_HTTP_OBS_FOLD', 42]]);
  });

  it('keeps odd headers, warning: no colon (skipped), names that are not tokens or have space before the colon', () => {
    const r = parseHead(ascii('GET / HTTP/1.1\r\nno colon here\r\n: no name\r\nBad Name: v\r\nX-Space : w\r\n\r\n'), 'request', 7, 256);
    expect(headers(r)).toEqual([['Bad Name', 'v'], ['X-Space', 'w']]);
    expect(warnings(r)).toEqual([
      ['WARN_HTTP_HEADER_SYNTAX', 7],
      ['WARN_HTTP_HEADER_SYNTAX', 7],
      ['WARN_HTTP_HEADER_NAME', 7],
      ['WARN_HTTP_HEADER_NAME', 7],
    ]);
    // A first header line that begins with whitespace has nothing to fold into: a name with space.
    const lead = parseHead(ascii('GET / HTTP/1.1\r\n X: 1\r\n\r\n'), 'request', 0, 256);
    expect(headers(lead)).toEqual([['X', '1']]);
    expect(warnings(lead)).toEqual([['WARN_HTTP_HEADER_NAME', 0]]);
  });

  it('keeps header bytes above 0x7f as Latin-1 characters, one per byte', () => {
    const bytes = Uint8Array.from([...ascii('GET / HTTP/1.1\r\nX-N: caf'), 0xe9, 0xff, ...ascii('\r\n\r\n')]);
    expect(headers(parseHead(bytes, 'request', 0, 256))).toEqual([['X-N', 'caf\u00e9\u00ff']]);
  });

  it('refuses more header lines than the cap, at the head offset; blank lines at the end do not count', () => {
    const three = 'GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n';
    expect(headers(parseHead(ascii(three), 'request', 0, 3))).toHaveLength(3);
    expect(error(parseHead(ascii(three), 'request', 9, 2))).toMatchObject({ code: 'ERR_HTTP_TOO_MANY_HEADERS', severity: 'error', offset: 9 });
    expect(error(parseHead(ascii(three), 'request', 9, 2)).message).toMatch(/3 header lines.*cap of 2/);
  });

  it('refuses malformed request lines, at the head offset', () => {
    for (const line of ['GET /', 'GET  / HTTP/1.1', 'GET / HTTP/1.1 extra', 'GE(T / HTTP/1.1', 'GET / HTTP/1', 'GET / http/1.1', 'GET / HTTP/1.10', '']) {
      const e = error(parseHead(ascii(`${line}\r\nHost: x\r\n\r\n`), 'request', 1234, 256));
      expect(e, JSON.stringify(line)).toMatchObject({ code: 'ERR_HTTP_REQUEST_LINE', severity: 'error', offset: 1234 });
      expect(e.message).toContain(JSON.stringify(line));
    }
  });

  it('refuses malformed status lines, at the head offset', () => {
    for (const line of ['HTTP/1.1 20 OK', 'HTTP/1.1 2000 OK', 'HTTP/1.1 200OK', 'HTTP/1 200 OK', 'http/1.1 200 OK', 'HTTP/1.1  200 OK', 'GET / HTTP/1.1']) {
      expect(error(parseHead(ascii(`${line}\r\n\r\n`), 'response', 55, 256)), line).toMatchObject({ code: 'ERR_HTTP_STATUS_LINE', severity: 'error', offset: 55 });
    }
  });
});

describe('head helpers', () => {
  it('splitLines splits at LF, drops the CR before it, and the empty piece after a final LF', () => {
    expect(splitLines(ascii('a\r\nb\nc\r\r\n\r\n'))).toEqual(['a', 'b', 'c\r', '']);
    expect(splitLines(ascii('no end'))).toEqual(['no end']);
    expect(splitLines(ascii(''))).toEqual([]);
  });

  it('latin1 decodes a range of a view without copying it', () => {
    const whole = ascii('xxHELLOxx');
    expect(latin1(whole.subarray(2, 7))).toBe('HELLO');
    expect(latin1(whole, 2, 4)).toBe('HE');
  });

  it('parseHeaderLines reports at the offset it is given (trailers use the end of the message)', () => {
    const w: Parameters<typeof parseHeaderLines>[2] = [];
    expect(parseHeaderLines(['X-Sum: 42', 'oops', ''], 900, w).map((h) => [h.name, h.value])).toEqual([['X-Sum', '42']]);
    expect(w.map((d) => [d.code, d.offset])).toEqual([['WARN_HTTP_HEADER_SYNTAX', 900]]);
  });
});
