import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeHttpBody, type HttpHeader } from '../index.js';

const msg = (body: Uint8Array | string, headers: [string, string][] = [], bodyLength?: number) => ({
  body: typeof body === 'string' ? Buffer.from(body) : body,
  headers: headers.map(([name, value]): HttpHeader => ({ name, value })),
  ...(bodyLength !== undefined && { bodyLength }),
});

describe('decodeHttpBody', () => {
  it('undoes gzip, deflate (zlib or raw), br, and a list of codings last first (RFC 9110 §8.4)', () => {
    expect(decodeHttpBody(msg(zlib.gzipSync('g'), [['Content-Encoding', 'gzip']]))).toEqual({ bytes: Buffer.from('g'), text: 'g', truncated: 0, encoding: 'gzip' });
    expect(decodeHttpBody(msg(zlib.deflateSync('z'), [['content-encoding', 'deflate']])).text).toBe('z');
    expect(decodeHttpBody(msg(zlib.deflateRawSync('raw'), [['Content-Encoding', 'deflate']])).text).toBe('raw');
    expect(decodeHttpBody(msg(zlib.brotliCompressSync('b'), [['Content-Encoding', 'br']])).text).toBe('b');
    const twice = zlib.brotliCompressSync(zlib.gzipSync('both'));
    expect(decodeHttpBody(msg(twice, [['Content-Encoding', 'gzip, identity'], ['Content-Encoding', 'br']]))).toMatchObject({ text: 'both', encoding: 'gzip, br' });
  });

  it('decodes as far as a cut-short body goes, and stops an inflate bomb at maxDecoded', () => {
    const text = 'a line of text\n'.repeat(2000);
    const gz = zlib.gzipSync(text);
    const cut = decodeHttpBody(msg(gz.subarray(0, gz.length >> 1), [['Content-Encoding', 'gzip']], gz.length));
    expect(cut.error).toBeUndefined();
    expect(text.startsWith(cut.text!)).toBe(true);
    expect(cut.text!.length).toBeGreaterThan(0);
    const bomb = decodeHttpBody(msg(zlib.gzipSync(Buffer.alloc(1 << 20)), [['Content-Encoding', 'gzip']]), { maxDecoded: 4096 });
    expect(bomb.error).toBe('inflates to more than 4096 bytes');
    expect(bomb.bytes.length).toBeLessThan(2000); // the raw (compressed) body
  });

  it('caps at maxBytes on a character boundary, counting what is left out (and what was never captured)', () => {
    const b = decodeHttpBody(msg('aé'.repeat(10)), { maxBytes: 4 }); // 61 c3 a9 61 | c3 a9 …
    expect(b).toEqual({ bytes: Buffer.from('aéa'), text: 'aéa', truncated: 30 - 4 });
    expect(decodeHttpBody(msg('abc', [], 10)).truncated).toBe(7);
  });

  it('is text only for UTF-8 without control characters; says why a coding is not undone', () => {
    expect(decodeHttpBody(msg(Uint8Array.of(0x89, 0x50, 0x4e, 0x47))).text).toBeUndefined();
    expect(decodeHttpBody(msg('tab\tand\r\nlines')).text).toBe('tab\tand\r\nlines');
    expect(decodeHttpBody(msg('nul\0')).text).toBeUndefined();
    expect(decodeHttpBody(msg('x', [['Content-Encoding', 'zstd']]))).toEqual({ bytes: Buffer.from('x'), text: 'x', truncated: 0, error: 'content-coding "zstd" is not one netrx decodes (gzip, deflate, br)' });
    expect(decodeHttpBody(msg('not gzip', [['Content-Encoding', 'gzip']])).error).toMatch(/header/);
  });
});
