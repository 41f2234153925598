// findFrameRun alone: where frames start in bytes that begin at an unknown point of a stream.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { findFrameRun, type FrameRunRules } from '../websocket-resync.js';
import { concat, encodeFrame } from './frames.js';

const rules = (r: Partial<FrameRunRules> = {}): FrameRunRules => ({ allowRsv1: true, maxFrame: 1 << 16, ...r });
const M = 0x11223344;
// No header starts in these: each position reads as a whole 2-byte header with RSV2/RSV3 set.
const junk = (n: number) => new Uint8Array(n).fill(0x70);
const text = (s: string, mask?: number) => encodeFrame({ opcode: 1, payload: s, mask });

describe('findFrameRun', () => {
  it('finds two plausible, consistent headers back to back', () => {
    const buf = concat(junk(5), text('one', M), text('two', M), junk(2));
    expect(findFrameRun(buf, 0, rules())).toEqual({ kind: 'found', offset: 5 });
    // From inside the first frame: the second is alone, followed by bytes that are no header.
    expect(findFrameRun(buf, 6, rules())).toEqual({ kind: 'wait', offset: buf.length - 1 });
    expect(findFrameRun(buf.subarray(0, buf.length - 2), 6, rules())).toEqual({ kind: 'found', offset: 5 + text('one', M).length });
  });

  it('believes a lone frame that ends exactly where the bytes end (a segment boundary)', () => {
    expect(findFrameRun(concat(junk(4), text('last')), 0, rules())).toEqual({ kind: 'found', offset: 4 });
  });

  it('waits when a header, or the frame that would decide, is not all there', () => {
    expect(findFrameRun(Uint8Array.of(0x81), 0, rules())).toEqual({ kind: 'wait', offset: 0 }); // half a header
    expect(findFrameRun(concat(text('one', M), text('two', M).subarray(0, 3)), 0, rules())).toEqual({ kind: 'wait', offset: 0 }); // the next header is cut
    const big = encodeFrame({ opcode: 2, payload: new Uint8Array(1000) });
    expect(findFrameRun(concat(junk(2), big.subarray(0, 500)), 0, rules())).toEqual({ kind: 'wait', offset: 2 }); // the frame runs on
    // The last byte can never be decided: a search that finds nothing waits there.
    expect(findFrameRun(junk(40), 0, rules())).toEqual({ kind: 'wait', offset: 39 });
    expect(findFrameRun(new Uint8Array(0), 0, rules())).toEqual({ kind: 'none' });
  });

  it('does not wait for a candidate longer than maxFrame, and finds the next one', () => {
    const big = encodeFrame({ opcode: 2, payload: new Uint8Array(1000) }).subarray(0, 4); // a header claiming 1000 bytes
    const buf = concat(big, text('a'), text('b'));
    expect(findFrameRun(buf, 0, rules({ maxFrame: 500 }))).toEqual({ kind: 'found', offset: 4 });
    expect(findFrameRun(buf, 0, rules({ maxFrame: 2000 }))).toEqual({ kind: 'wait', offset: 0 });
  });

  it('rejects headers no conforming peer sends, and successors that do not fit', () => {
    const found = (buf: Uint8Array, r: Partial<FrameRunRules> = {}) => findFrameRun(buf, 0, rules(r)).kind === 'found';
    expect(found(junk(40))).toBe(false);
    // Masking must match the side, when it is known.
    expect(found(concat(text('a'), text('b')), { expectMask: true })).toBe(false);
    expect(found(concat(text('a', M), text('b', M)), { expectMask: false })).toBe(false);
    expect(found(concat(text('a', M), text('b', M)), { expectMask: true })).toBe(true);
    // Two headers that disagree on masking are not one direction's frames.
    expect(found(concat(text('a', M), text('b'), junk(2)))).toBe(false);
    // RSV1 only where permessage-deflate may be on, and never RSV2/RSV3.
    const z = concat(encodeFrame({ opcode: 1, rsv: 4, payload: 'z' }), text('b'));
    expect(found(z, { allowRsv1: true })).toBe(true);
    expect(found(z, { allowRsv1: false })).toBe(false);
    expect(found(concat(encodeFrame({ opcode: 1, rsv: 2, payload: 'r' }), text('b')))).toBe(false);
    // A reserved opcode, a non-minimal length (§5.2), an empty non-final fragment, a long or
    // fragmented control frame (§5.5), a 1-byte close (§5.5.1).
    expect(found(concat(encodeFrame({ opcode: 3, payload: 'x' }), text('b')))).toBe(false);
    expect(found(concat(encodeFrame({ opcode: 1, payload: 'x', lengthBits: 16 }), text('b')))).toBe(false);
    expect(found(concat(encodeFrame({ opcode: 1, fin: false }), encodeFrame({ opcode: 0, payload: 'b' })))).toBe(false);
    expect(found(concat(encodeFrame({ opcode: 9, payload: 'x'.repeat(126) }), text('b')))).toBe(false);
    expect(found(concat(encodeFrame({ opcode: 9, fin: false, payload: 'p' }), text('b')))).toBe(false);
    expect(found(concat(encodeFrame({ opcode: 8, payload: 'x' }), text('b')))).toBe(false);
    // A continuation after a final data frame, a new data frame inside a fragmented one (§5.4).
    expect(found(concat(text('a'), encodeFrame({ opcode: 0, payload: 'b' }), junk(2)))).toBe(false);
    expect(found(concat(encodeFrame({ opcode: 1, fin: false, payload: 'a' }), text('b'), junk(2)))).toBe(false);
  });

  it('lets the frame after a control frame say whether a fragmented message is open', () => {
    const ping = encodeFrame({ opcode: 9, payload: 'p' });
    expect(findFrameRun(concat(ping, encodeFrame({ opcode: 0, payload: 'rest' }), junk(2)), 0, rules())).toEqual({ kind: 'found', offset: 0 });
    expect(findFrameRun(concat(ping, text('new'), junk(2)), 0, rules())).toEqual({ kind: 'found', offset: 0 });
    expect(findFrameRun(concat(encodeFrame({ opcode: 1, fin: false, payload: 'a' }), encodeFrame({ opcode: 0, payload: 'b' }), junk(2)), 0, rules())).toEqual({ kind: 'found', offset: 0 });
  });

  it('property: finds the first of a run of frames after bytes no header starts at', () => {
    // At least 3 payload bytes: the header that the last junk byte and the first frame's seem to
    // make is then whole, so the search decides it rather than waiting there.
    const frameArb = fc.record({ opcode: fc.constantFrom(1, 2), payload: fc.uint8Array({ minLength: 3, maxLength: 300 }) });
    fc.assert(
      fc.property(fc.nat(30), fc.array(frameArb, { minLength: 1, maxLength: 4 }), fc.boolean(), (skip, frames, masked) => {
        const wire = concat(junk(skip), ...frames.map((f) => encodeFrame({ ...f, mask: masked ? M : undefined })));
        expect(findFrameRun(wire, 0, rules({ expectMask: masked }))).toEqual({ kind: 'found', offset: skip });
      }),
    );
  });

  it('property: never throws, and an offset it gives lies within the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(10), (buf, from) => {
        const r = findFrameRun(buf, from, rules({ maxFrame: 100 }));
        if (r.kind !== 'none') expect(r.offset).toBeGreaterThanOrEqual(from), expect(r.offset).toBeLessThan(Math.max(buf.length, 1));
      }),
      { numRuns: 1000 },
    );
  });
});
