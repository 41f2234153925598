// The page's DOM-free modules, in node: formatting, the column store, the filter, the model.
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ES modules of the page, without type declarations
import { base64, hexDump, hexToBytes, oneLine, parseTs, relativeTime, timeOfDay, toRanges, fullTime } from '../../static/format.js';
// @ts-expect-error see above
import { F, MessageStore } from '../../static/message-store.js';
// @ts-expect-error see above
import { compileFilter, defaultFilter } from '../../static/filter.js';
// @ts-expect-error see above
import { Model, expandRanges } from '../../static/model.js';

const line = (o: Record<string, unknown>) => ({ ts: '1795491605.359061000', stream: 1, client: 'a', server: 'b', dir: 'c2s', type: 'text', length: 2, text: 'hi', compressed: false, frames: 1, ...o });

describe('format', () => {
  it('writes times as netrx ws does (UTC time of day), relative, and whole', () => {
    expect(timeOfDay(1795491605, 359061000)).toBe('03:40:05.359061');
    expect(relativeTime(1795491606, 100, 1795491605, 359061000)).toBe('+0.640939');
    expect(relativeTime(1795491605, 0, 1795491605, 1000)).toBe('-0.000001');
    expect(fullTime(1795491605, 359061000)).toBe('2026-11-24 03:40:05.359061000 UTC');
    expect(parseTs('1795491605.000000001')).toEqual([1795491605, 1]);
  });

  it('dumps bytes as hex and ASCII, and as base64', () => {
    const b = hexToBytes('7b2268656c6c6f223a317d0001ff');
    expect(hexDump(b)).toBe('00000000  7b 22 68 65 6c 6c 6f 22  3a 31 7d 00 01 ff        |{"hello":1}...|');
    expect(base64(b)).toBe(Buffer.from('7b2268656c6c6f223a317d0001ff', 'hex').toString('base64'));
    const big = new Uint8Array(100_000).map((_, i) => i);
    expect(base64(big)).toBe(Buffer.from(big).toString('base64'));
    expect(hexDump(big, 32).split('\n')).toHaveLength(2);
  });

  it('keeps a preview on one line', () => {
    expect(oneLine('a\nb\tc')).toBe('a⏎b·c');
    expect(oneLine('abcdef', 3)).toBe('abc…');
  });

  it('writes message numbers as ranges, and reads them back', () => {
    expect(toRanges([0, 1, 2, 5, 7, 8])).toBe('0-2,5,7-8');
    expect(expandRanges('0-2,5,7-8')).toEqual([0, 1, 2, 5, 7, 8]);
    expect(expandRanges('')).toEqual([]);
    expect(toRanges([])).toBe('');
  });
});

describe('MessageStore', () => {
  it('keeps messages in columns, flags what they carry, and drops the oldest', () => {
    const s = new MessageStore(2);
    s.push(line({}), 10);
    s.push(line({ type: 'close', dir: 's2c', hex: '03e8627965', text: undefined, code: 1000, reason: 'bye', length: 5 }), 11);
    s.push(line({ capped: true, compressed: true, frames: 3, warnings: [{ code: 'W', message: 'w' }] }), 12);
    expect(s.n).toBe(3);
    expect([s.dir[1], s.kind[1], s.len[1]]).toEqual([1, 4, 5]);
    expect(s.searchText(1)).toBe('1000 bye 03e8627965');
    expect(s.flags[2]).toBe(F.CAPPED | F.COMPRESSED | F.WARNINGS);
    expect(s.frames[2]).toBe(3);
    expect(s.sec[0]).toBe(1795491605);
    expect(s.ns[0]).toBe(359061000);
    expect(s.indexOf(12)).toBe(2);
    s.dropOldest(2);
    expect(s.n).toBe(1);
    expect(s.seq[0]).toBe(12);
    expect(s.extra.has(11)).toBe(false);
    expect(s.extra.has(12)).toBe(true);
    expect(s.indexOf(10)).toBe(-1);
  });
});

