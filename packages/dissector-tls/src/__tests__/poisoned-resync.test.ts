// Finding records again after a gap, when the first candidate straddles two chunks: the bytes
// handed to data() are valid only during the call (the harness poisons them afterwards), so what
// the search holds while it waits for the rest of a candidate must be its own copy. Split or not,
// the same record is found again and the same plaintext comes out.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MemoryKeyStore } from '../key-store.js';
import { fixture } from './fixtures.js';
import { tlsSession } from './harness.js';
import { streamsOf } from './streams.js';

describe('gap resync over a candidate split across chunks (chunks poisoned after each call)', () => {
  it('finds the same record again and hands on the same bytes as when it came in one chunk', async () => {
    const f = fixture('tls13-aes128gcm-deflate');
    const [chunks] = await streamsOf(f.pcap);
    const keys = (): MemoryKeyStore => {
      const k = new MemoryKeyStore();
      k.addKeyLog(readFileSync(f.keys, 'utf8'));
      return k;
    };
    // The first chunks up to 5000 bytes of the server's stream (the handshake and more), as captured.
    let s2cAt = 0;
    const k = chunks!.findIndex((c) => c.dir === 's2c' && (s2cAt += c.bytes.length) > 5000);
    const head = chunks!.slice(0, k);
    const before = head.filter((c) => c.dir === 's2c').reduce((n, c) => n + c.bytes.length, 0);
    const rest = Buffer.concat(chunks!.slice(k).filter((c) => c.dir === 's2c').map((c) => c.bytes));
    // Record boundaries in what follows, walked from the start of the server's stream.
    const s2c = Buffer.concat([...head.filter((c) => c.dir === 's2c').map((c) => c.bytes), rest]);
    const starts: number[] = [];
    for (let o = 0; o + 5 <= s2c.length; o += 5 + s2c.readUInt16BE(o + 3)) if (o >= before) starts.push(o - before);
    expect(starts.length).toBeGreaterThan(3);
    // Lose the start of a record: the search begins inside it; the next record is the candidate.
    const r1 = starts[1]!;
    const r2 = starts[2]!;
    const gap = r1 + 10;
    const run = (pieces: Uint8Array[]) => {
      const s = tlsSession({ keys: keys() });
      for (const c of head) s.tls.data(c.dir, c.bytes, c.ts, c.frame);
      s.tls.gap('s2c', gap, 1n, 1000);
      pieces.forEach((p, i) => s.tls.data('s2c', p, 2n, 1001 + i));
      s.tls.end(3n, 2000);
      return { bytes: s.rec.bytes('s2c'), warnings: s.summary().warnings.map((w) => w.message) };
    };
    const whole = run([rest.subarray(gap)]);
    expect(whole.warnings.some((w) => w.includes('found again'))).toBe(true);
    // The candidate's header and its first bytes in one chunk, the rest in the next.
    const split = run([rest.subarray(gap, r2 + 20), rest.subarray(r2 + 20)]);
    expect(split.warnings).toEqual(whole.warnings);
    expect(split.bytes.equals(whole.bytes)).toBe(true);
  });
});
