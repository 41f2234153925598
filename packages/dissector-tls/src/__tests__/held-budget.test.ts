// Records held for a key that has not come yet draw on the pipeline's memory budget: given back
// when they are read or dropped; a refused draw gives the connection up, said with a warning.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MemoryBudget } from '@netrx/core';
import { MemoryKeyStore } from '../key-store.js';
import { fixture } from './fixtures.js';
import { tlsSession } from './harness.js';
import { feed, streamsOf } from './streams.js';

describe('held records on the memory budget', () => {
  const f = fixture('tls13-aes128gcm-deflate');

  it('draw while held and give everything back once the key came and they were read', async () => {
    const [chunks] = await streamsOf(f.pcap);
    const keys = new MemoryKeyStore();
    const budget = new MemoryBudget(16 * 1024 * 1024);
    const s = tlsSession({ keys }, budget);
    const half = Math.floor(chunks!.length / 2);
    feed(s.tls, chunks!.slice(0, half), false);
    expect(budget.used).toBeGreaterThan(0);
    keys.addKeyLog(readFileSync(f.keys, 'utf8'));
    feed(s.tls, chunks!.slice(half));
    expect(s.summary()).toMatchObject({ decrypted: true });
    expect(budget.used).toBe(0);
    expect(budget.refused).toBe(0);
  });

  it('a refused draw: WARN_TLS_HELD_MEMORY, not decrypted, nothing left drawn', async () => {
    const [chunks] = await streamsOf(f.pcap);
    const budget = new MemoryBudget(600);
    const s = tlsSession({ keys: new MemoryKeyStore() }, budget);
    feed(s.tls, chunks!);
    const sum = s.summary();
    expect(sum).toMatchObject({ decrypted: false, reason: 'no-key' });
    expect(sum.warnings.map((w) => w.code)).toContain('WARN_TLS_HELD_MEMORY');
    expect(budget.refused).toBeGreaterThan(0);
    expect(budget.peak).toBeLessThanOrEqual(600);
    expect(budget.used).toBe(0);
  });
});
