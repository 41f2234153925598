// Frame-chain evidence: real frame sequences are found wherever the bytes begin (mid-frame,
// mid-header, inside frames longer than anything buffered), in any chunking; random bytes, masked
// random payloads, periodic data and length-prefixed binary protocols are not believed.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FrameChainSearch, findFrameChain, type ChainVerdict } from '../frame-chain-search.js';
import { SECURITY_BITS_RESYNC, headerEvidenceBits, type DirectionRules } from '../frame-evidence.js';
import { concat, encodeFrame } from './frames.js';
import { prng } from './deflate-sequences.js';

const SERVER: DirectionRules = { masked: false, rsv1: true, continuationFirst: true };
const CLIENT: DirectionRules = { masked: true, rsv1: true, continuationFirst: true };

/** A realistic mixed sequence of one direction's frames, with the offset of each. */
function session(masked: boolean, n: number, seed: number): { bytes: Uint8Array; offsets: number[] } {
  const r = prng(seed);
  const frames: Uint8Array[] = [];
  const mask = (): number | undefined => (masked ? Math.floor(r() * 2 ** 32) : undefined);
  for (let i = 0; i < n; i++) {
    const k = i % 6;
    if (k === 0) frames.push(encodeFrame({ opcode: 1, payload: `{"type":"say","seq":${i},"content":"hello number ${Math.floor(r() * 1e6)}"}`, mask: mask() }));
    else if (k === 1) frames.push(encodeFrame({ opcode: 2, payload: randomBytes(Math.floor(r() * 300)), mask: mask() }));
    else if (k === 2) frames.push(encodeFrame({ opcode: 9, payload: 'ping', mask: mask() }));
    else if (k === 3) {
      frames.push(encodeFrame({ opcode: 1, fin: false, payload: `part one of ${i}, `, mask: mask() }));
      frames.push(encodeFrame({ opcode: 0, fin: true, payload: `part two of ${i}`, mask: mask() }));
    } else if (k === 4) frames.push(encodeFrame({ opcode: 2, rsv: 4, payload: randomBytes(40 + Math.floor(r() * 2000)), mask: mask() }));
    else frames.push(encodeFrame({ opcode: 2, payload: randomBytes(70_000), mask: mask() }));
  }
  const offsets: number[] = [];
  let o = 0;
  for (const f of frames) {
    offsets.push(o);
    o += f.length;
  }
  return { bytes: concat(...frames), offsets };
}

/** Pushes `bytes` in chunks of `size`; returns the first match (offsets relative to `bytes`). */
function pushAll(s: FrameChainSearch, bytes: Uint8Array, size: number): ChainVerdict {
  let v: ChainVerdict = { kind: 'need', bytes: 1 };
  for (let i = 0; i < bytes.length; i += size) {
    v = s.push(bytes.subarray(i, i + size));
    if (v.kind !== 'need') return v;
  }
  return v;
}

