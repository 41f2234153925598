import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';

// `allocBytes` does not zero what it gives: here it gives dirty bytes, so that a payload byte the
// parser forgets to write (or to zero, for bytes a gap lost) shows in every test of this file.
vi.mock('../bytes.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../bytes.js')>()),
  allocBytes: (n: number) => Buffer.alloc(n, 0xee),
}));
import { unmask, WebSocketFrameParser, type FrameParserOptions } from '../websocket-frame-parser.js';
import { chatFrames, CollectSink, concat, encodeFrame, keyOf, writePoisoned, type FrameSpec } from './frames.js';

const opts = (o: Partial<FrameParserOptions> = {}): FrameParserOptions => ({ maxFramePayload: 1 << 20, startInSync: true, allowRsv1: true, ...o });

function parse(chunks: Uint8Array[], o?: Partial<FrameParserOptions>, poison = true): CollectSink {
  const sink = new CollectSink();
  const p = new WebSocketFrameParser(sink, opts(o));
  // Every chunk is poisoned once write() returns (writePoisoned): the parser keeps no view of it.
  chunks.forEach((c, i) => (poison ? writePoisoned(p, c, BigInt(i), i + 1) : p.write(c, BigInt(i), i + 1)));
  return sink;
}

const summary = (s: CollectSink) => s.frames.map((f) => ({ fin: f.fin, rsv: f.rsv, opcode: f.opcode, masked: f.masked, len: f.payloadLength, data: Buffer.from(f.copy).toString('hex') }));

const big = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);

const SPECS: FrameSpec[] = [
  { opcode: 1, payload: 'hello', mask: 0x11223344 },
  { opcode: 2, payload: big(125) },
  { opcode: 2, payload: big(126), mask: 0xdeadbeef },
  { opcode: 1, payload: 'x'.repeat(65535) },
  { opcode: 2, payload: big(65536), mask: 0x01020304 },
  { opcode: 9, payload: 'p' },
  { opcode: 1, fin: false, payload: 'frag' },
  { opcode: 10, payload: '', mask: 0x0a0b0c0d },
  { opcode: 0, fin: true, payload: 'ment', rsv: 0 },
  { opcode: 8, payload: Uint8Array.of(0x03, 0xe8, 0x62, 0x79, 0x65) },
];

