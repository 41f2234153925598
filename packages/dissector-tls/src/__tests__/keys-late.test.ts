// Keys that come after a connection's first records: its records are held (bounded, counted)
// until the key comes — added to the store by the application, or appended to a key log file
// that is re-read at each lookup while a key is missing — and then decrypted as if the key had been there.
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryKeyStore } from '../key-store.js';
import { KeyLogFile } from '../keylog-file.js';
import { KEY_LOG_LABELS } from '../keylog.js';
import { fixture } from './fixtures.js';
import { tlsSession } from './harness.js';
import { feed, streamsOf } from './streams.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('keys that come late', () => {
  for (const name of ['tls13-aes128gcm-deflate', 'tls12-ecdhe-rsa-aes128gcm']) {
    const f = fixture(name);
    const truth = f.truth.connections[0]!;

    it(`${name}: keys added to the store midway decrypt everything held`, async () => {
      const [chunks] = await streamsOf(f.pcap);
      const keys = new MemoryKeyStore();
      const s = tlsSession({ keys });
      const half = Math.floor(chunks!.length / 2);
      feed(s.tls, chunks!.slice(0, half), false);
      expect(s.rec.contexts, 'nothing handed on before the key').toHaveLength(0);
      keys.addKeyLog(readFileSync(f.keys, 'utf8'));
      feed(s.tls, chunks!.slice(half));
      expect({ bytes: s.rec.bytes('c2s').length, sha256: sha(s.rec.bytes('c2s')) }).toEqual(truth.c2s);
      expect({ bytes: s.rec.bytes('s2c').length, sha256: sha(s.rec.bytes('s2c')) }).toEqual(truth.s2c);
      expect(s.summary()).toMatchObject({ decrypted: true, warningCount: 0 });
    });

    it(`${name}: a key log file written after the packets is read when the connection ends`, async () => {
      const [chunks] = await streamsOf(f.pcap);
      const dir = mkdtempSync(join(tmpdir(), 'netrx-keylog-'));
      const path = join(dir, 'keys.log');
      writeFileSync(path, '# written by a browser, later\n');
      const keys = new MemoryKeyStore();
      const file = new KeyLogFile(path, keys);
      const s = tlsSession({ keys });
      feed(s.tls, chunks!, false);
      expect(s.rec.contexts).toHaveLength(0);
      // Written in two steps, the second line without its newline yet.
      const text = readFileSync(f.keys, 'utf8');
      const cut = text.indexOf('\n') + 10;
      appendFileSync(path, text.slice(0, cut));
      appendFileSync(path, text.slice(cut));
      s.tls.end(chunks!.at(-1)!.ts, chunks!.at(-1)!.frame);
      expect(s.rec.bytes('c2s').length).toBe(truth.c2s.bytes);
      expect(sha(s.rec.bytes('s2c'))).toBe(truth.s2c.sha256);
      expect(s.summary().decrypted).toBe(true);
      expect(file.counts.used).toBe(text.split('\n').filter((l) => (KEY_LOG_LABELS as readonly string[]).includes(l.split(' ')[0]!)).length);
    });

    // TLS 1.3 logs four secrets per connection, TLS 1.2 one.
    it.runIf(name.startsWith('tls13'))(`${name}: a key log holding only the connection's first lines when its records come is read again for the rest`, async () => {
      const [chunks] = await streamsOf(f.pcap);
      const dir = mkdtempSync(join(tmpdir(), 'netrx-keylog-'));
      const path = join(dir, 'keys.log');
      const lines = readFileSync(f.keys, 'utf8').split('\n').filter((l) => (KEY_LOG_LABELS as readonly string[]).includes(l.split(' ')[0]!));
      // A client logging as its handshake goes: the first secret is there when the first records are.
      writeFileSync(path, `${lines[0]}\n`);
      const keys = new MemoryKeyStore();
      new KeyLogFile(path, keys);
      const s = tlsSession({ keys });
      const half = Math.floor(chunks!.length / 2);
      feed(s.tls, chunks!.slice(0, half), false);
      expect(s.rec.contexts, 'nothing handed on before the key').toHaveLength(0);
      appendFileSync(path, lines.slice(1).map((l) => `${l}\n`).join(''));
      feed(s.tls, chunks!.slice(half));
      expect({ bytes: s.rec.bytes('c2s').length, sha256: sha(s.rec.bytes('c2s')) }).toEqual(truth.c2s);
      expect(sha(s.rec.bytes('s2c'))).toBe(truth.s2c.sha256);
      expect(s.summary().decrypted).toBe(true);
    });
  }

  it('past the hold limit the connection is given up, counted and said so', async () => {
    const f = fixture('tls13-aes256gcm');
    const [chunks] = await streamsOf(f.pcap);
    const keys = new MemoryKeyStore();
    const s = tlsSession({ keys, maxHeldBytes: 8000 });
    feed(s.tls, chunks!, false);
    keys.addKeyLog(readFileSync(f.keys, 'utf8')); // too late: given up already
    s.tls.end(0n, 0);
    const sum = s.summary();
    expect(s.rec.contexts).toHaveLength(0);
    expect(sum).toMatchObject({ decrypted: false, reason: 'no-key' });
    expect(sum.warnings.map((w) => w.code)).toContain('WARN_TLS_HELD_LIMIT');
    expect(sum.stats.c2s.undecrypted + sum.stats.s2c.undecrypted).toBeGreaterThan(5);
    expect(sum.stats.c2s.records).toBeGreaterThan(sum.stats.c2s.undecrypted);
  });

  it('a key that never comes: no-key when the connection ends, with the client random to look for', async () => {
    const f = fixture('tls12-ecdhe-ecdsa-chacha20');
    const [chunks] = await streamsOf(f.pcap);
    const s = tlsSession({ keys: new MemoryKeyStore() });
    feed(s.tls, chunks!);
    expect(s.summary()).toMatchObject({ decrypted: false, reason: 'no-key', clientRandom: f.truth.connections[0]!.client_random });
    expect(s.summary().reasonText).toContain('CLIENT_RANDOM');
  });
});