describe('findFrameChain on real frames', () => {
  it('finds frames from their first byte, in both directions', () => {
    for (const [rules, masked] of [[SERVER, false], [CLIENT, true]] as const) {
      const { bytes } = session(masked, 30, 1);
      const v = findFrameChain(bytes, rules);
      expect(v).toMatchObject({ kind: 'match', offset: 0 });
      if (v.kind === 'match') expect(v.bits).toBeGreaterThanOrEqual(v.threshold);
    }
  });

  it('finds the first whole frame when the bytes begin inside a frame or inside a header', () => {
    for (const masked of [false, true]) {
      const { bytes, offsets } = session(masked, 40, 2);
      // Start at every offset of the first frames, and at some inside the 70 KB one: the answer is
      // a frame boundary, never a position inside a frame.
      const cuts = [...Array.from({ length: offsets[5]! }, (_, i) => i + 1), ...Array.from({ length: 50 }, (_, i) => offsets[6]! + 1 + i * 1399)];
      for (const cut of cuts) {
        const v = findFrameChain(bytes.subarray(cut), masked ? CLIENT : SERVER);
        expect(v.kind, `cut ${cut}`).toBe('match');
        if (v.kind !== 'match') continue;
        for (const f of v.frames) expect(offsets, `cut ${cut}`).toContain(f + cut);
      }
    }
  });

  it('proves where the chain starts: frames before enough evidence are doubtful, never believed', () => {
    // Binary frames (about 5.5 bits each) after a cut: the believed frames begin where the
    // evidence of the frames so far reaches 20 bits, the fourth; the three before are doubtful.
    const r = prng(12);
    const frames = Array.from({ length: 14 }, (_, i) => encodeFrame({ opcode: 2, payload: randomBytes(20 + Math.floor(r() * 100) + i) }));
    const cut = concat(randomBytes(37), ...frames);
    const offsets = frames.reduce<number[]>((acc, f, i) => [...acc, i === 0 ? 37 : acc[i - 1]! + frames[i - 1]!.length], []);
    const v = findFrameChain(cut, SERVER, { securityBits: SECURITY_BITS_RESYNC });
    expect(v.kind).toBe('match');
    if (v.kind !== 'match') return;
    expect(v.doubtful).toEqual(offsets.slice(0, 3));
    expect(v.offset).toBe(offsets[3]);
    expect(v.frames[0]).toBe(offsets[3]);
    // At the stream's known start nothing is doubtful.
    expect(findFrameChain(concat(...frames), { ...SERVER, continuationFirst: false }, { starts: 'first' })).toMatchObject({ kind: 'match', offset: 0, doubtful: [] });
  });

  it('is not carried off by a false header in the cut frame that jumps over the first real frame', () => {
    // The tail of a cut frame holds, at offset 10, a valid header whose frame ends exactly where
    // the second real frame begins: its chain reaches the real one first. The first real frame,
    // a text that proves its own start, is still where the believed frames begin.
    const real = [
      encodeFrame({ opcode: 1, payload: 'the first real message, a text that proves itself' }),
      ...Array.from({ length: 6 }, (_, i) => encodeFrame({ opcode: 1, payload: `and then message ${i + 2}, also real` })),
    ];
    const tail = randomBytes(20);
    tail[10] = 0x82; // a final binary frame, unmasked
    tail[11] = 20 - 12 + real[0]!.length; // ends just after the first real frame
    const bytes = concat(tail, ...real);
    for (const size of [bytes.length, 1, 7]) {
      const v = pushAll(new FrameChainSearch(SERVER, { securityBits: SECURITY_BITS_RESYNC }), bytes, size);
      expect(v).toMatchObject({ kind: 'match', offset: 20, doubtful: [] });
    }
  });

  it('gives the same answer in any chunking, down to one byte at a time', () => {
    const { bytes, offsets } = session(false, 12, 3);
    const cut = offsets[1]! + 5;
    const whole = findFrameChain(bytes.subarray(cut), SERVER);
    expect(whole.kind).toBe('match');
    for (const size of [1, 2, 3, 7, 64, 1000, 1460]) {
      const v = pushAll(new FrameChainSearch(SERVER), bytes.subarray(cut), size);
      // The same chain; it may be believed a frame later (more positions tried by then, so more
      // evidence demanded).
      expect(v.kind, `chunks of ${size}`).toBe('match');
      if (v.kind !== 'match' || whole.kind !== 'match') continue;
      expect(v.offset).toBe(whole.offset);
      const n = Math.min(v.frames.length, whole.frames.length);
      expect(v.frames.slice(0, n)).toEqual(whole.frames.slice(0, n));
    }
  });

  it('follows a frame longer than anything it keeps by skipping, and says how many bytes it needs', () => {
    // A capture that starts inside a 3 MiB client frame: the next header is 2 MiB away.
    const big = encodeFrame({ opcode: 2, payload: randomBytes(3 << 20), mask: 0x12345678 });
    const rest = session(true, 20, 4).bytes;
    const start = 1 << 20;
    const s = new FrameChainSearch(CLIENT);
    let v = s.push(big.subarray(start, start + 1460));
    expect(v.kind).toBe('need');
    v = pushAll(s, concat(big.subarray(start + 1460), rest), 65536);
    expect(v).toMatchObject({ kind: 'match', offset: big.length - start });

    // Bytes that begin with a 3 MiB frame's header: believed only when the headers after it agree,
    // and until then the search asks for the bytes up to that header, not one more.
    const s2 = new FrameChainSearch(CLIENT, { starts: 'first' });
    const v2 = s2.push(big.subarray(0, 4096));
    expect(v2).toEqual({ kind: 'need', bytes: big.length - 4096 + 2 });
    expect(pushAll(s2, concat(big.subarray(4096), rest), 1 << 16)).toMatchObject({ kind: 'match', offset: 0 });
  });

  it('rejects at once when the stream must start with a frame and does not', () => {
    expect(findFrameChain(Buffer.from('GET / HTTP/1.1\r\n\r\n'), { ...SERVER, continuationFirst: false }, { starts: 'first' })).toEqual({ kind: 'reject' });
    // A continuation cannot come first when the stream's start was seen (§5.4).
    const cont = concat(encodeFrame({ opcode: 0, payload: 'abc' }), session(false, 20, 5).bytes);
    expect(findFrameChain(cont, { ...SERVER, continuationFirst: false }, { starts: 'first' })).toEqual({ kind: 'reject' });
    expect(findFrameChain(cont, SERVER, { starts: 'first' })).toMatchObject({ kind: 'match', offset: 0 });
  });

  it('believes a chain that ends exactly where the stream ended only with the end counted', () => {
    // Three binary frames: about 18 bits, short of 20; the exact end adds the last length's 7.
    const frames = concat(...[30, 50, 70].map((n) => encodeFrame({ opcode: 2, payload: randomBytes(n) })));
    const open = findFrameChain(frames, SERVER, { securityBits: SECURITY_BITS_RESYNC, starts: 'first' });
    expect(open.kind).toBe('need');
    expect(findFrameChain(frames, SERVER, { securityBits: SECURITY_BITS_RESYNC, starts: 'first', ended: true })).toMatchObject({ kind: 'match', offset: 0 });
  });

  it('demands more evidence the more it has searched', () => {
    const { bytes } = session(false, 3, 6);
    const two = bytes.subarray(0, session(false, 3, 6).offsets[2]);
    const fresh = new FrameChainSearch(SERVER, { securityBits: 20 });
    const tired = new FrameChainSearch(SERVER, { securityBits: 20, searched: 2 ** 40 });
    expect(tired.threshold - fresh.threshold).toBeCloseTo(40, 5);
    const a = fresh.push(two);
    const b = tired.push(two);
    expect(a.kind).toBe('match');
    expect(b.kind).toBe('need');
  });

  it('counts what the rules say a header is worth', () => {
    const e = headerEvidenceBits(SERVER);
    // About 1 in 50 random pairs of bytes is a valid header between messages; fewer inside a fragment.
    expect(e.betweenMessages).toBeGreaterThan(5);
    expect(e.betweenMessages).toBeLessThan(6);
    expect(e.inFragment).toBeGreaterThan(e.betweenMessages);
    expect(e.unknownStart).toBeLessThan(e.betweenMessages);
    expect(headerEvidenceBits({ ...SERVER, rsv1: false }).betweenMessages).toBeGreaterThan(e.betweenMessages);
  });
});

