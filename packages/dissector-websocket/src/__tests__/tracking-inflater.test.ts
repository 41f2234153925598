// The unknown-tracking inflater: with the whole history it must agree with native zlib byte for
// byte (every level, strategy, window size, sync-flushed message sequences with context takeover);
// with history missing, every byte it calls known must be right; bad input is a value, never a throw.
import zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TrackingInflater } from '../tracking-inflater.js';
import { unknownRuns, type TrackingInflateResult } from '../tracking-inflate-result.js';
import { chatMessages, dataOfKind, pakoSequence, prng, zlibInflateAll, zlibSequence, type DeflateKnobs } from './deflate-sequences.js';

const MB = 1 << 20;
const { Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED } = zlib.constants;
const STRATEGIES = [Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED];

function ok(r: TrackingInflateResult): Extract<TrackingInflateResult, { ok: true }> {
  if (!r.ok) throw new Error(`inflate failed: ${r.code} at ${r.offset}`);
  return r;
}

/** Inflates a sequence with full history; returns each message's bytes. */
function inflateAll(compressed: readonly Uint8Array[], windowBits = 15): Uint8Array[] {
  const inf = new TrackingInflater({ maxOutput: 64 * MB, windowBits });
  return compressed.map((c) => {
    const r = ok(inf.inflate(c));
    expect(r.unknownBytes).toBe(0);
    expect(r.unknown).toBeUndefined();
    return r.data;
  });
}

