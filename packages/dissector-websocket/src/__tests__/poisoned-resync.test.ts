// FrameResync and FrameChainSearch fed chunks that are poisoned (0xEE) once push() returns: a
// chunk is a view valid only during the call, so the tail a search keeps for frames that straddle
// chunks must be its own copy. Split anywhere, poisoned or not, they find what they find in one
// piece.
import { describe, expect, it } from 'vitest';
import { withPoisonedChunk } from '../../../../test-support/poison.js';
import { SECURITY_BITS_RESYNC, type DirectionRules } from '../frame-evidence.js';
import { FrameChainSearch, findFrameChain, type ChainVerdict } from '../frame-chain-search.js';
import { FrameResync, type FrameResyncFound, type FrameResyncRules } from '../websocket-resync.js';
import { chatFrames, concat, encodeFrame, keyOf } from './frames.js';

const SERVER: DirectionRules = { masked: false, rsv1: true, continuationFirst: true };
const CLIENT: DirectionRules = { masked: true, rsv1: true, continuationFirst: true };

/** Cuts `bytes` into chunks of `size`. */
const chunked = (bytes: Uint8Array, size: number): Uint8Array[] => Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));

/** One direction's bytes starting inside a frame: the end of a long one, then a chat with binary frames of several lengths. */
function wire(masked: boolean): Uint8Array {
  const mask = (i: number) => (masked ? keyOf(i + 7) : undefined);
  const frames: Uint8Array[] = [];
  for (let i = 0; i < 12; i++) {
    frames.push(encodeFrame({ opcode: 1, payload: `message ${i}: ${'x'.repeat(i * 37)}`, mask: mask(i) }));
    if (i % 3 === 0) frames.push(encodeFrame({ opcode: 2, payload: Uint8Array.from({ length: 300 + i * 50 }, (_, j) => (j * 7 + i) & 0xff), mask: mask(i + 50) }));
  }
  const long = encodeFrame({ opcode: 2, payload: new Uint8Array(5000).fill(0x41), mask: mask(99) });
  return concat(long.subarray(1234), ...frames);
}

describe('FrameChainSearch, chunks poisoned after each push', () => {
  function pushAll(s: FrameChainSearch, chunks: Uint8Array[]): ChainVerdict {
    let v: ChainVerdict = { kind: 'need', bytes: 1 };
    for (const c of chunks) {
      v = withPoisonedChunk(c, (view) => s.push(view));
      if (v.kind !== 'need') return v;
    }
    return withPoisonedChunk(new Uint8Array(0), () => s.finish());
  }

  for (const [name, rules] of [['server', SERVER], ['client', CLIENT]] as const) {
    it(`${name}: the same chain at any chunking`, () => {
      const bytes = wire(rules.masked!);
      const whole = findFrameChain(bytes, rules, { securityBits: SECURITY_BITS_RESYNC });
      expect(whole.kind).toBe('match');
      if (whole.kind !== 'match') return;
      for (const size of [1, 2, 3, 5, 7, 13, 64, 200, 1460]) {
        const v = pushAll(new FrameChainSearch(rules, { securityBits: SECURITY_BITS_RESYNC }), chunked(bytes, size));
        expect(v.kind, `chunks of ${size}`).toBe('match');
        if (v.kind !== 'match') continue;
        expect(v.offset, `chunks of ${size}`).toBe(whole.offset);
        // It may be believed a frame later (more positions tried by then); the frames agree.
        const n = Math.min(v.frames.length, whole.frames.length);
        expect(v.frames.slice(0, n), `chunks of ${size}`).toEqual(whole.frames.slice(0, n));
      }
    });
  }
});

describe('FrameResync, chunks poisoned after each push', () => {
  const rules: FrameResyncRules = { masked: undefined, rsv1: true, atStreamStart: false, securityBits: SECURITY_BITS_RESYNC, maxPayload: 1 << 24 };
  function search(chunks: Uint8Array[]): FrameResyncFound | undefined {
    const s = new FrameResync(rules);
    for (const c of chunks) {
      const found = withPoisonedChunk(c, (view) => s.push(view));
      if (found) return found;
    }
    return s.finish();
  }

  it('finds the same frames and masking at any chunking', () => {
    for (const masked of [false, true]) {
      const bytes = concat(wire(masked), ...chatFrames(4, masked));
      const whole = search([bytes]);
      expect(whole).toMatchObject({ masked });
      for (const size of [1, 2, 3, 5, 7, 13, 64, 200, 1460]) {
        const found = search(chunked(bytes, size));
        expect(found, `chunks of ${size}`).toBeDefined();
        expect(found!.masked).toBe(masked);
        const n = Math.min(found!.frames.length, whole!.frames.length);
        expect(found!.frames.slice(0, n), `chunks of ${size}`).toEqual(whole!.frames.slice(0, n));
      }
    }
  });
});
