import { inflateRawSync, constants } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SyncDeflater } from '../sync-deflater.js';

/** What a receiver with context takeover inflates: every message with its `00 00 ff ff` tail restored, in order. */
function inflateAll(messages: Uint8Array[]): Buffer {
  const tail = Buffer.from([0, 0, 0xff, 0xff]);
  return inflateRawSync(Buffer.concat(messages.flatMap((m) => [m, tail])), { finishFlush: constants.Z_SYNC_FLUSH });
}

describe('SyncDeflater', () => {
  it('compresses message after message in one context (RFC 7692 §7.2.1), tail removed', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: 'grapheme' }).map((s) => Buffer.from(s.repeat(3))), fc.uint8Array({ maxLength: 70_000 })), { maxLength: 12 }), (messages) => {
        const d = new SyncDeflater();
        const out = messages.map((m) => d.deflate(m));
        expect(inflateAll(out)).toEqual(Buffer.concat(messages));
      }),
      { numRuns: 60 },
    );
  });

  it('uses earlier messages as history: a repeated message compresses to less the second time', () => {
    const msg = Buffer.from('{"type":"say","from":"user1","content":"the quick brown fox jumps over the lazy dog"}');
    const d = new SyncDeflater();
    const first = d.deflate(msg);
    const second = d.deflate(msg);
    expect(second.length).toBeLessThan(first.length / 2);
    expect(inflateAll([first, second]).toString()).toBe(msg.toString() + msg.toString());
  });
});
