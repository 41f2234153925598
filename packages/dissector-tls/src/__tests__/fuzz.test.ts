// Random and mutated input never throws, and never makes plaintext out of bytes that did not
// authenticate: whatever is handed on is a piece of the real application data.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseClientHello } from '../client-hello.js';
import { MemoryKeyStore } from '../key-store.js';
import { parseEncryptedExtensionsAlpn, parseServerHello } from '../server-hello.js';
import { probeTls, tlsClientDecider } from '../tls-probe.js';
import { tlsSession } from './harness.js';
import * as v from './rfc8448.js';

/** The RFC 8448 session as (direction, bytes) steps. */
const steps: ['c2s' | 's2c', Uint8Array][] = [
  ['c2s', v.RECORD_CLIENT_HELLO],
  ['s2c', v.RECORD_SERVER_HELLO],
  ['s2c', v.RECORD_SERVER_FLIGHT],
  ['c2s', v.RECORD_CLIENT_FINISHED],
  ['s2c', v.RECORD_TICKET],
  ['c2s', v.RECORD_CLIENT_DATA],
  ['s2c', v.RECORD_SERVER_DATA],
  ['c2s', v.RECORD_CLIENT_ALERT],
  ['s2c', v.RECORD_SERVER_ALERT],
];

const keys = (): MemoryKeyStore => {
  const k = new MemoryKeyStore();
  k.addKeyLog(v.keyLog());
  return k;
};

describe('fuzz', () => {
  it('random bytes in random chunks, both directions, never throw and hand nothing on', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.uint8Array({ maxLength: 300 })), { maxLength: 20 }), fc.boolean(), (chunks, gap) => {
        const s = tlsSession({ keys: keys() });
        let frame = 0;
        for (const [c2s, bytes] of chunks) {
          frame++;
          s.tls.data(c2s ? 'c2s' : 's2c', bytes, BigInt(frame), frame);
          if (gap && frame === 3) s.tls.gap('s2c', 10, BigInt(frame), frame);
        }
        s.tls.end(0n, 0);
        expect(s.rec.contexts).toHaveLength(0);
        const said = s.events.filter((e) => e.type === 'tls.connection');
        expect(said).toHaveLength(chunks.some(([, b]) => b.length > 0) ? 1 : 0);
        if (said.length > 0) expect(s.summary().decrypted).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('random records (valid headers, random bodies) never throw and hand nothing on', () => {
    const rec = fc.tuple(fc.constantFrom(20, 21, 22, 23, 24), fc.constantFrom(0x0301, 0x0303, 0x0304), fc.uint8Array({ maxLength: 200 })).map(([t, ver, body]) =>
      Uint8Array.from([t, ver >> 8, ver & 0xff, body.length >> 8, body.length & 0xff, ...body]),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), rec), { maxLength: 15 }), (records) => {
        const s = tlsSession({ keys: keys() });
        // A real ClientHello first, so the dissector goes deep into its state machine.
        s.tls.data('c2s', v.RECORD_CLIENT_HELLO, 1n, 1);
        for (const [c2s, r] of records) s.tls.data(c2s ? 'c2s' : 's2c', r, 2n, 2);
        s.tls.end(3n, 3);
        expect(s.rec.contexts).toHaveLength(0);
      }),
      { numRuns: 500 },
    );
  });

  it('a real session with bytes changed, dropped or cut anywhere hands on only real application data', () => {
    const app = Buffer.from(v.APP_DATA);
    let whole = 0;
    fc.assert(
      fc.property(
        fc.nat(steps.length - 1),
        fc.nat(700),
        fc.integer({ min: 1, max: 255 }),
        fc.constantFrom('flip', 'drop', 'gap', 'truncate'),
        fc.integer({ min: 1, max: 64 }),
        (which, pos, xor, how, split) => {
          const s = tlsSession({ keys: keys() });
          steps.forEach(([dir, rec], i) => {
            let bytes = rec;
            if (i === which) {
              const p = pos % rec.length;
              if (how === 'flip') bytes = rec.map((b, j) => (j === p ? b ^ xor : b));
              else if (how === 'drop') bytes = Uint8Array.from([...rec.subarray(0, p), ...rec.subarray(p + 1)]);
              else if (how === 'truncate') bytes = rec.subarray(0, p);
              else {
                s.tls.gap(dir, rec.length, BigInt(i), i);
                return;
              }
            }
            for (let o = 0; o < bytes.length; o += split) s.tls.data(dir, bytes.subarray(o, o + split), BigInt(i), i);
          });
          s.tls.end(99n, 99);
          for (const d of ['c2s', 's2c'] as const) {
            for (const chunk of s.rec.chunks[d]) expect(app.includes(chunk), `${d} ${chunk.toString('hex')}`).toBe(true);
            expect(s.rec.bytes(d).length).toBeLessThanOrEqual(app.length);
          }
          expect(s.summary().type).toBe('tls.connection');
          if (s.rec.bytes('c2s').equals(app) && s.rec.bytes('s2c').equals(app)) whole++;
        },
      ),
      { numRuns: 600 },
    );
    // Damage to the alerts or the ticket leaves the data whole: the property was not vacuous.
    expect(whole).toBeGreaterThan(20);
  });

  it('hello parsers, the heuristic and the client decider take any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
        parseClientHello(b);
        parseServerHello(b);
        parseEncryptedExtensionsAlpn(b);
        expect(['match', 'reject', 'need-more']).toContain(probeTls(b));
        tlsClientDecider.decide(b);
      }),
      { numRuns: 2000 },
    );
    // And a real ClientHello with any byte changed.
    fc.assert(
      fc.property(fc.nat(v.CLIENT_HELLO.length - 1), fc.integer({ min: 1, max: 255 }), (p, x) => {
        parseClientHello(v.CLIENT_HELLO.subarray(4).map((b, i) => (i === p ? b ^ x : b)));
        parseServerHello(v.SERVER_HELLO.subarray(4).map((b, i) => (i === p % 86 ? b ^ x : b)));
      }),
      { numRuns: 1000 },
    );
  });
});
