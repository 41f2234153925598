import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { END_TAG, LINE_FIELDS, LineField, TaggedLineBuffer } from '../parallel/tagged-line-buffer.js';

function text(buf: TaggedLineBuffer): { lines: string[]; fields: number[][] } {
  const { bytes, lines } = buf.take();
  const s = Buffer.from(bytes).toString();
  const fields: number[][] = [];
  for (let i = 0; i < lines.length; i += LINE_FIELDS) fields.push(Array.from(lines.subarray(i, i + LINE_FIELDS)));
  return { lines: s.split('\n').slice(0, -1), fields };
}

describe('TaggedLineBuffer', () => {
  test('escapes UTF-8 as JSON.stringify escapes the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', '\u007f', 'a', 'é'), maxLength: 100 }), (a, b) => {
        const s = a + b + 'x'.repeat(60) + b;
        const buf = new TaggedLineBuffer([], () => 0);
        buf.text('"');
        buf.jsonStringBody(Buffer.from(s));
        buf.text('"');
        buf.endLine();
        expect(text(buf).lines).toEqual([JSON.stringify(s)]);
      }),
    );
  });

  test('tags each line with its frame, clock or own, and channel; muted lines are dropped', () => {
    const buf = new TaggedLineBuffer([], () => 0);
    buf.tag(7, false);
    buf.line('seven');
    buf.tag(8, true);
    buf.messages.line('clock message');
    buf.tag(9, false, true);
    buf.line('muted');
    buf.text('muted too');
    buf.endLine();
    buf.tag(END_TAG, true);
    buf.line('end');
    const { lines, fields } = text(buf);
    expect(lines).toEqual(['seven', 'clock message', 'end']);
    expect(fields.map((f) => [f[LineField.Tag], f[LineField.ByClock], f[LineField.Channel]])).toEqual([
      [7, 0, 0],
      [8, 1, 1],
      [Infinity, 1, 0],
    ]);
    expect(fields.map((f) => f[LineField.End])).toEqual([6, 20, 24]);
  });

  test('finds the connection id after the marker, only a plain number of a known connection, near the start', () => {
    const buf = new TaggedLineBuffer(['"stream":', '#'], () => 12);
    buf.tag(1, false);
    buf.line('{"ts":"1.5","stream":11,"x":"#3"}');
    buf.line('{"stream":12}');
    buf.line('{"stream":05}');
    buf.line('{"stream":0}');
    buf.line(`{"text":"${'y'.repeat(300)}","stream":3}`);
    buf.messages.line('12:00:00.000000000 #4 1.2.3.4:5 → x');
    const { fields } = text(buf);
    const ids = fields.map((f) => (f[LineField.IdStart]! < 0 ? undefined : [f[LineField.LocalId], f[LineField.IdEnd]! - f[LineField.IdStart]!]));
    expect(ids).toEqual([[11, 2], undefined, undefined, [0, 1], undefined, [4, 1]]);
    expect(fields[0]![LineField.IdStart]).toBe('{"ts":"1.5","stream":'.length);
  });

  test('take() starts over and returns copies', () => {
    const buf = new TaggedLineBuffer([], () => 0);
    buf.tag(1, false);
    buf.line('a');
    const first = buf.take();
    buf.line('b');
    expect(Buffer.from(first.bytes).toString()).toBe('a\n');
    expect(Buffer.from(buf.take().bytes).toString()).toBe('b\n');
    expect(buf.lines).toBe(0);
  });
});
