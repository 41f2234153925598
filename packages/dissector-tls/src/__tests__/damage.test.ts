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

/** The decrypted bytes of a clean run of the fixture (equal to the truth: checked elsewhere). */
function fixtureTruthBytes(chunks: readonly Chunk[], f: Fixture, dir: 'c2s' | 's2c'): Buffer[] {
  const s = tlsSession({ keys: keysOf(f) });
  feed(s.tls, chunks);
  expect(sha(s.rec.bytes(dir))).toBe(f.truth.connections[0]![dir].sha256);
  return s.rec.chunks[dir];
}

/** What was handed on for `dir` is the whole plaintext with one hole, at the gap the recorder saw. */
function expectHole(rec: ReturnType<typeof tlsSession>['rec'], dir: 'c2s' | 's2c', whole: Buffer): void {
  const g = rec.log.findIndex((l) => l[0] === 'gap' && l[1] === dir);
  const before = rec.log.slice(0, g).filter((l) => l[0] === 'data' && l[1] === dir).reduce((n, l) => n + l[2], 0);
  const got = rec.bytes(dir);
  const after = got.length - before;
  expect(before + after).toBeLessThanOrEqual(whole.length);
  expect(got.subarray(0, before).equals(whole.subarray(0, before))).toBe(true);
  expect(got.subarray(before).equals(whole.subarray(whole.length - after))).toBe(true);
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

    it(`${name}: bytes not captured are a gap; the records after it are found again and decrypted`, async () => {
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
      expect(sum.warnings.map((w) => w.code)).toEqual(['WARN_TLS_GAP', 'WARN_TLS_GAP']);
      expect(sum.warnings[0]!.message).toContain('looking for the next record');
      expect(sum.warnings[1]!.message).toContain('found again');
      expect(sha(s.rec.bytes('s2c'))).toBe(truth.s2c.sha256);
      expect(s.rec.gaps.c2s).toHaveLength(1);
      expectHole(s.rec, 'c2s', Buffer.concat(fixtureTruthBytes(chunks!, f, 'c2s')));
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

  it('a gap anywhere in a session with KeyUpdates: every record after it that can be found again is decrypted', async () => {
    const f = fixture('tls13-keyupdate');
    const [chunks] = await streamsOf(f.pcap);
    const whole = Buffer.concat(fixtureTruthBytes(chunks!, f, 's2c'));
    let recovered = 0;
    let updateLost = 0;
    for (let k = 0; k < chunks!.length; k++) {
      if (chunks![k]!.dir !== 's2c' || k < 8) continue; // after the handshake
      const s = tlsSession({ keys: keysOf(f) });
      for (let i = 0; i < chunks!.length; i++) {
        const c = chunks![i]!;
        if (i === k) s.tls.gap(c.dir, c.bytes.length, c.ts, c.frame);
        else s.tls.data(c.dir, c.bytes, c.ts, c.frame);
      }
      s.tls.end(0n, 0);
      if (s.rec.gaps.s2c.length === 0) continue;
      expectHole(s.rec, 's2c', whole);
      const sum = s.summary();
      expect(sum.stats.s2c.authFailures, `gap at chunk ${k}`).toBe(0);
      if (sum.warnings.some((w) => w.message.includes('found again'))) recovered++;
      if (sum.warnings.some((w) => w.message.includes('a KeyUpdate was in what was lost'))) updateLost++;
    }
    expect(recovered).toBeGreaterThan(3);
    // Some gaps swallowed a KeyUpdate: the records after it were found under the next keys.
    expect(updateLost).toBeGreaterThan(0);
  });

  it('after a gap, bytes with no record that authenticates give the direction up', () => {
    const f = fixture('tls13-aes128gcm-deflate');
    return streamsOf(f.pcap).then(([chunks]) => {
      const s = tlsSession({ keys: keysOf(f) });
      const at = offsets(chunks!, 's2c');
      const k = chunks!.findIndex((c, i) => c.dir === 's2c' && at[i]! > 5000);
      for (let i = 0; i < k; i++) s.tls.data(chunks![i]!.dir, chunks![i]!.bytes, 1n, i);
      s.tls.gap('s2c', 1000, 1n, k);
      // Protected-looking headers over random bytes: none authenticates.
      for (let i = 0; i < 8; i++) s.tls.data('s2c', Uint8Array.from([23, 3, 3, 0x3f, 0xf0, ...new Uint8Array(0x3ff0).fill(i)]), 2n, k + i);
      s.tls.end(3n, 99);
      const sum = s.summary();
      expect(sum.warnings.at(-1)!.message).toContain('not decrypted from there on');
      expect(sum.decrypted).toBe(true); // what came before the gap was
    });
  });

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
