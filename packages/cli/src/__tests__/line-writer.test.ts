import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Connection } from '@netrx/core';
import { websocketMessageJson, writeWebSocketMessageJson, type WebSocketMessage } from '@netrx/dissector-websocket';
import { LineBytes, LineWriter } from '../output.js';

/** A writer whose chunks are collected as they are written. */
function collect(chunk?: number): { w: LineWriter; chunks: Buffer[] } {
  const chunks: Buffer[] = [];
  const out = new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(Buffer.from(c)), cb()) });
  return { w: new LineWriter(out, chunk), chunks };
}

const conn = (id: number, v6: boolean): Connection => ({
  id,
  family: v6 ? 6 : 4,
  client: { address: v6 ? '::1' : '10.0.0.1', port: 50000 + id },
  server: { address: v6 ? 'fe80::2' : '10.0.0.2', port: 7272 },
  clientBy: 'syn',
});

/** Messages as the assembler makes them: `text` is the payload decoded, for text messages. */
const messageArb: fc.Arbitrary<WebSocketMessage> = fc
  .record({
    kind: fc.constantFrom('text', 'binary', 'ping', 'pong', 'close'),
    // Text from any code points (JSON-special ones included), or raw bytes (invalid UTF-8 too).
    payload: fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s)),
      fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\t', '\u0000', '\u001f', '\u007f', '\u2028', 'é', '🙂', 'a'), maxLength: 50 }).map((s) => Buffer.from(s)),
      fc.uint8Array({ maxLength: 100 }),
    ),
    id: fc.nat(5),
    v6: fc.boolean(),
    ts: fc.bigInt({ min: 0n, max: 1n << 62n }),
    dir: fc.constantFrom('c2s', 's2c'),
    compressed: fc.boolean(),
    frames: fc.integer({ min: 1, max: 9 }),
    undecodable: fc.option(fc.string(), { nil: undefined }),
    closeReason: fc.string(),
    decoded: fc.option(fc.record({ protocol: fc.string(), value: fc.jsonValue() }), { nil: undefined }),
    warnings: fc.array(fc.record({ code: fc.string(), message: fc.string(), offset: fc.option(fc.nat(), { nil: undefined }) }), { maxLength: 2 }),
  })
  .map((r) => {
    const payload = r.undecodable === undefined ? r.payload : new Uint8Array(0);
    const close = r.kind === 'close' && payload.length >= 2 && r.undecodable === undefined;
    return {
      type: 'ws.message',
      connection: conn(r.id, r.v6),
      dir: r.dir,
      firstTs: r.ts,
      lastTs: r.ts,
      firstFrame: 1,
      lastFrame: 2,
      kind: r.kind,
      payload,
      text: r.kind === 'text' && r.undecodable === undefined ? Buffer.from(payload).toString('utf8') : undefined,
      closeCode: close ? (payload[0]! << 8) | payload[1]! : undefined,
      closeReason: close ? r.closeReason : undefined,
      compressed: r.compressed,
      frames: r.frames,
      undecodable: r.undecodable,
      warnings: r.warnings.map((w) => ({ ...w, severity: 'warning' as const })),
      decoded: r.decoded,
    } satisfies WebSocketMessage;
  });

