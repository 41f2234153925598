import { fileURLToPath } from 'node:url';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createRegistry, dissect, type DissectStats, createDissectStats } from '@netrx/core';
import { createReassemblerTotals, reassembleTcp } from '@netrx/dissector-tcp';
import { fromCaptureFile } from '@netrx/source-file';
import { corpusCaptures } from '../../../../test-support/corpus.js';
import { defaultPlugins, frameStreams } from '../index.js';

const sample = fileURLToPath(new URL('../../../../examples/chat-server/capture/chat.pcap', import.meta.url));

/** The stream events of both chains over one capture, with the counters each filled. */
async function both(file: string) {
  const registry = createRegistry(defaultPlugins);
  const run = async (fused: boolean) => {
    const stats: DissectStats = createDissectStats();
    const totals = createReassemblerTotals();
    const stage = fused ? frameStreams(registry, { stats }, { totals }) : (f: Parameters<ReturnType<typeof frameStreams>>[0]) => f.pipe(dissect(registry, { stats }), reassembleTcp(registry, { totals }));
    const events = await lastValueFrom(fromCaptureFile(file).pipe(stage, toArray()));
    return { events, protocols: stats.protocols, failures: stats.failures, packets: stats.packets, totals: { ...totals } };
  };
  return { fused: await run(true), chained: await run(false) };
}

describe('frameStreams', () => {
  const files = [sample, ...corpusCaptures().slice(0, 3)];
  it.each(files)('gives the events and counters of dissect() then reassembleTcp(): %s', async (file) => {
    const { fused, chained } = await both(file);
    expect(fused.events.length).toBeGreaterThan(0);
    expect(fused).toEqual(chained);
  });

  it('throws a bad option where the pipeline is built', () => {
    const registry = createRegistry(defaultPlugins);
    expect(() => frameStreams(registry, { maxLayers: 0 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
    expect(() => frameStreams(registry, {}, { idleTimeoutMs: -1 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
  });
});
