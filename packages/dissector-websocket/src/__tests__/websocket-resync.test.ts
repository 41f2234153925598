// FrameResync alone: where frames start in bytes that begin at an unknown point of a stream, with
// the RFC's rules for the direction and evidence that grows with the bytes searched.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SECURITY_BITS_HEURISTIC, SECURITY_BITS_RESYNC } from '../frame-evidence.js';
import { FrameResync, type FrameResyncRules } from '../websocket-resync.js';
import { chatFrames, concat, encodeFrame, keyOf } from './frames.js';

const rules = (r: Partial<FrameResyncRules> = {}): FrameResyncRules => ({
  masked: undefined,
  rsv1: true,
  atStreamStart: false,
  securityBits: SECURITY_BITS_RESYNC,
  maxPayload: 1 << 24,
  ...r,
});
// No header starts in these: each position reads as a whole 2-byte header with RSV2/RSV3 set.
const junk = (n: number) => new Uint8Array(n).fill(0x70);

function search(chunks: Uint8Array[], r: Partial<FrameResyncRules> = {}, end = true) {
  const s = new FrameResync(rules(r));
  for (const c of chunks) {
    const found = s.push(c);
    if (found) return found;
  }
  return end ? s.finish() : undefined;
}

describe('FrameResync', () => {
  it('finds a chat after bytes that are no frames, and tells its masking', () => {
    const server = concat(junk(50), ...chatFrames(3, false));
    expect(search([server])).toMatchObject({ frames: [50, expect.any(Number)], masked: false });
    const client = concat(junk(33), ...chatFrames(3, true));
    expect(search([client])).toMatchObject({ masked: true });
    expect(search([client])!.frames[0]).toBe(33);
  });

  it('never believes one frame, however well it fits', () => {
    expect(search([concat(junk(4), encodeFrame({ opcode: 1, payload: 'a lone text frame at the end of the capture' }))])).toBeUndefined();
  });

  it('searches only the masking it is told, and can be told while it searches', () => {
    const client = concat(junk(10), ...chatFrames(3, true));
    expect(search([client], { masked: false })).toBeUndefined();
    expect(search([client], { masked: true })).toMatchObject({ masked: true });
    const s = new FrameResync(rules());
    expect(s.push(junk(10))).toBeUndefined();
    s.restrict(false);
    expect(s.push(concat(...chatFrames(3, true)))).toBeUndefined();
    expect(s.finish()).toBeUndefined();
    expect(s.rejected).toBe(true);
  });

  it('accepts only what the RFC allows: RSV1 only when deflate may be on, RSV2/3 and reserved opcodes never', () => {
    // Compressed frames (RSV1 on each message's frame): found when deflate may be on, never otherwise.
    const z = (i: number) => encodeFrame({ opcode: 1, rsv: 4, payload: Uint8Array.of(0xf2, 0x48, 0xcd, i, 0xc9, 0x07, 0x00), mask: keyOf(i) });
    const compressed = concat(junk(3), ...Array.from({ length: 16 }, (_, i) => z(i)));
    expect(search([compressed], { rsv1: true, masked: true })).toBeDefined();
    expect(search([compressed], { rsv1: false, masked: true })).toBeUndefined();
    const rsv2 = concat(encodeFrame({ opcode: 1, rsv: 2, payload: 'r' }), ...chatFrames(3, false));
    expect(search([rsv2])!.frames[0]).toBeGreaterThan(0);
    const reserved = concat(encodeFrame({ opcode: 3, payload: 'x' }), ...chatFrames(3, false));
    expect(search([reserved])!.frames[0]).toBeGreaterThan(0);
  });

  it('at the stream start (SYN seen), a frame starts at byte 0 or nowhere, and never a continuation', () => {
    const chat = concat(...chatFrames(3, true));
    expect(search([chat], { atStreamStart: true })).toMatchObject({ frames: [0, expect.any(Number)] });
    expect(search([concat(junk(5), chat)], { atStreamStart: true })).toBeUndefined();
    const cont = concat(encodeFrame({ opcode: 0, payload: 'the rest of a message', mask: keyOf(1) }), chat);
    expect(search([cont], { atStreamStart: true })).toBeUndefined();
  });

  it('demands more evidence at the heuristic’s security level than when resynchronising', () => {
    // Binary frames say little about themselves: a few suffice at S = 20, more are needed at S = 32.
    const bin = (n: number) => concat(junk(7), ...Array.from({ length: n }, (_, i) => encodeFrame({ opcode: 2, payload: Uint8Array.of(i, 1, 2, 3), mask: keyOf(i) })));
    const needed = (S: number) => [2, 3, 4, 5, 6, 8, 10, 14, 20].find((n) => search([bin(n)], { securityBits: S, masked: true }) !== undefined);
    expect(needed(SECURITY_BITS_RESYNC)).toBeDefined();
    expect(needed(SECURITY_BITS_HEURISTIC) ?? Infinity).toBeGreaterThan(needed(SECURITY_BITS_RESYNC)!);
  });

  it('follows a long frame to its end without holding it, and finds the same however the bytes are split', () => {
    const long = encodeFrame({ opcode: 2, payload: new Uint8Array(200_000).fill(0x41), mask: keyOf(3) });
    const wire = concat(long.subarray(777), ...chatFrames(3, true));
    const whole = search([wire]);
    expect(whole).toBeDefined();
    const chunks: Uint8Array[] = [];
    for (let o = 0; o < wire.length; o += 1460) chunks.push(wire.subarray(o, o + 1460));
    expect(search(chunks)).toEqual(whole);
  });

  it('property: never throws on random bytes split anywhere, and finds nothing in them at the heuristic’s level', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(3000), (buf, cut) => {
        const found = search([buf.subarray(0, cut), buf.subarray(cut)], { securityBits: SECURITY_BITS_HEURISTIC });
        return found === undefined;
      }),
      { numRuns: 200 },
    );
  });
});
