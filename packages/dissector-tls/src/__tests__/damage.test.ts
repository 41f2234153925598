// Damaged captures: a record that does not authenticate, bytes never captured, a capture that
// begins after the handshake. Never is ciphertext handed on as plaintext; what is lost is a gap
// for the next dissector and a warning with its stream offset.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MemoryKeyStore } from '../key-store.js';
import { fixture, type Fixture } from './fixtures.js';
import { tlsSession } from './harness.js';
import { feed, streamsOf, type Chunk } from './streams.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function keysOf(f: Fixture): MemoryKeyStore {
  const k = new MemoryKeyStore();
  k.addKeyLog(readFileSync(f.keys, 'utf8'));
  return k;
}

/** The stream offset of each chunk of one direction. */
function offsets(chunks: readonly Chunk[], dir: 'c2s' | 's2c'): number[] {
  let o = 0;
  return chunks.map((c) => {
    const at = o;
    if (c.dir === dir) o += c.bytes.length;
    return at;
  });
}

describe('damaged TLS streams', () => {
  for (const name of ['tls13-chacha20-deflate', 'tls12-ecdhe-rsa-aes256gcm-deflate', 'tls12-ecdhe-ecdsa-aes128gcm']) {
    const f = fixture(name);
    const truth = f.truth.connections[0]!;

    it(`${name}: a record that does not authenticate is a warning and a gap; the records after it decrypt`, async () => {
      const [chunks] = await streamsOf(f.pcap);
      const clean = tlsSession({ keys: keysOf(f) });
      feed(clean.tls, chunks!);
      // Flip a bit in the middle of the server's bytes, well after the handshake.
      const at = offsets(chunks!, 's2c');
      const k = chunks!.findIndex((c, i) => c.dir === 's2c' && at[i]! > 20_000);
      const damaged = chunks!.map((c, i) => (i === k ? { ...c, bytes: c.bytes.map((b, j) => (j === 100 ? b ^ 1 : b)) } : c));
      const s = tlsSession({ keys: keysOf(f) });
      feed(s.tls, damaged);
      const sum = s.summary();
      expect(sum.decrypted).toBe(true);
      expect(sum.stats.s2c.authFailures).toBe(1);
      expect(sum.warnings.map((w) => w.code)).toEqual(['WARN_TLS_RECORD_AUTH']);
      expect(sum.warnings[0]!.offset).toBeLessThanOrEqual(at[k]! + 100);
      expect(sum.warnings[0]!.offset).toBeGreaterThan(at[k]! + 100 - 16_700);
      // The plaintext is the true one with one hole, and the hole is reported as a gap of its size.
      expect(s.rec.gaps.s2c).toHaveLength(1);
      const before = s.rec.log.slice(0, s.rec.log.findIndex((l) => l[0] === 'gap')).filter((l) => l[1] === 's2c').reduce((n, l) => n + l[2], 0);
      const whole = clean.rec.bytes('s2c');
      const hole = s.rec.gaps.s2c[0]!;
      expect(hole).toBeGreaterThan(0);
      expect(Buffer.concat([whole.subarray(0, before), whole.subarray(before + hole)]).equals(s.rec.bytes('s2c'))).toBe(true);
      expect(s.rec.bytes('c2s').equals(clean.rec.bytes('c2s'))).toBe(true);
      expect(sha(clean.rec.bytes('s2c'))).toBe(truth.s2c.sha256);
    });

    it(`${name}: bytes not captured end that direction with a gap; the other direction is whole`, async () => {
      const [chunks] = await streamsOf(f.pcap);
      const at = offsets(chunks!, 'c2s');
      const k = chunks!.findIndex((c, i) => c.dir === 'c2s' && at[i]! > 5000);
      const s = tlsSession({ keys: keysOf(f) });
      for (let i = 0; i < chunks!.length; i++) {
        const c = chunks![i]!;
        if (i === k) s.tls.gap(c.dir, c.bytes.length, c.ts, c.frame);
        else s.tls.data(c.dir, c.bytes, c.ts, c.frame);
      }
      s.tls.end(0n, 0);
      const sum = s.summary();
      expect(sum.warnings.map((w) => w.code)).toEqual(['WARN_TLS_GAP']);
      expect(sum.warnings[0]!.offset).toBeGreaterThanOrEqual(at[k]!);
      expect(s.rec.gaps.c2s).toEqual([chunks![k]!.bytes.length]);
      expect(sha(s.rec.bytes('s2c'))).toBe(truth.s2c.sha256);
      const c2s = s.rec.bytes('c2s');
      expect(c2s.length).toBeLessThan(truth.c2s.bytes);
      expect(c2s.length).toBeGreaterThan(0);
    });

    it(`${name}: a capture that begins after the handshake is reported, and nothing is shown`, async () => {
      const [chunks] = await streamsOf(f.pcap);
      const at = offsets(chunks!, 's2c');
      const start = chunks!.findIndex((c, i) => c.dir === 's2c' && at[i]! > 10_000);
      // A midstream capture starts at a segment boundary, which is rarely a record boundary.
      const s = tlsSession({ keys: keysOf(f) });
      feed(s.tls, chunks!.slice(start));
      const sum = s.summary();
      expect(s.rec.contexts).toHaveLength(0);
      expect(sum.decrypted).toBe(false);
      expect(['handshake-not-captured', 'not-tls']).toContain(sum.reason);
    });
  }

  it('a capture that begins exactly at a record boundary after the handshake says the handshake was not captured', async () => {
    const f = fixture('tls13-aes256gcm');
    const [chunks] = await streamsOf(f.pcap);
    // The server's bytes from its first application data record on, found by walking the records.
    const s2c = Buffer.concat(chunks!.filter((c) => c.dir === 's2c').map((c) => c.bytes));
    let o = 0;
    let n = 0;
    while (n < 4) {
      o += 5 + s2c.readUInt16BE(o + 3);
      n++;
    }
    const s = tlsSession({ keys: keysOf(f) });
    s.tls.data('s2c', s2c.subarray(o), 1n, 1);
    s.tls.end(2n, 2);
    expect(s.summary()).toMatchObject({ decrypted: false, reason: 'handshake-not-captured' });
    expect(s.rec.contexts).toHaveLength(0);
  });
});
