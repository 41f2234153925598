import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JSON_ESCAPE_BLOCK, writeJsonStringBody } from '../json-string-body.js';

/** The inside of the JSON string of `text`, written in blocks as the line writers do. */
function body(text: string): string {
  const utf8 = Buffer.from(text, 'utf8');
  const out = new Uint8Array(utf8.length * 6);
  let pos = 0;
  for (let start = 0; start < utf8.length; start += JSON_ESCAPE_BLOCK) pos = writeJsonStringBody(out, pos, utf8, start, Math.min(utf8.length, start + JSON_ESCAPE_BLOCK));
  return Buffer.from(out.subarray(0, pos)).toString('utf8');
}

describe('writeJsonStringBody', () => {
  it('writes what JSON.stringify writes inside the quotes, for any text', () => {
    // Valid UTF-8 only: a lone surrogate has no UTF-8 form.
    const text = fc.string({ unit: 'binary' }).filter((t) => Buffer.from(t, 'utf8').toString('utf8') === t);
    fc.assert(
      fc.property(text, (t) => {
        expect(body(t)).toBe(JSON.stringify(t).slice(1, -1));
      }),
    );
  });

  it('the same for runs of one escaped byte (written by doubling copies), short and long, across blocks', () => {
    const run = fc.tuple(fc.constantFrom('\0', '"', '\\', '\n', '\u001f', 'a', 'é'), fc.integer({ min: 1, max: 40 }));
    fc.assert(
      fc.property(fc.array(run, { maxLength: 12 }), (runs) => {
        const t = runs.map(([c, n]) => c.repeat(n)).join('');
        expect(body(t)).toBe(JSON.stringify(t).slice(1, -1));
      }),
    );
    const big = `x${'\0'.repeat(JSON_ESCAPE_BLOCK * 2 + 7)}"y`;
    expect(body(big)).toBe(JSON.stringify(big).slice(1, -1));
  });
});
