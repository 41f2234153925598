import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isToken, parseExtensionList, type Extension } from '../websocket-extensions.js';

const ext = (name: string, ...params: [string, string?][]): Extension => ({
  name,
  params: params.map(([n, v]) => (v === undefined ? { name: n } : { name: n, value: v })),
});

/** The extensions, and the offsets of the errors. */
const parse = (s: string) => {
  const r = parseExtensionList(s);
  return { extensions: r.extensions, errorsAt: r.errors.map((e) => e.offset) };
};

describe('parseExtensionList (RFC 6455 §9.1 with RFC 7230 §3.2.6 tokens and quoted-strings)', () => {
  it('reads extensions, their parameters and values, in order', () => {
    expect(parse('permessage-deflate')).toEqual({ extensions: [ext('permessage-deflate')], errorsAt: [] });
    expect(parse('foo, bar; baz=2')).toEqual({ extensions: [ext('foo'), ext('bar', ['baz', '2'])], errorsAt: [] });
    // RFC 7692 §5's offer: two alternatives of one extension, a parameter with and without a value.
    expect(parse('permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate; client_max_window_bits')).toEqual({
      extensions: [ext('permessage-deflate', ['client_max_window_bits'], ['server_max_window_bits', '10']), ext('permessage-deflate', ['client_max_window_bits'])],
      errorsAt: [],
    });
    // Names are returned as written; matching them is the caller's business.
    expect(parse('X-Foo; Bar=Baz').extensions).toEqual([ext('X-Foo', ['Bar', 'Baz'])]);
  });

  it('takes a quoted-string value, unescaped, when it is a token once unquoted', () => {
    expect(parse('permessage-deflate; client_max_window_bits="10"').extensions).toEqual([ext('permessage-deflate', ['client_max_window_bits', '10'])]);
    expect(parse('x; a="\\1\\0"; b="~!#$%&\'*+-.^_`|"').extensions).toEqual([ext('x', ['a', '10'], ['b', "~!#$%&'*+-.^_`|"])]);
    expect(parse('x; a=""').errorsAt).toEqual([5]); // an empty value is not a token
  });

  it('allows spaces and tabs between words and separators (implied *LWS), and empty list elements', () => {
    expect(parse(' foo ;\tbar = 1 ;baz,qux\t')).toEqual({ extensions: [ext('foo', ['bar', '1'], ['baz']), ext('qux')], errorsAt: [] });
    expect(parse(', foo,, ,bar ,')).toEqual({ extensions: [ext('foo'), ext('bar')], errorsAt: [] });
  });

  it('is not fooled by separators inside a quoted-string', () => {
    // "b,c" is no token, so the value is an error, but its comma does not split the list.
    expect(parse('x; a="b,c"; d, y')).toEqual({ extensions: [ext('x', ['d']), ext('y')], errorsAt: [5] });
    expect(parse('x; a="b;\\"c", y')).toEqual({ extensions: [ext('x'), ext('y')], errorsAt: [5] });
  });

  it('reports bad input with the offset, and reads on after it', () => {
    const cases: [string, Extension[], number[]][] = [
      ['', [], [0]], // 1#extension: at least one
      [' , ', [], [0]],
      ['"permessage-deflate"', [], [0]], // a name is a token, never quoted
      ['a;', [ext('a')], [2]],
      ['a; =1, b', [ext('a'), ext('b')], [3]],
      ['a; b=', [ext('a')], [5]],
      ['a; b=, c', [ext('a'), ext('c')], [5]],
      ['a b, c', [ext('a'), ext('c')], [2]],
      ['a; b=1 2; c', [ext('a', ['b', '1'], ['c'])], [7]],
      ['a; b="unterminated, c', [ext('a')], [5]],
      ['a; b="x\\"y"', [ext('a')], [5]], // x"y is no token
      ['a; b="x\u0001y"; c', [ext('a', ['c'])], [7]], // control characters are not qdtext
      ['a; b="x\\', [ext('a')], [5]], // a backslash with nothing to escape: the string is never closed
      ['a; b="é"', [ext('a')], [5]], // obs-text is qdtext, but no token
      ['a; b="x\\\u0001"; c', [ext('a', ['c'])], [8]], // a quoted-pair escapes no control character
      ['a@b, c', [ext('a'), ext('c')], [1]],
      ['a;;b', [ext('a', ['b'])], [2]],
      ['a; b==1', [ext('a')], [5]],
      ['a; b=c=d', [ext('a', ['b', 'c'])], [6]],
    ];
    for (const [input, extensions, errorsAt] of cases) expect(parse(input), input).toEqual({ extensions, errorsAt });
    for (const e of parseExtensionList('a; b="x\\"y"; c=1 2').errors) expect(e.message).toMatch(/\S/);
  });

  it('knows a token (RFC 7230 §3.2.6)', () => {
    expect(isToken('permessage-deflate')).toBe(true);
    expect(isToken("!#$%&'*+-.^_`|~09AZaz")).toBe(true);
    for (const s of ['', 'a b', 'a,b', 'a;b', 'a=b', '"a"', 'a/b', 'a:b', 'é', 'a\tb', 'a\u007f']) expect(isToken(s), s).toBe(false);
  });

  const tokenArb = fc.string({ unit: fc.constantFrom(...'abcxyzABZ019!#$%&\'*+-.^_`|~'), minLength: 1, maxLength: 8 });
  const owsArb = fc.string({ unit: fc.constantFrom(' ', '\t'), maxLength: 2 });
  const listArb = fc.array(
    fc.record({ name: tokenArb, params: fc.array(fc.record({ name: tokenArb, value: fc.option(tokenArb, { nil: undefined }), quote: fc.boolean(), escape: fc.boolean() }), { maxLength: 4 }) }),
    { minLength: 1, maxLength: 4 },
  );

  it('property: a list written by the grammar reads back as written', () => {
    fc.assert(
      fc.property(listArb, owsArb, (list, ows) => {
        const quote = (v: string, escape: boolean) => `"${escape ? v.replace(/./g, (c) => '\\' + c) : v}"`;
        const text = list
          .map((e) => [e.name, ...e.params.map((p) => (p.value === undefined ? p.name : `${p.name}${ows}=${ows}${p.quote ? quote(p.value, p.escape) : p.value}`))].join(`${ows};${ows}`))
          .join(`${ows},${ows}`);
        expect(parse(text)).toEqual({
          extensions: list.map((e) => ({ name: e.name, params: e.params.map((p) => (p.value === undefined ? { name: p.name } : { name: p.name, value: p.value })) })),
          errorsAt: [],
        });
      }),
    );
  });

  it('property: never throws; errors lie within the value; every name and value read is a token', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: fc.constantFrom('a', 'b', ';', ',', '=', '"', '\\', ' ', '\t', 'é', '\u0001'), maxLength: 40 })), (s) => {
        const r = parseExtensionList(s);
        for (const e of r.errors) expect(e.offset).toBeGreaterThanOrEqual(0), expect(e.offset).toBeLessThanOrEqual(s.length);
        for (const x of r.extensions) {
          expect(isToken(x.name)).toBe(true);
          for (const p of x.params) expect(isToken(p.name) && (p.value === undefined || isToken(p.value))).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