describe('LineWriter', () => {
  it('escapes UTF-8 in a JSON string exactly as JSON.stringify does', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        const { w, chunks } = collect();
        w.text('"');
        w.jsonStringBody(Buffer.from(s));
        w.text('"');
        w.endLine();
        w.flush();
        expect(Buffer.concat(chunks).toString()).toBe(JSON.stringify(s) + '\n');
      }),
    );
  });

  it('escapes right in long runs too (found 4 bytes at a time, copied natively), at any offset', () => {
    const piece = fc.oneof(
      fc.string({ unit: fc.constantFrom('a', 'é', '世', '🙂', '\u007f'), minLength: 1, maxLength: 120 }),
      fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', ' ', '!', '#', '[', ']'),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), fc.nat(7), (pieces, shift) => {
        const s = pieces.join('');
        const bytes = Buffer.from(s);
        // At an odd offset in a bigger buffer, as payloads in Node's pool are.
        const inPool = new Uint8Array(bytes.length + shift);
        inPool.set(bytes, shift);
        const { w, chunks } = collect();
        w.jsonStringBody(inPool.subarray(shift));
        w.flush();
        expect(Buffer.concat(chunks).toString()).toBe(JSON.stringify(s).slice(1, -1));
      }),
    );
  });

  it('escapes all 32 control characters, quote and backslash; keeps DEL, U+2028 and the rest', () => {
    const s = Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)).join('') + '\u2028\u2029é世🙂';
    const { w, chunks } = collect();
    w.jsonStringBody(Buffer.from(s));
    w.flush();
    expect(Buffer.concat(chunks).toString()).toBe(JSON.stringify(s).slice(1, -1));
  });

  it('writes digits zero-padded and bytes as hex (blocks of 32 KiB, any offset) as String and toString do', () => {
    fc.assert(
      fc.property(fc.oneof(fc.nat(), fc.maxSafeNat()), fc.nat(20), fc.uint8Array({ maxLength: 100_000 }), fc.nat(7), (n, width, bytes, shift) => {
        const inPool = new Uint8Array(bytes.length + shift);
        inPool.set(bytes, shift);
        const { w, chunks } = collect();
        w.digits(n, width);
        w.text(' ');
        w.hex(inPool.subarray(shift));
        w.bytes(inPool.subarray(shift, shift + 200));
        w.flush();
        const want = Buffer.concat([Buffer.from(`${String(n).padStart(width, '0')} ${Buffer.from(bytes).toString('hex')}`), bytes.subarray(0, 200)]);
        expect(Buffer.concat(chunks).equals(want)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('writes a file descriptor itself, reusing its buffer after each write; a stream that keeps chunks gets new ones', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'é'.repeat(i % 50)}`);
    const want = lines.map((l) => l + '\n').join('');
    const dir = mkdtempSync(join(tmpdir(), 'netrx-lw-'));
    try {
      // A file: written synchronously by the writer (the stream's own write must not be called).
      const fd = openSync(join(dir, 'out'), 'w');
      const file = Object.assign(new Writable({ write: () => expect.unreachable('written through the stream') }), { fd });
      const w = new LineWriter(file, 1000);
      for (const l of lines) w.line(l);
      await w.end();
      closeSync(fd);
      expect(readFileSync(join(dir, 'out'), 'utf8')).toBe(want);
    } finally {
      rmSync(dir, { recursive: true });
    }
    // A PassThrough holds every chunk until it is read: reusing a buffer would overwrite them.
    const pass = new PassThrough({ highWaterMark: 1 << 30 });
    const w = new LineWriter(pass, 1000);
    for (const l of lines) w.line(l);
    await w.end();
    pass.end();
    const got: Buffer[] = [];
    for await (const c of pass) got.push(c as Buffer);
    expect(Buffer.concat(got).toString()).toBe(want);
  });

  it('writes whole lines only, in chunks of about the chunk size, however long a line is', () => {
    const { w, chunks } = collect(1000);
    const long = 'ü"'.repeat(100_000); // escaped and grown far past the initial buffer
    const lines = ['short', long, 'x'.repeat(999), '', 'tail'];
    for (const l of lines) {
      w.jsonStringBody(Buffer.from(l));
      w.endLine();
    }
    w.flush();
    for (const c of chunks) expect(c[c.length - 1]).toBe(0x0a);
    expect(chunks.length).toBe(3); // short+long, then 999 x (1000 bytes with its end), then '' and tail at the final flush
    expect(Buffer.concat(chunks).toString()).toBe(lines.map((l) => JSON.stringify(l).slice(1, -1) + '\n').join(''));
  });

  it('writes every line at once with a chunk size of 0 (live capture)', () => {
    const { w, chunks } = collect(0);
    w.line('a');
    w.line('bé');
    expect(chunks.map(String)).toEqual(['a\n', 'bé\n']);
  });
});

describe('writeWebSocketMessageJson', () => {
  it('writes the same line as websocketMessageJson, for any message', () => {
    fc.assert(
      fc.property(fc.array(messageArb, { minLength: 1, maxLength: 5 }), (messages) => {
        const { w, chunks } = collect(100);
        for (const m of messages) {
          writeWebSocketMessageJson(m, w);
          w.endLine();
        }
        w.flush();
        expect(Buffer.concat(chunks).toString()).toBe(messages.map((m) => websocketMessageJson(m) + '\n').join(''));
      }),
      { numRuns: 300 },
    );
  });
});

describe('LineBytes (the records of --sink)', () => {
  it('takes each line as the bytes LineWriter prints for it, one line at a time', () => {
    fc.assert(
      fc.property(fc.array(messageArb, { minLength: 1, maxLength: 5 }), (messages) => {
        const bytes = new LineBytes();
        const { w, chunks } = collect();
        const taken: Buffer[] = [];
        for (const m of messages) {
          writeWebSocketMessageJson(m, bytes);
          taken.push(bytes.take());
          writeWebSocketMessageJson(m, w);
          w.endLine();
        }
        w.flush();
        expect(Buffer.concat(taken.flatMap((t) => [t, Buffer.from('\n')]))).toEqual(Buffer.concat(chunks));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses to end a line: each is taken', () => {
    expect(() => new LineBytes().endLine()).toThrow(/take\(\) it/);
  });
});
