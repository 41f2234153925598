// The RFC 6455 rules of frame-evidence.ts, one by one (issue 11: only RFC-valid frames count): a
// header no conforming peer may send is rejected by evalFrame and breaks a chain of real frames
// around it, in both directions. Each case has a valid twin (the same frame as a peer may send it)
// that the same chain believes: so each case fails if its rule's check is removed (verified by
// removing each check of frame-evidence.ts in turn: every case failed but the most significant
// bit's, which maxPayload rejects as well; see its note).
import { describe, expect, it } from 'vitest';
import { findFrameChain } from '../frame-chain-search.js';
import { BETWEEN, START, SECURITY_BITS_RESYNC, evalFrame, tablesFor, type DirectionRules, type FrameEval } from '../frame-evidence.js';
import { prng } from './deflate-sequences.js';
import { chatFrames, concat, keyOf } from './frames.js';

const SERVER: DirectionRules = { masked: false, rsv1: true, continuationFirst: true };
const CLIENT: DirectionRules = { masked: true, rsv1: true, continuationFirst: true };

/** A frame as written: first byte, the length field's bytes (7-bit length first), payload; masked with `mask` when given. */
function raw(b0: number, length: readonly number[], payload: Uint8Array, mask?: number): Uint8Array {
  const key = mask === undefined ? [] : [mask >>> 24, (mask >>> 16) & 0xff, (mask >>> 8) & 0xff, mask & 0xff];
  const head = [b0, (mask === undefined ? 0 : 0x80) | length[0]!, ...length.slice(1), ...key];
  return concat(Uint8Array.from(head), Uint8Array.from(payload, (b, i) => (mask === undefined ? b : b ^ key[i & 3]!)));
}

const r = prng(11);
const binary = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
const text = (s: string) => new TextEncoder().encode(s);
const closeWith = (code: number) => concat(Uint8Array.of(code >> 8, code & 0xff), text('going away now'));
const b50 = binary(50);
const b200 = binary(200);
const ping126 = text('p'.repeat(126));

interface Case {
  readonly rule: string;
  /** The frame no peer may send, masked with `mask` when given. */
  readonly bad: (mask?: number) => Uint8Array;
  /** The same frame as a peer may send it. */
  readonly good: (mask?: number) => Uint8Array;
}

const CASES: readonly Case[] = [
  {
    rule: 'a 16-bit length under 126 (not the shortest form, §5.2)',
    bad: (m) => raw(0x82, [126, 0, 50], b50, m),
    good: (m) => raw(0x82, [50], b50, m),
  },
  {
    rule: 'a 64-bit length under 65536 (not the shortest form, §5.2)',
    bad: (m) => raw(0x82, [127, 0, 0, 0, 0, 0, 0, 0, 200], b200, m),
    good: (m) => raw(0x82, [126, 0, 200], b200, m),
  },
  {
    // Rejected twice over: the length is also over any maxPayload (a number, so at most 2^53).
    // Removing evalFrame's most-significant-bit check alone therefore changes nothing here (the
    // one rule of this table that is not needed on its own); maxPayload's check is.
    rule: 'a 64-bit length with the most significant bit set (§5.2)',
    bad: (m) => raw(0x82, [127, 0x80, 0, 0, 0, 0, 0, 0, 200], b200, m),
    good: (m) => raw(0x82, [126, 0, 200], b200, m),
  },
  {
    rule: 'a control frame that is not final (§5.5)',
    bad: (m) => raw(0x09, [13], text('are you there'), m),
    good: (m) => raw(0x89, [13], text('are you there'), m),
  },
  {
    rule: 'a control frame of 126 bytes (at most 125, §5.5)',
    bad: (m) => raw(0x89, [126, 0, 126], ping126, m),
    good: (m) => raw(0x89, [125], ping126.subarray(0, 125), m),
  },
  ...[999, 1005, 1006].map<Case>((code) => ({
    rule: `close code ${code} (may not be sent, §7.4)`,
    bad: (m) => raw(0x88, [16], closeWith(code), m),
    good: (m) => raw(0x88, [16], closeWith(1001), m),
  })),
  {
    rule: 'RSV2 (no extension defines it, §5.2)',
    bad: (m) => raw(0xa1, [20], text('rsv two is never set'), m),
    good: (m) => raw(0x81, [20], text('rsv two is never set'), m),
  },
  {
    rule: 'RSV3 (no extension defines it, §5.2)',
    bad: (m) => raw(0x91, [22], text('rsv three is never set'), m),
    good: (m) => raw(0x81, [22], text('rsv three is never set'), m),
  },
];

const evaluate = (f: Uint8Array, state: number, rules: DirectionRules): FrameEval => {
  const e = { status: -1 } as FrameEval;
  evalFrame(f, 0, f.length, state, tablesFor(rules), e);
  return e;
};

describe('frame rules: a frame no peer may send is never believed', () => {
  for (const c of CASES) {
    for (const [side, rules] of [['server', SERVER], ['client', CLIENT]] as const) {
      it(`${c.rule}, ${side} frames`, () => {
        const mask = rules.masked ? keyOf(77) : undefined;
        const bad = c.bad(mask);
        const good = c.good(mask);
        // The frame alone: rejected between messages and at an unknown start; its twin is valid.
        for (const state of [BETWEEN, START]) {
          expect(evaluate(bad, state, rules).status).toBe(0);
          expect(evaluate(good, state, rules).status).toBe(1);
        }
        // Amid real frames (a chat text proves its own start before it, more after): the chain
        // through it breaks, and no believed frame starts at or before it. With the twin in its
        // place, the chain from the first byte is believed through it.
        const before = chatFrames(1, rules.masked, side)[0]!;
        const after = chatFrames(8, rules.masked, `${side} after`);
        for (const starts of ['first', 'byte'] as const) {
          const v = findFrameChain(concat(before, bad, ...after), rules, { securityBits: SECURITY_BITS_RESYNC, starts });
          const end = before.length + bad.length;
          if (starts === 'first') expect(v.kind).toBe('reject');
          else {
            expect(v.kind).toBe('match');
            if (v.kind === 'match') expect(Math.min(...v.frames, v.offset)).toBeGreaterThanOrEqual(end);
          }
          const twin = findFrameChain(concat(before, good, ...after), rules, { securityBits: SECURITY_BITS_RESYNC, starts });
          expect(twin).toMatchObject({ kind: 'match', offset: 0 });
          if (twin.kind === 'match') expect(twin.frames.slice(0, 2)).toEqual([0, before.length]);
        }
      });
    }
  }
});
