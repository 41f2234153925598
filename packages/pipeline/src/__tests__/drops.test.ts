import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_MEMORY_BUDGET, MemoryBudget } from '@netrx/core';
import { Tokens, createContainer, createPipeline, memoryBytes, parseByteSize, somethingDropped, type DropCounts } from '../index.js';
import { impossibleWsLength, incompleteFragments, stackedVlanTags } from '../../../../test-support/hostile/packet-inputs.js';
import { mixedCapture } from '../../../../test-support/mixed-capture.js';
import { corpusCaptures, corpusDir } from '../../../../test-support/corpus.js';

const sample = fileURLToPath(new URL('../../../../examples/chat-server/capture/chat.pcap', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'netrx-drops-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe('a pipeline counts what it drops', () => {
  it('nothing on a clean capture, and drops$ says so at the end of the run', async () => {
    const pipeline = createPipeline({ file: sample });
    const ends: DropCounts[] = [];
    pipeline.drops$.subscribe((d) => ends.push(d));
    await lastValueFrom(pipeline.capture().pipe(toArray()));
    expect(ends).toHaveLength(1);
    expect(somethingDropped(ends[0]!)).toBe(false);
    expect(ends[0]!.memory).toMatchObject({ limit: DEFAULT_MEMORY_BUDGET, refused: 0 });
  });

  it('IP datagrams whose last fragment never came', async () => {
    const pipeline = createPipeline({ file: file('frag.pcap', incompleteFragments(7)) });
    const ends: DropCounts[] = [];
    pipeline.drops$.subscribe((d) => ends.push(d));
    await lastValueFrom(pipeline.frames().pipe(pipeline.packets(), toArray()));
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ fragmentsIncomplete: 7, fragmentsEvicted: 0, layersCut: 0 });
    expect(somethingDropped(ends[0]!)).toBe(true);
    // The fragments gave their memory back when the run ended.
    expect(pipeline.budget.used).toBe(0);
  });

  it('fragments evicted by a tiny budget, which is never exceeded', async () => {
    const pipeline = createPipeline({ file: file('frag-tiny.pcap', incompleteFragments(20)), memory: 4000 });
    await lastValueFrom(pipeline.capture().pipe(toArray()), { defaultValue: undefined });
    const d = pipeline.drops();
    expect(d.fragmentsEvicted).toBeGreaterThan(0);
    expect(d.fragmentsEvicted + d.fragmentsIncomplete).toBe(20);
    expect(d.memory.peak).toBeLessThanOrEqual(4000);
  });

  it('a packet cut at the layer cap', async () => {
    const pipeline = createPipeline({ file: file('vlan.pcap', stackedVlanTags(1000)) });
    await lastValueFrom(pipeline.capture(), { defaultValue: undefined });
    expect(pipeline.drops().layersCut).toBe(1);
  });

  it('a WebSocket frame header with an impossible length: a warning of its own, counted', async () => {
    const pipeline = createPipeline({ file: file('ws.pcap', impossibleWsLength()) });
    await lastValueFrom(pipeline.capture(), { defaultValue: undefined });
    expect(pipeline.drops().warnings).toEqual({ WARN_WS_BAD_HEADER: 1 });
  });

  it('a tiny budget on a mixed capture: the run completes, the peak stays within it, refusals are counted', async () => {
    const pipeline = createPipeline({ file: file('mixed.pcap', mixedCapture(3, 40)), memory: '16KiB' });
    const events = await lastValueFrom(pipeline.capture().pipe(toArray()));
    expect(events.length).toBeGreaterThan(0);
    const d = pipeline.drops();
    expect(d.memory.limit).toBe(16 * 1024);
    expect(d.memory.peak).toBeLessThanOrEqual(16 * 1024);
  });
});

describe.skipIf(!corpusDir)('a tiny budget on corpus captures (TLS: a key log that never comes, so records are held)', () => {
  const tls = corpusDir === undefined ? [] : ['s7_wss_node_tls13_aes128.pcap', 's7_wss_node_tls12_ecdhe_rsa_aes128gcm.pcap'].map((f) => join(corpusDir!, 'captures-tls', f));
  for (const file of [...corpusCaptures().slice(0, 2), ...tls]) {
    it(file.slice(file.lastIndexOf('/') + 1), async () => {
      // A key log file that does not exist yet: TLS records wait for it (held, on the budget).
      const pipeline = createPipeline({ file, memory: '48KiB', keylog: join(dir, 'keys-never.log') });
      const events = await lastValueFrom(pipeline.capture().pipe(toArray()));
      expect(events.length).toBeGreaterThan(0);
      const d = pipeline.drops();
      // The budget was never exceeded, and everything drawn was given back at the end.
      expect(d.memory.peak).toBeLessThanOrEqual(48 * 1024);
      expect(d.memory.used).toBe(0);
    });
  }
});

describe('the memory option', () => {
  it('reads sizes with units, and refuses what is not one', () => {
    expect(parseByteSize('256MiB')).toBe(256 * 1024 * 1024);
    expect(parseByteSize('1GiB')).toBe(1024 ** 3);
    expect(parseByteSize('1.5k')).toBe(1536);
    expect(parseByteSize('4096')).toBe(4096);
    expect(memoryBytes(undefined)).toBe(DEFAULT_MEMORY_BUDGET);
    for (const bad of ['', 'lots', '-1MiB', '0', '12 parsecs', '1e3']) expect(() => parseByteSize(bad)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
    expect(() => createPipeline({ memory: 'huge' })).toThrow(/memory must be a number of bytes/);
    expect(() => createPipeline({ memory: 0 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
  });

  it('makes one budget per pipeline, unless a container shares one', () => {
    const a = createPipeline({ memory: '1MiB' });
    expect(a.budget.limit).toBe(1024 * 1024);
    expect(createPipeline().budget).not.toBe(createPipeline().budget);
    const shared = new MemoryBudget(1234);
    const c = createContainer();
    c.register(Tokens.MemoryBudget, { useValue: shared });
    expect(createPipeline({ container: c }).budget).toBe(shared);
  });
});