describe('WebSocketFrameParser', () => {
  it('reads 7-, 16- and 64-bit lengths, masked and not, many frames in one chunk', () => {
    const s = parse([concat(...SPECS.map(encodeFrame))]);
    expect(s.frames.map((f) => [f.opcode, f.payloadLength, f.headerLength])).toEqual([
      [1, 5, 6], [2, 125, 2], [2, 126, 8], [1, 65535, 4], [2, 65536, 14], [9, 1, 2], [1, 4, 2], [10, 0, 6], [0, 4, 2], [8, 5, 2],
    ]);
    expect(Buffer.from(s.frames[0]!.copy).toString()).toBe('hello');
    expect(s.frames[4]!.copy).toEqual(big(65536));
    expect(s.frames[4]!.streamOffset).toBe(encodeFrame(SPECS[0]!).length + encodeFrame(SPECS[1]!).length + encodeFrame(SPECS[2]!).length + encodeFrame(SPECS[3]!).length);
  });

  it('gives the same frames however the bytes are split: every offset, and byte by byte', () => {
    const small = [SPECS[0]!, SPECS[2]!, SPECS[5]!, SPECS[6]!, SPECS[7]!, SPECS[8]!, { opcode: 2, payload: big(300), mask: 0x99887766 }, { opcode: 1, payload: big(20).map((b) => 65 + (b % 26)), lengthBits: 64 as const }];
    const all = concat(...small.map(encodeFrame));
    const whole = summary(parse([all]));
    expect(whole).toHaveLength(small.length);
    for (let i = 0; i <= all.length; i++) {
      expect(summary(parse([all.subarray(0, i), all.subarray(i)])), `split at ${i}`).toEqual(whole);
    }
    expect(summary(parse([...all].map((b) => Uint8Array.of(b))))).toEqual(whole);
  });

  it('unmasks into a new buffer and never writes the caller’s bytes', () => {
    const wire = encodeFrame({ opcode: 1, payload: 'secret', mask: 0xa1b2c3d4 });
    const before = wire.slice();
    // The parser is given the test's own bytes here, not poisoned copies.
    const s = parse([wire.subarray(0, 9), wire.subarray(9)], {}, false);
    expect(Buffer.from(s.frames[0]!.copy).toString()).toBe('secret');
    expect(wire).toEqual(before);
    const t = parse([wire], {}, false);
    expect(t.frames[0]!.owned).toBe(true);
    expect(t.frames[0]!.payload.buffer).not.toBe(wire.buffer);
  });

  it('unmasks every length and key phase as RFC 6455 §5.3 says: byte i XOR key byte (i mod 4)', () => {
    const key = 0xa1b2c3d4;
    const keyByte = (j: number) => (key >>> (24 - 8 * (j & 3))) & 0xff;
    for (const n of [0, 1, 2, 3, 4, 5, 7, 8, 9, 63, 511, 512, 513, 1031]) {
      for (let phase = 0; phase < 4; phase++) {
        const src = big(n);
        const out = unmask(src, key, phase);
        expect([...out], `${n}/${phase}`).toEqual([...src].map((b, i) => b ^ keyByte(phase + i)));
      }
    }
  });

  it('hands out a view, not a copy, for an unmasked frame inside one chunk', () => {
    const wire = encodeFrame({ opcode: 2, payload: big(10) });
    const sink = { frames: [] as boolean[], onFrame(f: { payload: Uint8Array; owned: boolean }) { this.frames.push(f.payload.buffer === wire.buffer && !f.owned); }, onLostSync() {}, onResync() {} };
    new WebSocketFrameParser(sink, opts()).write(wire, 0n, 1);
    expect(sink.frames).toEqual([true]);
  });

  it('treats a 64-bit length over 2^53 as a protocol error, before allocating anything', () => {
    const h = Uint8Array.of(0x82, 0x7f, 0x00, 0x20, 0, 0, 0, 0, 0, 0); // 2^53
    const after = chatFrames(3, false, 'after');
    const s = parse([concat(h, ...after)]);
    expect(s.lost.map((d) => d.code)).toEqual(['WARN_WS_BAD_HEADER']);
    // Frames are searched for again right after the bad header, and believed on evidence.
    expect(s.frames.map((f) => Buffer.from(f.copy).toString())).toEqual([0, 1, 2].map((i) => `after message ${i}: how are you today?`));
  });

  it('skips a frame over the payload cap without buffering it, and goes on', () => {
    const s = parse([concat(encodeFrame({ opcode: 2, payload: big(5000) }), encodeFrame({ opcode: 1, payload: 'next' }))], { maxFramePayload: 1000 });
    expect(s.frames[0]!.incomplete).toMatch(/over the 1000-byte cap/);
    expect(s.frames[0]!.copy.length).toBe(0);
    expect(Buffer.from(s.frames[1]!.copy).toString()).toBe('next');
  });

  it('marks a frame with a gap inside its payload incomplete and stays in sync', () => {
    const sink = new CollectSink();
    const p = new WebSocketFrameParser(sink, opts());
    const a = encodeFrame({ opcode: 2, payload: big(100) });
    writePoisoned(p, a.subarray(0, 40), 1n, 1);
    p.gap(30, 2n, 2);
    writePoisoned(p, a.subarray(70), 3n, 3);
    writePoisoned(p, encodeFrame({ opcode: 1, payload: 'ok' }), 4n, 4);
    expect(sink.frames.map((f) => [f.incomplete !== undefined, f.payloadLength])).toEqual([[true, 100], [false, 2]]);
    expect(sink.lost).toEqual([]);
  });

  it('keeps an incomplete frame’s payload at its full length, missing bytes as 0, wherever the gap falls', () => {
    const a = encodeFrame({ opcode: 2, payload: big(100), mask: 0x0f0e0d0c });
    for (const [before, missing] of [[6, 10], [20, 30], [6, 100]] as const) {
      const sink = new CollectSink();
      const p = new WebSocketFrameParser(sink, opts());
      writePoisoned(p, a.subarray(0, before), 1n, 1);
      p.gap(missing, 2n, 2);
      writePoisoned(p, a.subarray(before + missing), 3n, 3);
      const f = sink.frames[0]!;
      expect(f.copy.length, `${before}/${missing}`).toBe(100);
      const lostFrom = before - 6;
      expect([...f.copy.subarray(lostFrom, lostFrom + missing)].every((b) => b === 0)).toBe(true);
      expect(f.copy.subarray(lostFrom + missing)).toEqual(big(100).subarray(lostFrom + missing));
    }
  });

  it('resynchronises on a run of frame headers after a gap between frames', () => {
    const sink = new CollectSink();
    const p = new WebSocketFrameParser(sink, opts({ expectMask: true }));
    writePoisoned(p, encodeFrame({ opcode: 1, payload: 'one', mask: keyOf(1) }), 1n, 1);
    p.gap(50, 2n, 2);
    // The bytes after the gap start inside a frame: its tail, then frames of a chat.
    const tail = encodeFrame({ opcode: 1, payload: 'lost frame with a long payload', mask: keyOf(7) }).subarray(9);
    writePoisoned(p, concat(tail, ...chatFrames(3, true)), 3n, 3);
    expect(sink.lost.map((d) => d.code)).toEqual(['WARN_WS_GAP']);
    expect(sink.resyncs).toEqual([tail.length]);
    expect(sink.frames.map((f) => Buffer.from(f.copy).toString())).toEqual(['one', ...[0, 1, 2].map((i) => `chat message ${i}: how are you today?`)]);
  });

  it('resynchronises the same way however the bytes after a gap are split, keeping no view of a chunk while it waits', () => {
    // What follows the gap: bytes no header can start at (RSV2/RSV3 set, a reserved opcode), then
    // frames. (Random bytes would do too, but where a cut falls inside them it may make a false
    // start end exactly at a chunk's end.)
    const tail = new Uint8Array(61).fill(0xff);
    const after = concat(
      tail,
      // Text proves where frames begin; a binary frame or a short text alone would not (frame-evidence.ts).
      ...chatFrames(2, true),
      encodeFrame({ opcode: 1, payload: 'two', mask: keyOf(2) }),
      encodeFrame({ opcode: 2, payload: big(200), mask: keyOf(3) }),
      encodeFrame({ opcode: 9, payload: 'p', mask: keyOf(4) }),
      encodeFrame({ opcode: 1, payload: 'three', mask: keyOf(5) }),
    );
    const run = (chunks: Uint8Array[]) => {
      const sink = new CollectSink();
      const p = new WebSocketFrameParser(sink, opts({ expectMask: true }));
      writePoisoned(p, encodeFrame({ opcode: 1, payload: 'one', mask: keyOf(1) }), 1n, 1);
      p.gap(50, 2n, 2);
      chunks.forEach((c, i) => writePoisoned(p, c, BigInt(3 + i), 3 + i));
      return { frames: summary(sink), resyncs: sink.resyncs, lost: sink.lost.map((d) => d.code) };
    };
    const whole = run([after]);
    const chat = [0, 1].map((i) => Buffer.from(`chat message ${i}: how are you today?`).toString('hex'));
    expect(whole.frames.map((f) => f.data)).toEqual(['6f6e65', ...chat, '74776f', Buffer.from(big(200)).toString('hex'), '70', '7468726565']);
    expect(whole.resyncs).toEqual([tail.length]);
    // Split anywhere: while the search waits for the rest of a header or frame, it holds a copy.
    for (let i = 0; i <= after.length; i++) expect(run([after.subarray(0, i), after.subarray(i)]), `split at ${i}`).toEqual(whole);
    expect(run([...after].map((b) => Uint8Array.of(b)))).toEqual(whole);
  });

  it('finds frames when the capture starts inside one (not in sync), but never believes a lone frame', () => {
    const first = encodeFrame({ opcode: 2, payload: big(200) });
    const alone = parse([first.subarray(150), encodeFrame({ opcode: 1, payload: 'whole' })], { startInSync: false });
    expect(alone.frames).toEqual([]);
    const s = parse([first.subarray(150), ...chatFrames(3, false)], { startInSync: false });
    expect(s.frames.map((f) => Buffer.from(f.copy).toString())).toEqual([0, 1, 2].map((i) => `chat message ${i}: how are you today?`));
    expect(s.resyncs).toEqual([first.length - 150]);
  });

  it('reports the bytes it searched without proving a frame when the stream ends or a gap comes', () => {
    const sink = new CollectSink();
    const unparsed: number[] = [];
    const p = new WebSocketFrameParser({ ...sink, onFrame: (f) => sink.onFrame(f), onLostSync: (d) => sink.onLostSync(d), onResync: (n) => sink.onResync(n), onUnparsed: (n) => unparsed.push(n) }, opts({ startInSync: false }));
    writePoisoned(p, big(300), 1n, 1);
    p.gap(10, 2n, 2);
    writePoisoned(p, big(40), 3n, 3);
    p.end(4n, 4);
    expect(unparsed).toEqual([300, 40]);
    expect(sink.frames).toEqual([]);
  });

  it('follows a long frame by skipping it, and tells a direction’s role by its masking', () => {
    const masks: boolean[] = [];
    const sink = new CollectSink();
    const p = new WebSocketFrameParser({ onFrame: (f) => sink.onFrame(f), onLostSync: (d) => sink.onLostSync(d), onResync: (n) => sink.onResync(n), onMasking: (m) => masks.push(m) }, opts({ startInSync: false, maxFramePayload: 64 << 20 }));
    const long = encodeFrame({ opcode: 2, payload: big(3 << 20), mask: keyOf(9) });
    const wire = concat(long.subarray(1000), ...chatFrames(4, true));
    for (let o = 0; o < wire.length; o += 1460) writePoisoned(p, wire.subarray(o, o + 1460), 1n, 1);
    expect(masks).toEqual([true]);
    expect(sink.frames.map((f) => Buffer.from(f.copy).toString())).toEqual([0, 1, 2, 3].map((i) => `chat message ${i}: how are you today?`));
  });

  it('property: random frames split at random points round-trip', () => {
    const frameArb = fc.record({
      opcode: fc.constantFrom(0, 1, 2, 8, 9, 10),
      fin: fc.boolean(),
      rsv: fc.integer({ min: 0, max: 7 }),
      payload: fc.uint8Array({ maxLength: 400 }),
      mask: fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: undefined }),
      lengthBits: fc.constantFrom(undefined, 16 as const, 64 as const),
    });
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (specs, cuts) => {
        const wire = concat(...specs.map((f) => encodeFrame({ ...f, lengthBits: f.lengthBits && f.payload.length < 0x10000 ? f.lengthBits : undefined })));
        const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
        const chunks: Uint8Array[] = [];
        let prev = 0;
        for (const p of [...points, wire.length]) {
          chunks.push(wire.subarray(prev, p));
          prev = p;
        }
        const s = parse(chunks);
        expect(s.frames.map((f) => [f.opcode, f.fin, f.rsv, f.masked, Buffer.from(f.copy).toString('hex')])).toEqual(
          specs.map((f) => [f.opcode, f.fin, f.rsv, f.mask !== undefined, Buffer.from(f.payload).toString('hex')]),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('property: random and mutated bytes never throw, in sync or searching, with gaps', () => {
    const valid = concat(...SPECS.slice(0, 3).map(encodeFrame), encodeFrame({ opcode: 1, payload: 'tail', mask: 5 }));
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 600 }), fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }).map((muts) => {
          const b = valid.slice();
          for (const [i, v] of muts) b[i] = v;
          return b;
        })),
        fc.boolean(),
        fc.nat(50),
        (data, inSync, gapAt) => {
          const sink = new CollectSink();
          const p = new WebSocketFrameParser(sink, opts({ startInSync: inSync, maxFramePayload: 4096 }));
          const cut = Math.min(gapAt, data.length);
          writePoisoned(p, data.subarray(0, cut), 1n, 1);
          p.gap(gapAt + 1, 2n, 2);
          writePoisoned(p, data.subarray(cut), 3n, 3);
          for (const f of sink.frames) expect(f.copy.length).toBeLessThanOrEqual(4096);
        },
      ),
      { numRuns: 500 },
    );
  });
});

