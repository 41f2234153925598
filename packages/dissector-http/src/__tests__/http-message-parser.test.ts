import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HttpMessageParser } from '../http-message-parser.js';
import { ascii, run, splits } from './helpers.js';

const REQUESTS = ascii(
  '\r\nGET /a?x=1 HTTP/1.1\r\nHost: example.test\r\nAccept: */*\r\n\r\n' +
    'POST /form HTTP/1.1\r\nHost: example.test\r\nContent-Length: 11\r\n\r\nhello world' +
    'PUT /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n' +
    '5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Sum: 42\r\nX-More: yes\r\n\r\n' +
    'GET /folded HTTP/1.0\nX-Long: one\n  two\n\n',
);

const RESPONSES = ascii(
  'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst' +
    'HTTP/1.1 200 OK\r\nContent-Length: 24\r\n\r\n' + // to HEAD: no body
    'HTTP/1.1 100 Continue\r\n\r\n' +
    'HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n' + // 204: never a body
    'HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n' +
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n' +
    'HTTP/1.0 200\r\n\r\nuntil the end',
);
const METHODS = ['GET', 'HEAD', 'POST', 'GET', 'GET', 'GET'];

describe('HttpMessageParser', () => {
  it('parses requests: offsets, Content-Length, chunked with extensions and trailers, obs-fold', () => {
    const { messages, errors, begins } = run('request', [REQUESTS]);
    expect(errors).toEqual([]);
    expect(messages.map((m) => m.start)).toEqual(['GET /a?x=1 HTTP/1.1', 'POST /form HTTP/1.1', 'PUT /up HTTP/1.1', 'GET /folded HTTP/1.0']);
    expect(messages[0]!.offset).toBe(2); // after the ignored empty line
    expect(begins).toEqual(messages.map((m) => m.offset));
    const text = new TextDecoder().decode(REQUESTS);
    for (const m of messages) expect(text.slice(m.offset)).toMatch(new RegExp(`^${m.start.split(' ')[0]} `));
    expect(messages[1]).toMatchObject({ body: 'hello world', bodyLength: 11 });
    expect(messages[2]).toMatchObject({ body: 'hello world', bodyLength: 11, trailers: [['X-Sum', '42'], ['X-More', 'yes']] });
    expect(messages[3]).toMatchObject({ headers: [['X-Long', 'one two']], codes: ['WARN_HTTP_OBS_FOLD'] });
  });

  it('frames responses by the request method and status: HEAD, 1xx, 204, 304, chunked, until close', () => {
    const { messages, errors } = run('response', [RESPONSES], { methods: METHODS });
    expect(errors).toEqual([]);
    expect(messages.map((m) => [m.start, m.body, m.bodyLength])).toEqual([
      ['HTTP/1.1 200 OK', 'first', 5],
      ['HTTP/1.1 200 OK', '', 0],
      ['HTTP/1.1 100 Continue', '', 0],
      ['HTTP/1.1 204 No Content', '', 0],
      ['HTTP/1.1 304 Not Modified', '', 0],
      ['HTTP/1.1 200 OK', 'abc', 3],
      ['HTTP/1.0 200 ', 'until the end', 13],
    ]);
    expect(messages[5]!.trailers).toEqual([['X-T', '1']]);
  });

  it('reads HTTP/0.9: a request that is one line, a response that is the body up to the close', () => {
    const req = ascii('GET /old.html\r\nGET /new HTTP/1.1\r\n\r\n');
    for (const chunks of splits(req)) {
      const { messages, errors } = run('request', chunks);
      expect(errors).toEqual([]);
      expect(messages.map((m) => [m.start, m.offset])).toEqual([
        ['GET /old.html HTTP/0.9', 0],
        ['GET /new HTTP/1.1', 15],
      ]);
    }
    const parser = new HttpMessageParser('response', {
      begin() {},
      message: (m) => (bodies.push([m.head.version, new TextDecoder().decode(m.body)]), false),
      error() {},
      requestVersion: () => 'HTTP/0.9',
    });
    const bodies: [string, string][] = [];
    parser.write(ascii('\r\n<html>'));
    parser.write(ascii('</html>'));
    parser.finish();
    expect(bodies).toEqual([['HTTP/0.9', '\r\n<html></html>']]);
    // A request line without a version that is not GET stays an error.
    expect(run('request', [ascii('POST /x\r\n\r\n')]).errors.map((e) => e.code)).toEqual(['ERR_HTTP_REQUEST_LINE']);
  });

  it('an until-close body ends only when the stream does', () => {
    const { messages } = run('response', [ascii('HTTP/1.1 200 OK\r\n\r\nabc')], { finish: false });
    expect(messages).toEqual([]);
  });

  it('gives the same messages whatever the segment boundaries', () => {
    for (const [kind, bytes, methods] of [['request', REQUESTS, []], ['response', RESPONSES, METHODS]] as const) {
      const whole = run(kind, [bytes], { methods: [...methods] }).messages;
      for (const chunks of splits(bytes)) {
        expect(run(kind, chunks, { methods: [...methods] }).messages).toEqual(whole);
      }
    }
  });

  it('parses pipelined requests in one chunk and returns how many bytes it took', () => {
    const p = new HttpMessageParser('request', { begin() {}, message: () => false, error() {} });
    const two = ascii('GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n');
    expect(p.write(two)).toBe(two.length);
    expect(run('request', [two]).messages.map((m) => m.start)).toEqual(['GET /1 HTTP/1.1', 'GET /2 HTTP/1.1']);
  });

  it('pauses after a message when the sink asks, leaving the rest of the chunk unconsumed', () => {
    const bytes = ascii('GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n\x81\x02hi');
    const p = new HttpMessageParser('request', { begin() {}, message: () => true, error() {} });
    expect(p.write(bytes)).toBe(bytes.length - 4);
    expect(p.paused).toBe(true);
    expect(p.write(ascii('more'))).toBe(0);
  });

  it('stops after a 101 response', () => {
    const bytes = ascii('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x02hi');
    const { messages, parser } = run('response', [bytes], { methods: ['GET'], finish: false });
    expect(messages.map((m) => m.start)).toEqual(['HTTP/1.1 101 Switching Protocols']);
    expect(parser.done).toBe(true);
  });

  it('reports caps and malformed framing as fatal diagnostics, never throwing', () => {
    const limits = { maxHeadBytes: 64, maxHeaders: 3, maxBodyBytes: 4 };
    const cases: [string, string, string][] = [
      ['request', `GET / HTTP/1.1\r\nX-A: ${'a'.repeat(80)}\r\n\r\n`, 'ERR_HTTP_HEAD_TOO_LARGE'],
      ['request', 'GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n', 'ERR_HTTP_TOO_MANY_HEADERS'],
      ['request', 'NOT HTTP AT ALL\r\n\r\n', 'ERR_HTTP_REQUEST_LINE'],
      ['response', 'HTTP/1.1 2000 OK\r\n\r\n', 'ERR_HTTP_STATUS_LINE'],
      ['request', 'POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n', 'ERR_HTTP_CONTENT_LENGTH'],
      ['request', 'POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n', 'ERR_HTTP_CONTENT_LENGTH'],
      ['request', 'POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n', 'ERR_HTTP_TRANSFER_ENCODING'],
      ['request', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'ERR_HTTP_CHUNK_SIZE'],
      ['request', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\n', 'ERR_HTTP_CHUNK_SIZE'],
      ['request', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n', 'ERR_HTTP_CHUNK_FRAMING'],
    ];
    for (const [kind, input, code] of cases) {
      const { errors, messages, parser } = run(kind as 'request', [ascii(input)], { limits, methods: ['GET'] });
      expect(errors.map((e) => e.code), input).toEqual([code]);
      expect(messages).toEqual([]);
      expect(parser.done).toBe(true);
    }
  });

  it('keeps at most maxBodyBytes of a body but counts all of it', () => {
    const limits = { maxHeadBytes: 1024, maxHeaders: 10, maxBodyBytes: 4 };
    const { messages } = run('request', [ascii('POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789')], { limits });
    expect(messages[0]).toMatchObject({ body: '0123', bodyLength: 10 });
  });

  it('does not allocate what a huge Content-Length claims', () => {
    const { messages, parser } = run('request', [ascii('POST / HTTP/1.1\r\nContent-Length: 999999999999999\r\n\r\nabc')], { finish: false });
    expect(messages).toEqual([]);
    expect(parser.streamOffset).toBeGreaterThan(0);
  });

  it('counts a gap inside a body and goes on with the next message', () => {
    const { messages } = run('request', [ascii('POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n012'), ascii('789GET /next HTTP/1.1\r\n\r\n')], { gaps: new Map([[1, 4]]) });
    expect(messages.map((m) => [m.start, m.body, m.bodyLength, m.codes])).toEqual([
      ['POST / HTTP/1.1', '012', 10, ['WARN_HTTP_BODY_GAP']],
      ['GET /next HTTP/1.1', '', 0, []],
    ]);
    expect(messages[1]!.offset).toBe('POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n'.length + 10);
  });

  it('after a gap in the framing, finds the next start line', () => {
    const { messages, errors } = run('request', [ascii('GET /a HTTP/1.1\r\nHo'), ascii('garbage\r\nmore\r\nGET /b HTTP/1.1\r\n\r\n')], { gaps: new Map([[1, 7]]) });
    expect(errors).toEqual([]);
    expect(messages.map((m) => [m.start, m.codes])).toEqual([['GET /b HTTP/1.1', ['WARN_HTTP_RESYNC']]]);
  });

  it('picked up midstream, skips to the first start line', () => {
    const { messages, errors } = run('response', [ascii('ody of an earlier one\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')], { midstream: true });
    expect(errors).toEqual([]);
    expect(messages.map((m) => [m.start, m.body, m.offset])).toEqual([['HTTP/1.1 200 OK', 'ok', 23]]);
  });

  it('while resynchronising, looks only for its own kind of start line', () => {
    const bytes = ascii('tail\r\nHTTP/1.1 200 OK\r\n\r\nGET /real HTTP/1.1\r\n\r\n');
    const { messages, errors } = run('request', [bytes], { midstream: true });
    expect(errors).toEqual([]);
    expect(messages.map((m) => m.start)).toEqual(['GET /real HTTP/1.1']);
  });

  it('delivers a message cut short by the end of the stream, marked incomplete', () => {
    const { messages } = run('response', [ascii('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc')], { methods: ['GET'] });
    expect(messages.map((m) => [m.body, m.bodyLength, m.codes])).toEqual([['abc', 3, ['WARN_HTTP_INCOMPLETE']]]);
  });

  it('never throws on random bytes, split anywhere', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.array(fc.nat(600), { maxLength: 6 }), fc.boolean(), fc.boolean(), (bytes, cuts, midstream, resp) => {
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks: Uint8Array[] = [];
        let prev = 0;
        for (const p of points) {
          chunks.push(bytes.subarray(prev, p));
          prev = p;
        }
        chunks.push(bytes.subarray(prev));
        run(resp ? 'response' : 'request', chunks, { midstream, methods: ['GET'], gaps: new Map([[1, 3]]) });
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on mutated real messages, and keeps what it holds bounded', () => {
    const limits = { maxHeadBytes: 256, maxHeaders: 8, maxBodyBytes: 16 };
    for (const [kind, base] of [['request', REQUESTS], ['response', RESPONSES]] as const) {
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat(base.length), (edits, cut) => {
          const b = base.slice();
          for (const [at, v] of edits) b[at] = v;
          const { messages } = run(kind, [b.subarray(0, cut), b.subarray(cut)], { limits, methods: [...METHODS] });
          for (const m of messages) expect(m.body.length).toBeLessThanOrEqual(16);
        }),
        { numRuns: 300 },
      );
    }
  });
});
