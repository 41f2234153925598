import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { headerListValues, splitHeaderList } from '../http-header-list.js';

describe('splitHeaderList (RFC 9110 §5.6.1)', () => {
  it('splits at commas and trims optional whitespace (SP, HTAB) around elements', () => {
    expect(splitHeaderList('keep-alive, Upgrade')).toEqual(['keep-alive', 'Upgrade']);
    expect(splitHeaderList('gzip,chunked')).toEqual(['gzip', 'chunked']);
    expect(splitHeaderList(' \tfoo \t,\tbar ')).toEqual(['foo', 'bar']);
    expect(splitHeaderList('websocket')).toEqual(['websocket']);
    // Whitespace inside an element is part of it.
    expect(splitHeaderList('a b, c')).toEqual(['a b', 'c']);
  });

  it('ignores empty elements, as a recipient must', () => {
    // The RFC's own examples: "foo,bar", "foo ,bar,", "foo , ,bar,charlie" are valid lists.
    expect(splitHeaderList('foo ,bar,')).toEqual(['foo', 'bar']);
    expect(splitHeaderList('foo , ,bar,charlie')).toEqual(['foo', 'bar', 'charlie']);
    expect(splitHeaderList(', , ,')).toEqual([]);
    expect(splitHeaderList('')).toEqual([]);
    expect(splitHeaderList(' , websocket')).toEqual(['websocket']);
  });

  it('does not split at a comma inside a quoted-string, escapes included', () => {
    expect(splitHeaderList('a;p="x, y", b')).toEqual(['a;p="x, y"', 'b']);
    expect(splitHeaderList('"a\\", b", c')).toEqual(['"a\\", b"', 'c']);
    expect(splitHeaderList('"\\\\", c')).toEqual(['"\\\\"', 'c']);
    // An unclosed quote runs to the end of the value.
    expect(splitHeaderList('a, "b, c')).toEqual(['a', '"b, c']);
    expect(splitHeaderList('a, "b\\')).toEqual(['a', '"b\\']);
  });

  it('keeps case, parameters and quotes as written', () => {
    expect(splitHeaderList('WebSocket/13, h2c')).toEqual(['WebSocket/13', 'h2c']);
    expect(splitHeaderList('text/html;q=0.9, */*;q=0.8')).toEqual(['text/html;q=0.9', '*/*;q=0.8']);
  });

  it('agrees with a plain split on values without quotes, empties and edge whitespace aside', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z0-9;=\/. -]{0,8}$/), { maxLength: 6 }), (parts) => {
        const value = parts.join(',');
        const plain = value.split(',').map((p) => p.replace(/^[ \t]+|[ \t]+$/g, '')).filter((p) => p !== '');
        expect(splitHeaderList(value)).toEqual(plain);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws, and never returns an empty element or one with edge whitespace', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        for (const e of splitHeaderList(s)) {
          expect(e).not.toBe('');
          expect(e).not.toMatch(/^[ \t]|[ \t]$/);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('headerListValues', () => {
  it('joins the lists of every header of the name, lower-cased, in order (RFC 9110 §5.3)', () => {
    const headers = [
      { name: 'Connection', value: 'keep-alive' },
      { name: 'Host', value: 'x, y' },
      { name: 'connection', value: 'Upgrade, , TE' },
    ];
    expect(headerListValues(headers, 'connection')).toEqual(['keep-alive', 'upgrade', 'te']);
    expect(headerListValues(headers, 'upgrade')).toEqual([]);
  });
});
