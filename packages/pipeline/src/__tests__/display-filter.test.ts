import { from, filter, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { NetrxError } from '@netrx/core';
import { DisplayFilterError, compileDisplayFilter } from '../index.js';

// Records as `netrx ws --format jsonl` writes them.
const records = [
  { ts: '1795491605.359061000', stream: 1, client: '127.0.0.1:55432', server: '127.0.0.1:7272', dir: 'c2s', type: 'text', length: 53, text: '{"type":"login"}', compressed: true, frames: 1 },
  { ts: '1795491605.362846000', stream: 1, client: '127.0.0.1:55432', server: '127.0.0.1:7272', dir: 's2c', type: 'ping', length: 9, hex: '686561727462656174', compressed: false, frames: 1 },
  { ts: '1795491605.366039000', stream: 1, client: '127.0.0.1:55432', server: '127.0.0.1:7272', dir: 'c2s', type: 'text', length: 59, text: '{"type":"say","content":"hi, all ！"}', compressed: true, frames: 1 },
  { ts: '1795491605.377969000', stream: 0, client: '127.0.0.1:55431', server: '127.0.0.1:7272', dir: 'c2s', type: 'binary', length: 1256, hex: '0001', compressed: false, frames: 3 },
  { ts: '1795491605.390890000', stream: 2, client: '[::1]:51000', server: '[::1]:7320', dir: 's2c', type: 'text', length: 4, text: 'SAY!', compressed: false, frames: 1, warnings: [{ code: 'WARN_WS_BAD_UTF8', message: 'x' }] },
  { ts: '1795491605.405706000', stream: 1, client: '127.0.0.1:55432', server: '127.0.0.1:7272', dir: 'c2s', type: 'close', length: 5, hex: '03e8627965', code: 1000, reason: 'bye', compressed: false, frames: 1 },
];

/** Indices of the records the filter shows. */
const shown = (expr: string) => records.flatMap((r, i) => (compileDisplayFilter(expr)(r) ? [i] : []));

describe('compileDisplayFilter', () => {
  it.each([
    ['stream == 1 && dir == "c2s"', [0, 2, 5]],
    ['stream eq 1 and dir == c2s', [0, 2, 5]],
    ['type in {text binary}', [0, 2, 3, 4]],
    ['type in {text, "close"}', [0, 2, 4, 5]],
    ['stream in {0..1}', [0, 1, 2, 3, 5]],
    ['text contains "say"', [2]],
    ['text matches "^\\\\{"', [0, 2]],
    ['text ~ "say"', [2, 4]],
    ['text matches "(?-i)say"', [2]],
    ['length > 1000', [3]],
    ['length <= 9 || code == 1000', [1, 4, 5]],
    ['client.port == 55432', [0, 1, 2, 5]],
    ['server.ip == "::1"', [4]],
    ['client.ip == 127.0.0.1 and not client.port == 55432', [3]],
    ['warnings', [4]],
    ['warnings.code == "WARN_WS_BAD_UTF8"', [4]],
    ['!warnings', [0, 1, 2, 3, 5]],
    ['compressed', [0, 2]],
    ['not compressed and (type == ping or type == close)', [1, 5]],
    ['dir == "c2s" || dir == "s2c" && stream == 2', [0, 2, 3, 4, 5]],
    ['(dir == "c2s" || dir == "s2c") && stream == 2', [4]],
    ['code != 1000', []],
    ['type != text', [1, 3, 5]],
    ['ts > 1795491605.38', [4, 5]],
    ['frames >= 3', [3]],
    ['reason', [5]],
    ['nosuch == 1', []],
  ])('%s', (expr, expected) => {
    expect(shown(expr)).toEqual(expected);
  });

  it('is a predicate for filter()', async () => {
    const kept = await lastValueFrom(from(records).pipe(filter(compileDisplayFilter('type == "text" && length < 60')), toArray()));
    expect(kept.map((r) => r.length)).toEqual([53, 59, 4]);
  });

  it.each([
    ['stream == ', 11, 'expected a value after "=="'],
    ['stream = 1', 8, '"=" is not an operator (did you mean "=="?)'],
    ['(stream == 1', 13, 'a ")" is missing for the "(" at column 1'],
    ['stream == 1)', 12, 'this ")" closes nothing'],
    ['text contains "say', 15, 'the string is not closed'],
    ['type in {text', 14, 'a "}" is missing'],
    ['stream == 1 dir == "c2s"', 13, 'expected "and", "or" or the end of the filter, not "dir"'],
    ['text matches "("', 14, 'not a regular expression'],
    ['== 1', 1, 'expected a field name, not "=="'],
    ['', 1, 'the filter is empty'],
    ['stream == 1 &&', 15, 'the filter ends where a field name was expected'],
  ])('refuses %j at column %i', (expr, column, problem) => {
    let err: unknown;
    try {
      compileDisplayFilter(expr);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DisplayFilterError);
    expect(err).toBeInstanceOf(NetrxError);
    const e = err as DisplayFilterError;
    expect(e.code).toBe('ERR_INVALID_OPTION');
    expect(e.column).toBe(column);
    expect(e.problem).toContain(problem);
    expect(e.pointer('')).toBe(`${expr}\n${' '.repeat(column - 1)}^`);
  });

  it('refuses a field the records do not have, when told which they have', () => {
    expect(() => compileDisplayFilter('stream == 1 && dri == c2s', { fields: ['stream', 'dir'] })).toThrow(/"dri" is not a field of these records.*\(column 16\)/);
    expect(() => compileDisplayFilter('dir.x == 1', { fields: ['stream', 'dir'] })).not.toThrow();
  });
});
