import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { websocketMessageJson, writeWebSocketMessageJson } from '../websocket-json.js';
import { textIsPayload } from '../lazy-text.js';
import { drive, encodeFrame, upgrade } from './frames.js';
import { byteSink } from './json-sink.js';

const M = 0x11223344;

describe('text messages: text decoded when first read', () => {
  it('reads, spreads, compares and serialises like a plain property, in the same key order', () => {
    const t = drive(upgrade());
    t.c2s(encodeFrame({ opcode: 1, payload: 'héllo "you" 🙂', mask: M }));
    t.s2c(encodeFrame({ opcode: 2, payload: Uint8Array.of(1, 2) }));
    const [m, bin] = t.messages();
    expect(m!.text).toBe('héllo "you" 🙂');
    expect(m!.text).toBe(m!.text); // decoded once, then the same string
    expect({ ...m }.text).toBe('héllo "you" 🙂');
    expect(Object.keys(m!)).toEqual(Object.keys(bin!)); // `text` after `payload`, as before
    expect(Object.keys(m!)).toContain('text');
    expect(m).toMatchObject({ kind: 'text', text: 'héllo "you" 🙂' });
    expect(JSON.parse(JSON.stringify(m, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).text).toBe('héllo "you" 🙂');
    expect(textIsPayload(m!)).toBe(true);
    expect(bin!.text).toBeUndefined();
    expect(textIsPayload(bin!)).toBe(false);
  });

  it('decodes invalid UTF-8 with U+FFFD and warns, keeps a BOM, and gives "" for an empty message', () => {
    const t = drive(upgrade());
    t.c2s(
      encodeFrame({ opcode: 1, payload: Uint8Array.of(0x61, 0xff, 0x62), mask: M }),
      encodeFrame({ opcode: 1, payload: Uint8Array.of(0xef, 0xbb, 0xbf, 0x78), mask: M }),
      encodeFrame({ opcode: 1, payload: new Uint8Array(0), mask: M }),
    );
    const [bad, bom, empty] = t.messages();
    expect(bad!.text).toBe('a\ufffdb');
    expect(bad!.warnings.map((w) => w.code)).toEqual(['WARN_WS_INVALID_UTF8']);
    expect(bom!.text).toBe('\ufeffx');
    expect(empty!.text).toBe('');
  });

  it('an assigned text is kept, and no longer stands for the payload', () => {
    const t = drive(upgrade());
    t.c2s(encodeFrame({ opcode: 1, payload: 'abc', mask: M }));
    const m = t.messages()[0]! as { text?: string };
    m.text = 'changed';
    expect(m.text).toBe('changed');
    expect(textIsPayload(t.messages()[0]!)).toBe(false);
  });
});

describe('writeWebSocketMessageJson on dissected messages (text written from the payload bytes)', () => {
  it('writes what websocketMessageJson writes, for any payload', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 100 }).map((s) => Buffer.from(s)), fc.uint8Array({ maxLength: 60 })), { minLength: 1, maxLength: 4 }),
        fc.constantFrom(1, 2),
        (payloads, opcode) => {
          const t = drive(upgrade());
          for (const p of payloads) t.s2c(encodeFrame({ opcode, payload: p }));
          for (const m of t.messages()) {
            const s = byteSink();
            writeWebSocketMessageJson(m, s);
            expect(s.line()).toBe(websocketMessageJson(m));
          }
        },
      ),
    );
  });
});