describe('filter', () => {
  const store = new MessageStore();
  store.push(line({ text: 'Hello world' }), 0);
  store.push(line({ dir: 's2c', text: 'bye' }), 1);
  store.push(line({ type: 'binary', text: undefined, hex: 'deadbeef', stream: 2 }), 2);
  store.push(line({ text: 'a preview that does not say it', capped: true }), 3);
  const shown = (patch: Record<string, unknown>) => {
    const f = compileFilter({ ...defaultFilter(), ...patch });
    return [0, 1, 2, 3].map((i) => f.test(store, i));
  };

  it('by direction, type and connection', () => {
    expect(shown({ s2c: false })).toEqual([true, false, true, true]);
    expect(shown({ kinds: { ...defaultFilter().kinds, text: false } })).toEqual([false, false, true, false]);
    expect(shown({ conns: new Set([2]) })).toEqual([false, false, true, false]);
  });

  it('by substring (any case) or regular expression; a capped preview that does not match is undecided', () => {
    expect(shown({ query: 'hello' })).toEqual([true, false, false, undefined]);
    expect(shown({ query: 'dead' })).toEqual([false, false, true, undefined]);
    expect(shown({ query: '^b', regex: true })).toEqual([false, true, false, undefined]);
    expect(shown({ query: 'preview', regex: false })).toEqual([false, false, false, true]);
    const bad = compileFilter({ ...defaultFilter(), query: '(', regex: true });
    expect(bad.error).toBeTruthy();
    expect(bad.test(store, 0)).toBe(true);
    expect(compileFilter({ ...defaultFilter(), query: 'xyz' }).testFull({ type: 'text', text: '…xyz' })).toBe(true);
  });
});

describe('Model', () => {
  it('shows what the filter lets through, and keeps the list still while paused', async () => {
    const m = new Model(async () => ({ ok: true, json: async () => ({}) }));
    m.hello({ title: 't', maxMessages: 100 });
    m.messages({ first: 0, m: [line({}), line({ dir: 's2c' })] });
    expect(m.shownN).toBe(2);
    m.setPaused(true);
    m.messages({ first: 2, m: [line({}), line({})] });
    expect(m.shownN).toBe(2);
    expect(m.waiting).toBe(2);
    m.setFilter({ s2c: false });
    expect(m.shownN).toBe(1);
    m.setPaused(false);
    expect(m.shownN).toBe(3);
    expect(m.shownSeqs()).toEqual([0, 2, 3]);
    // A resumed stream repeating messages does not duplicate them.
    m.messages({ first: 3, m: [line({}), line({})] });
    expect(m.store.n).toBe(5);
  });

  it('asks the server about capped previews a payload filter cannot decide on: which match a substring, or their lines for a regex', async () => {
    const asked: string[] = [];
    const m = new Model(async (url: string, init: { body: string }) => {
      asked.push(`${url} ${init.body}`);
      return url.startsWith('api/match')
        ? { ok: true, text: async () => '1' }
        : { ok: true, json: async () => ({ 1: line({ text: 'preview… and the needle at the end' }), 3: line({ text: 'preview… no' }) }) };
    });
    m.messages({ first: 0, m: [line({ text: 'no' }), line({ text: 'preview…', capped: true }), line({ text: 'needle' }), line({ text: 'preview…', capped: true })] });
    m.setFilter({ query: 'needle' });
    expect(m.shownSeqs()).toEqual([2]);
    await new Promise((r) => setTimeout(r, 10));
    expect(asked).toEqual(['api/match?q=needle 1,3']);
    expect(m.shownSeqs()).toEqual([1, 2]);
    m.setFilter({ query: 'n[e]+dle', regex: true });
    await new Promise((r) => setTimeout(r, 10));
    expect(asked[1]).toBe('api/messages?keyed 1,3');
    expect(m.shownSeqs()).toEqual([1, 2]);
  });

  it('drops its oldest messages past the server’s cap, and tells the list', () => {
    const m = new Model();
    m.hello({ title: 't', maxMessages: 4 });
    let shifted = 0;
    m.onShift = (n: number) => (shifted += n);
    m.messages({ first: 0, m: Array.from({ length: 4 }, () => line({})) });
    m.messages({ first: 4, m: Array.from({ length: 2 }, () => line({})) });
    expect(m.store.n).toBe(4);
    expect(m.dropped).toBe(2);
    expect(shifted).toBe(2);
    expect(m.shownSeqs()).toEqual([2, 3, 4, 5]);
  });
});