describe('TrackingInflater with the whole history', () => {
  it('equals zlib on whole streams: every level, strategy and window size, several kinds of data', () => {
    let cases = 0;
    for (const kind of ['random', 'text', 'runs', 'mixed', 'zeros'] as const) {
      const src = dataOfKind(kind, 70_000, kind.length);
      for (let level = 0; level <= 9; level++) {
        for (const strategy of STRATEGIES) {
          for (const windowBits of [9, 12, 15]) {
            const c = zlib.deflateRawSync(src, { level, strategy, windowBits });
            const r = ok(new TrackingInflater({ maxOutput: MB }).inflateRaw(c));
            expect(r.ended).toBe(true);
            expect(Buffer.from(r.data).equals(zlib.inflateRawSync(c))).toBe(true);
            cases++;
          }
        }
      }
    }
    expect(cases).toBe(5 * 10 * 5 * 3);
  });

  it('equals zlib on sync-flushed message sequences with context takeover (native zlib deflater, windowBits 9-15)', async () => {
    const messages = [...chatMessages(60, 1), dataOfKind('random', 3000, 2), dataOfKind('text', 40_000, 3), new Uint8Array(0), ...chatMessages(20, 4)];
    for (const windowBits of [9, 10, 11, 12, 13, 14, 15]) {
      for (const [level, strategy] of [[1, Z_DEFAULT_STRATEGY], [6, Z_DEFAULT_STRATEGY], [9, Z_FILTERED], [4, Z_RLE], [6, Z_FIXED], [3, Z_HUFFMAN_ONLY], [0, Z_DEFAULT_STRATEGY]] as const) {
        const knobs: DeflateKnobs = { level, strategy, windowBits, memLevel: 8 };
        const compressed = await zlibSequence(messages, knobs);
        // Our window as large as the peer's, and the receiver's usual 15: both must work.
        for (const ours of [Math.max(windowBits, 9), 15]) {
          const got = inflateAll(compressed, ours);
          expect(Buffer.concat(got).equals(zlibInflateAll(compressed))).toBe(true);
          got.forEach((g, i) => expect(Buffer.from(g).equals(messages[i]!), `message ${i}, ${JSON.stringify(knobs)}`).toBe(true));
        }
      }
    }
  });

  it('equals zlib on arbitrary message sequences and zlib settings (fast-check, pako deflater)', () => {
    const message = fc.oneof(
      fc.uint8Array({ maxLength: 2000 }),
      fc.string({ maxLength: 500 }).map((s) => new TextEncoder().encode(s)),
      fc.tuple(fc.string({ maxLength: 20 }), fc.integer({ min: 1, max: 200 })).map(([s, n]) => new TextEncoder().encode(s.repeat(n))),
    );
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 1, maxLength: 25 }),
        fc.record({ level: fc.integer({ min: 0, max: 9 }), strategy: fc.constantFrom(...STRATEGIES), windowBits: fc.integer({ min: 9, max: 15 }), memLevel: fc.integer({ min: 1, max: 9 }) }),
        fc.boolean(),
        (messages, knobs, takeover) => {
          const compressed = pakoSequence(messages, knobs, takeover);
          const inf = new TrackingInflater({ maxOutput: 8 * MB });
          compressed.forEach((c, i) => {
            if (!takeover) inf.resetEmpty();
            const r = ok(inf.inflate(c));
            expect(r.unknownBytes).toBe(0);
            expect(Buffer.from(r.data).equals(messages[i]!)).toBe(true);
          });
          // zlib itself misreads a message sent as no bytes at all (its appended tail starts a
          // stored block), so compare with it only where every message has bytes.
          if (takeover && compressed.every((c) => c.length > 0)) {
            const all = Buffer.concat(messages);
            expect(zlibInflateAll(compressed).equals(all)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('takes a message in parts (a fragmented message\'s frames) as in one piece', () => {
    const [c] = pakoSequence([dataOfKind('text', 5000, 9)], { level: 6, strategy: 0, windowBits: 15, memLevel: 8 });
    const whole = ok(new TrackingInflater({ maxOutput: MB }).inflate(c!));
    const parts = ok(new TrackingInflater({ maxOutput: MB }).inflate([c!.subarray(0, 7), c!.subarray(7, 8), c!.subarray(8)]));
    expect(Buffer.from(parts.data).equals(whole.data)).toBe(true);
  });

  it('starts a new stream, with empty history, after a final block', () => {
    const a = zlib.deflateRawSync(Buffer.from('first stream, first stream'));
    const b = zlib.deflateRawSync(Buffer.from('second stream'));
    const inf = new TrackingInflater({ maxOutput: MB });
    const r1 = ok(inf.inflateRaw(a));
    expect(r1.ended).toBe(true);
    const r2 = ok(inf.inflateRaw(b));
    expect(Buffer.from(r2.data).toString()).toBe('second stream');
    // A reference before the start of the new stream is an error, not unknown bytes.
    const ref = pakoSequence([Buffer.from('abcdefgh'), Buffer.from('abcdefgh')], { level: 6, strategy: 0, windowBits: 15, memLevel: 8 });
    const r3 = new TrackingInflater({ maxOutput: MB }).inflate(ref[1]!);
    expect(r3).toMatchObject({ ok: false, code: 'ERR_INFLATE_DISTANCE_TOO_FAR' });
  });
});

describe('TrackingInflater with history missing', () => {
  /** Decodes messages k.. of a sequence from an unknown window; checks every known byte. */
  function checkFromUnknown(messages: readonly Uint8Array[], compressed: readonly Uint8Array[], k: number, windowBits = 15): { unknown: number; exactAfter: number } {
    const inf = new TrackingInflater({ maxOutput: 16 * MB, windowBits, history: 'unknown' });
    let unknown = 0;
    let exactAfter = -1;
    for (let i = k; i < compressed.length; i++) {
      const r = ok(inf.inflate(compressed[i]!));
      const want = messages[i]!;
      expect(r.data.length).toBe(want.length);
      let count = 0;
      for (let j = 0; j < want.length; j++) {
        if (r.unknown?.[j]) count++;
        else if (r.data[j] !== want[j]) throw new Error(`message ${i} byte ${j}: known as ${r.data[j]}, sent ${want[j]}`);
      }
      expect(count).toBe(r.unknownBytes);
      expect(r.unknown === undefined).toBe(r.unknownBytes === 0);
      unknown += r.unknownBytes;
      if (r.unknownBytes > 0) exactAfter = -1;
      else if (exactAfter < 0) exactAfter = i;
    }
    return { unknown, exactAfter };
  }

  it('marks what it cannot know, and everything it calls known is what was sent (chat with context takeover, k = 1, 3, 5, 10)', async () => {
    const messages = chatMessages(300, 7);
    const compressed = await zlibSequence(messages, { level: 6, strategy: Z_DEFAULT_STRATEGY, windowBits: 15, memLevel: 8 });
    for (const k of [1, 3, 5, 10]) {
      const { unknown } = checkFromUnknown(messages, compressed, k);
      // The messages after the cut copy words from history we never saw. (With a small vocabulary
      // they keep copying the latest copy, so this chat never converges: the unknown bytes are
      // simply not in the capture.)
      expect(unknown).toBeGreaterThan(0);
    }
  });

  it('converges to exact messages once what is referred to was captured', async () => {
    // Before the cut: lowercase words and spaces. After it: first a few messages that mix in those
    // words, then only uppercase words and digits joined by '-', which never match what was lost.
    // (Low-entropy text that keeps copying what was lost never converges: one unknown space, copied
    // from copy to copy, stays unknown. The bytes are simply not in the capture.)
    const r = prng(3);
    const pick = (alphabet: string, n: number): string => Array.from({ length: n }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
    const lower = Array.from({ length: 40 }, () => pick('abcdefghijklmnopqrstuvwxyz', 6));
    const upper = Array.from({ length: 40 }, () => pick('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 6));
    const words = (vocab: string[], n: number, sep: string): string => Array.from({ length: n }, () => vocab[Math.floor(r() * vocab.length)]).join(sep);
    const messages = [
      ...Array.from({ length: 10 }, () => Buffer.from(words(lower, 50, ' '))),
      ...Array.from({ length: 5 }, () => Buffer.from(`${words(lower, 10, ' ')} ${words(upper, 10, '-')}`)),
      ...Array.from({ length: 400 }, () => Buffer.from(words(upper, 20, '-'))),
    ];
    const compressed = await zlibSequence(messages, { level: 6, strategy: Z_DEFAULT_STRATEGY, windowBits: 15, memLevel: 8 });
    const { unknown, exactAfter } = checkFromUnknown(messages, compressed, 10);
    expect(unknown).toBeGreaterThan(0);
    expect(exactAfter).toBeGreaterThanOrEqual(10);
    expect(exactAfter).toBeLessThan(20);
  });

  it('every known byte is right for arbitrary sequences, settings and cut points (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1 << 30 }),
        fc.integer({ min: 2, max: 40 }),
        fc.record({ level: fc.integer({ min: 1, max: 9 }), strategy: fc.constantFrom(...STRATEGIES), windowBits: fc.integer({ min: 9, max: 15 }), memLevel: fc.constant(8) }),
        (seed, n, knobs) => {
          const r = prng(seed);
          const messages = r() < 0.5 ? chatMessages(n, seed) : Array.from({ length: n }, (_, i) => dataOfKind((['text', 'runs', 'mixed'] as const)[i % 3], Math.floor(r() * 3000), seed + i));
          const compressed = pakoSequence(messages, knobs);
          const k = 1 + Math.floor(r() * (n - 1));
          checkFromUnknown(messages, compressed, k, r() < 0.5 ? 15 : knobs.windowBits);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('after a gap (resetUnknown) inside a sequence, known bytes stay right and the output converges', async () => {
    const before = chatMessages(60, 11);
    // After the gap the talk moves on to bytes that never refer to what was lost.
    const after = Array.from({ length: 200 }, (_, i) => dataOfKind('mixed', 400, 1000 + i).map((b) => (b >= 97 ? b : 0x30 + (b % 10))));
    const messages = [...before, ...after];
    const compressed = await zlibSequence(messages, { level: 9, strategy: Z_DEFAULT_STRATEGY, windowBits: 15, memLevel: 9 });
    const inf = new TrackingInflater({ maxOutput: MB });
    let partial = 0;
    for (let i = 0; i < messages.length; i++) {
      if (i >= 50 && i < 53) continue; // lost in a gap
      if (i === 53) inf.resetUnknown();
      const r = ok(inf.inflate(compressed[i]!));
      for (let j = 0; j < r.data.length; j++) if (!r.unknown?.[j]) expect(r.data[j]).toBe(messages[i]![j]);
      if (i < 50) expect(r.unknownBytes).toBe(0);
      if (r.unknownBytes > 0) partial++;
    }
    expect(partial).toBeGreaterThan(0);
    expect(inf.historyUnknown).toBe(false);
  });

  it('hands a fully known window to native zlib as its dictionary', async () => {
    const messages = Array.from({ length: 300 }, (_, i) => dataOfKind('mixed', 300, 50 + i));
    const compressed = await zlibSequence(messages, { level: 6, strategy: Z_DEFAULT_STRATEGY, windowBits: 15, memLevel: 8 });
    const inf = new TrackingInflater({ maxOutput: MB, history: 'unknown' });
    let i = 3;
    expect(inf.knownWindow()).toBeUndefined();
    while (inf.historyUnknown && i < 300) ok(inf.inflate(compressed[i++]!));
    expect(i).toBeLessThan(300);
    const dictionary = inf.knownWindow()!;
    expect(dictionary.length).toBe(32768);
    // Native zlib takes over from here, with the window as dictionary, and gets the rest right.
    const rest = compressed.slice(i);
    const tail = Buffer.from([0, 0, 0xff, 0xff]);
    const native = zlib.inflateRawSync(Buffer.concat(rest.flatMap((c) => [Buffer.from(c), tail])), { dictionary, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    expect(native.equals(Buffer.concat(messages.slice(i)))).toBe(true);
  });

  it('unknownRuns lists the unknown bytes as ranges', () => {
    expect(unknownRuns(undefined)).toEqual([]);
    expect(unknownRuns(Uint8Array.of(0, 1, 1, 0, 0, 1))).toEqual([
      [1, 3],
      [5, 6],
    ]);
  });
});

describe('TrackingInflater on bad input', () => {
  it('stops at the output cap (a deflate bomb is reported, not obeyed)', () => {
    const bomb = zlib.deflateRawSync(Buffer.alloc(10 * MB), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const inf = new TrackingInflater({ maxOutput: 100_000 });
    const r = inf.inflateRaw(bomb);
    expect(r).toMatchObject({ ok: false, code: 'ERR_INFLATE_TOO_LARGE' });
    // The history is unknown after an error, not silently wrong.
    expect(inf.historyUnknown).toBe(true);
    expect(ok(new TrackingInflater({ maxOutput: 10 * MB }).inflateRaw(bomb)).data.length).toBe(10 * MB);
  });

  it('gives stable codes and offsets', () => {
    const inf = () => new TrackingInflater({ maxOutput: MB });
    expect(inf().inflateRaw(Uint8Array.of(0x07))).toMatchObject({ ok: false, code: 'ERR_INFLATE_BLOCK_TYPE' });
    expect(inf().inflateRaw(Uint8Array.of(0x00, 0x05, 0x00, 0x00, 0x00))).toMatchObject({ ok: false, code: 'ERR_INFLATE_STORED_LENGTH', offset: 1 });
    expect(inf().inflateRaw(Uint8Array.of(0x00, 0x05, 0x00, 0xfa, 0xff, 0x61))).toMatchObject({ ok: false, code: 'ERR_INFLATE_TRUNCATED' });
    const c = zlib.deflateRawSync(Buffer.from('hello hello hello hello'), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    expect(inf().inflateRaw(c.subarray(0, 5))).toMatchObject({ ok: false, code: 'ERR_INFLATE_TRUNCATED' });
    expect(Buffer.from(ok(inf().inflateRaw(c)).data).toString()).toBe('hello hello hello hello');
    expect(ok(inf().inflate(new Uint8Array(0))).data.length).toBe(0);
  });

  it('never throws and agrees with zlib whenever it accepts mutated input (fast-check)', () => {
    const seeds = [...chatMessages(5, 3), dataOfKind('mixed', 2000, 4), dataOfKind('runs', 3000, 5)];
    const valid = STRATEGIES.flatMap((strategy) => pakoSequence(seeds, { level: 6, strategy, windowBits: 15, memLevel: 8 }, false));
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...valid),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'xor', 'cut', 'insert')), { minLength: 1, maxLength: 6 }),
        (base, edits) => {
          let b = Buffer.from(base);
          for (const [at, v, op] of edits) {
            const i = b.length === 0 ? 0 : at % b.length;
            if (op === 'set') b[i] = v;
            else if (op === 'xor') b[i] = b[i]! ^ (1 << (v & 7));
            else if (op === 'cut') b = b.subarray(0, i);
            else b = Buffer.concat([b.subarray(0, i), Buffer.from([v]), b.subarray(i)]);
          }
          const r = new TrackingInflater({ maxOutput: 1 << 18, history: 'unknown' }).inflate(b);
          expect(typeof r.ok).toBe('boolean');
          if (!r.ok) {
            expect(r.offset).toBeGreaterThanOrEqual(0);
            expect(r.offset).toBeLessThanOrEqual(b.length + 4);
            return;
          }
          // Where it decodes, known bytes are what zlib decodes with a zero-filled window (a
          // dictionary of zeros stands for the unknown history; the known bytes never depend on it).
          let z: Buffer;
          try {
            z = zlib.inflateRawSync(Buffer.concat([b, Buffer.from([0, 0, 0xff, 0xff])]), { dictionary: Buffer.alloc(32768), finishFlush: zlib.constants.Z_SYNC_FLUSH });
          } catch {
            return; // zlib is stricter in a corner (e.g. bits after the last block): nothing to compare
          }
          accepted++;
          expect(z.length).toBeGreaterThanOrEqual(r.data.length);
          for (let j = 0; j < r.data.length; j++) if (!r.unknown?.[j]) expect(r.data[j]).toBe(z[j]);
        },
      ),
      { numRuns: 1500 },
    );
    expect(accepted).toBeGreaterThan(0);
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), (b, unknown) => {
        const r = new TrackingInflater({ maxOutput: 1 << 16, history: unknown ? 'unknown' : 'empty' }).inflate(b);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 5000 },
    );
  });

  it('rejects bad options as the programmer mistakes they are', () => {
    expect(() => new TrackingInflater({ maxOutput: 1, windowBits: 7 })).toThrow(RangeError);
    expect(() => new TrackingInflater({ maxOutput: -1 })).toThrow(RangeError);
  });
});