describe('findFrameChain on bytes that are not frames', () => {
  it('believes nothing in random bytes, and chains stay as short as the bound says (4 MiB per rule set)', () => {
    const hist = new Float64Array(64);
    let tried = 0;
    for (const rules of [SERVER, CLIENT, { ...SERVER, rsv1: false }, { ...CLIENT, continuationFirst: false }]) {
      const s = new FrameChainSearch(rules, { evidenceHistogram: hist });
      for (let i = 0; i < 4; i++) expect(s.push(randomBytes(1 << 20)).kind).toBe('need');
      tried += s.searched;
    }
    // The design: P(a chain from one position reaches b bits) <= 2^-b. Measured tail, with room
    // for chance (a 3x margin and a few counts).
    for (let b = 4; b < 30; b++) {
      let atLeast = 0;
      for (let k = b; k < 64; k++) atLeast += hist[k]!;
      expect(atLeast, `chains of ${b}+ bits`).toBeLessThanOrEqual(3 * tried * 2 ** -b + 5);
    }
  });

  it('believes nothing in masked random payloads, masked zeros (the key repeated) or masked text, and finds the frames after them', () => {
    const r = prng(11);
    const words = 'the of and to in is that for it as was with be by on not this are or from at which but have an they you were she there been one all we their has would when if so no will more can out up about time who them what some only into other could its then two do may first than any like these now'.split(' ');
    let text = '';
    while (text.length < 1 << 19) {
      const sentence = Array.from({ length: 3 + Math.floor(r() * 12) }, () => words[Math.floor(r() * words.length)]).join(' ');
      text += r() < 0.5 ? `{"id":${Math.floor(r() * 1e7)},"user":"u${Math.floor(r() * 500)}","text":"${sentence}"}\n` : `2026-01-01 12:00 INFO ${sentence}.\n`;
    }
    for (const payload of [randomBytes(1 << 19), new Uint8Array(1 << 19), Buffer.alloc(1 << 19, 'abcd'), Buffer.from(text).subarray(0, 1 << 19)]) {
      for (let key = 0; key < 16; key++) {
        const maskKey = key === 0 ? 0x81028102 : Math.floor(prng(key)() * 2 ** 32);
        const big = encodeFrame({ opcode: 2, payload, mask: maskKey });
        // Inside the payload: nothing believed.
        const inside = findFrameChain(big.subarray(100, 300_000), CLIENT, { securityBits: SECURITY_BITS_RESYNC });
        expect(inside.kind, `key ${maskKey.toString(16)}`).toBe('need');
        if (key % 8 === 0) {
          const after = session(true, 20, key).bytes;
          expect(findFrameChain(concat(big.subarray(100), after), CLIENT)).toMatchObject({ kind: 'match', offset: big.length - 100 });
        }
      }
    }
  });

  it('withholds evidence from unmasked periodic data and repeated frames', () => {
    // The same two-byte frame over and over (8 MiB of it: the chain remembers a bounded number of
    // frames): valid, but it proves nothing.
    const same = new Uint8Array(8 << 20);
    for (let i = 0; i < same.length; i += 4) same.set([0x82, 0x02, 0x00, 0x00], i);
    expect(findFrameChain(same, SERVER).kind).toBe('need');
    const frame = encodeFrame({ opcode: 1, payload: 'the very same message, again and again' });
    expect(findFrameChain(concat(...Array.from({ length: 1000 }, () => frame)), SERVER).kind).toBe('need');
  });

  it('is not fooled by 2-byte length prefixes (DNS over TCP, OpenVPN, RFC 4571) nor Modbus/TCP', () => {
    const r = prng(9);
    const rec = (n: number): Uint8Array => {
      const b = new Uint8Array(2 + n);
      b[0] = n >> 8;
      b[1] = n & 0xff;
      for (let i = 2; i < b.length; i++) b[i] = Math.floor(r() * 256);
      return b;
    };
    // Records below 126 bytes read as non-final continuation frames, back to back.
    const prefixed = concat(...Array.from({ length: 5000 }, () => rec(Math.floor(r() * 126) + 1)));
    for (const rules of [SERVER, CLIENT, { ...SERVER, rsv1: false }]) expect(findFrameChain(prefixed, rules).kind).toBe('need');
    // Modbus/TCP: transaction id, protocol 0, length, unit, function, data.
    const modbus = concat(
      ...Array.from({ length: 3000 }, (_, i) => {
        const pdu = Uint8Array.of(3, 0, 0, 0, 10);
        const b = new Uint8Array(7 + pdu.length);
        b[0] = (i >> 8) & 0xff;
        b[1] = i & 0xff;
        b[5] = pdu.length + 1;
        b[6] = 1;
        b.set(pdu, 7);
        return b;
      }),
    );
    expect(findFrameChain(modbus, SERVER).kind).toBe('need');
    expect(findFrameChain(modbus, CLIENT).kind).toBe('need');
  });
});
