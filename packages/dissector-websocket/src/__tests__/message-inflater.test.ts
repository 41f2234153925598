import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MessageInflater } from '../message-inflater.js';
import { deflateAlone, deflateTakeover } from './deflate.js';

const str = (r: ReturnType<MessageInflater['inflate']>) => (r.ok ? Buffer.from(r.data).toString() : `undecodable: ${r.reason}`);

describe.each(['zlib', 'pako'] as const)('MessageInflater (%s engine)', (engine) => {
  const chat = ['{"type":"say","content":"hello everyone in the room"}', '{"type":"say","content":"hello everyone in the room, again"}', '{"type":"say","content":"hello everyone"}'];

  it('inflates with context takeover: later messages refer to earlier ones', async () => {
    const c = await deflateTakeover(chat);
    // The point of the test: the second message is smaller because it refers back.
    expect(c[1]!.length).toBeLessThan(deflateAlone(chat[1]!).length);
    const inf = new MessageInflater(1 << 20, true, engine);
    expect(c.map((m) => str(inf.inflate([m])))).toEqual(chat);
  });

  it('inflates a message split into fragments at any point', async () => {
    const [c] = await deflateTakeover([chat[0]!]);
    for (let i = 0; i <= c!.length; i++) {
      expect(str(new MessageInflater(1 << 20, true, engine).inflate([c!.subarray(0, i), c!.subarray(i)]))).toBe(chat[0]);
    }
  });

  it('marks the bytes a message copies from history it never saw, and never shows wrong text', async () => {
    const c = await deflateTakeover(chat);
    const inf = new MessageInflater(1 << 20, false, engine); // as after a midstream start: history unknown
    const r = inf.inflate([c[1]!]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.data.length).toBe(chat[1]!.length);
    expect(r.unknownBytes).toBeGreaterThan(0);
    const want = Buffer.from(chat[1]!);
    let unknown = 0;
    for (let i = 0; i < want.length; i++) {
      if (r.unknown![i]) unknown++;
      else expect(r.data[i], `byte ${i}`).toBe(want[i]);
    }
    expect(unknown).toBe(r.unknownBytes);
    // A message that needs no history is exact.
    expect(str(inf.inflate([deflateAlone('standalone')]))).toBe('standalone');
  });

  it('goes back to the native context, the known window as its dictionary, once every byte of history is known', async () => {
    // Two alphabets: the message in the capture shares no string with the one before it, so it is
    // known whole; being over the 32 KiB window, it makes the window known; the next copies from it.
    let x = 7;
    const letters = (from: number, n: number) => Array.from({ length: n }, () => String.fromCharCode(from + ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 16) % 13)).join('');
    const before = letters(65, 5000); // A-M
    const known = letters(110, 40000); // n-z
    const after = known.slice(1000, 3000) + known.slice(30000, 31000);
    const c = await deflateTakeover([before, known, after]);
    const inf = new MessageInflater(1 << 20, false, engine);
    expect(inf.tracking).toBe(true);
    const r1 = inf.inflate([c[1]!]);
    expect(r1.ok && r1.unknownBytes === undefined && Buffer.from(r1.data).toString()).toBe(known);
    expect(inf.tracking).toBe(false);
    const r2 = inf.inflate([c[2]!]);
    expect(r2.ok && r2.unknownBytes === undefined && Buffer.from(r2.data).toString()).toBe(after);
  });

  it('after a reset (a gap), tracks unknown history, and a message that needs none is exact', async () => {
    const c = await deflateTakeover(chat);
    const inf = new MessageInflater(1 << 20, true, engine);
    expect(str(inf.inflate([c[0]!]))).toBe(chat[0]);
    inf.reset();
    const r = inf.inflate([c[2]!]);
    expect(r.ok && r.unknownBytes).toBeGreaterThan(0);
  });

  it('inflates no-context-takeover messages in any order with one inflater', () => {
    const c = chat.map(deflateAlone);
    const inf = new MessageInflater(1 << 20, true, engine);
    expect([2, 0, 1].map((i) => str(inf.inflate([c[i]!])))).toEqual([chat[2], chat[0], chat[1]]);
  });

  it('inflates what a smaller window (max_window_bits=9) produced', async () => {
    const long = Array.from({ length: 40 }, (_, i) => `line ${i % 7} of a text that repeats itself`).join('\n');
    const c = await deflateTakeover([long, long], 9);
    const inf = new MessageInflater(1 << 20, true, engine);
    expect(str(inf.inflate([c[0]!]))).toBe(long);
    expect(str(inf.inflate([c[1]!]))).toBe(long);
  });

  it('inflates an empty compressed message (a lone 00 byte) to nothing', async () => {
    const [c] = await deflateTakeover(['']);
    expect([...c!]).toEqual([0]);
    const r = new MessageInflater(1 << 20, true, engine).inflate([Uint8Array.of(0)]);
    expect(r).toEqual({ ok: true, data: new Uint8Array(0) });
  });

  it('stops a deflate bomb at the cap and reports it', () => {
    const bomb = deflateAlone(new Uint8Array(20 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(30_000);
    const inf = new MessageInflater(1024 * 1024, true, engine);
    expect(str(inf.inflate([bomb]))).toMatch(/over the 1048576-byte cap/);
    expect(str(inf.inflate([deflateAlone('fine')]))).toBe('fine');
  });

  it('inflates messages bigger than one output chunk, with takeover', async () => {
    const big = Array.from({ length: 30_000 }, (_, i) => `${i % 997} `).join(''); // ~120 KB, compresses well
    const c = await deflateTakeover([big, big + '!']);
    const inf = new MessageInflater(1 << 20, true, engine);
    expect(str(inf.inflate([c[0]!]))).toBe(big);
    expect(str(inf.inflate([c[1]!]))).toBe(big + '!');
  });

  it('starts a new stream after a message that ends with a final block (BFINAL)', () => {
    const fin = (s: string) => deflateRawSync(s); // Z_FINISH: the last block has BFINAL set
    const inf = new MessageInflater(1 << 20, true, engine);
    expect(str(inf.inflate([fin('first message')]))).toBe('first message');
    expect(str(inf.inflate([fin('second message')]))).toBe('second message');
    expect(str(inf.inflate([deflateAlone('third')]))).toBe('third');
  });

  it('property: random bytes never throw and never inflate past the cap', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 4 }), (msgs) => {
        const inf = new MessageInflater(10_000, true, engine);
        for (const m of msgs) {
          const r = inf.inflate([m]);
          if (r.ok) expect(r.data.length).toBeLessThanOrEqual(10_000);
        }
      }),
      { numRuns: 500 },
    );
  });
});
