// Parallel runs against one thread, byte for byte. Worker threads run the compiled packages:
// `ensureBuiltDist()` builds them first (incremental).
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, take, toArray, type Observable } from 'rxjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDissectStats } from '@netrx/core';
import { createReassemblerTotals } from '@netrx/dissector-tcp';
import { ensureBuiltDist } from '../../../../test-support/built-dist.js';
import { corpusCaptures, corpusDir, noteIfCorpusMissing, publicManifest } from '../../../../test-support/corpus.js';
import { corpusMedley } from '../../../../test-support/corpus-medley.js';
import { captureJsonLines, captureLines, mainShare, type JsonLinesKind, type LineChunk, type ThreadStats } from '../index.js';
import { mixedCapture } from '../../../../test-support/mixed-capture.js';

const KINDS: readonly JsonLinesKind[] = ['ws', 'http', 'tcp', 'packets'];

async function text(lines: Observable<LineChunk>): Promise<{ out: string; messages: string }> {
  const chunks = await lastValueFrom(lines.pipe(toArray()));
  const part = (c: LineChunk['channel']) => Buffer.concat(chunks.filter((x) => x.channel === c).map((x) => x.bytes)).toString();
  return { out: part('out'), messages: part('messages') };
}

let dir: string;
let mixed: string;

beforeAll(() => {
  ensureBuiltDist();
  dir = mkdtempSync(join(tmpdir(), 'netrx-parallel-'));
  mixed = join(dir, 'mixed.pcap');
  writeFileSync(mixed, mixedCapture());
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('captureJsonLines: workers write what one thread writes', () => {
  for (const lines of KINDS) {
    test(`${lines} on a capture of interleaved, fragmented, idle, cut and reused connections`, async () => {
      const one = await text(captureJsonLines({ file: mixed, lines, workers: 1 }));
      expect(one.out.split('\n').length).toBeGreaterThan(lines === 'ws' ? 50 : 100);
      for (const workers of [2, 3, 5]) {
        const many = await text(captureJsonLines({ file: mixed, lines, workers, batchFrames: 97 }));
        expect(many.out, `${workers} workers`).toBe(one.out);
      }
    });
  }

  test('the capture has what it is meant to: timeouts, fragments, port reuse, midstream, open at the end', async () => {
    const tcp = (await text(captureJsonLines({ file: mixed, lines: 'tcp', workers: 1 }))).out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const closes = new Set(tcp.map((c) => c.close));
    for (const c of ['fin', 'rst', 'idle', 'end']) expect(closes).toContain(c);
    expect(tcp.some((c) => (c.c2s as { gaps: number }).gaps > 0)).toBe(true);
    expect(new Set(tcp.map((c) => c.clientBy))).toContain('port');
    const packets = (await text(captureJsonLines({ file: mixed, lines: 'packets', workers: 1 }))).out;
    expect(packets).toContain('"vlan"');
    const reassembled = packets.split('\n').filter((l) => l.includes('"tcp"') && /"ipv[46]"/.test(l));
    expect(reassembled.length).toBeGreaterThan(100);
  });

  test('counters are added up over the workers', async () => {
    const one = { tcp: createReassemblerTotals(), dissect: createDissectStats() };
    const three = { tcp: createReassemblerTotals(), dissect: createDissectStats() };
    const options = { dissect: { stats: createDissectStats() } };
    await text(captureJsonLines({ file: mixed, lines: 'tcp', workers: 1, options, stats: one }));
    await text(captureJsonLines({ file: mixed, lines: 'tcp', workers: 3, options, stats: three }));
    expect(one.tcp.connections).toBeGreaterThan(100);
    expect(three.tcp).toEqual(one.tcp);
    expect(one.dissect.bytes).toBeGreaterThan(0);
    // Fragments sent last first go to every worker: each holds them, one writes them.
    const { fragments: f1, ...rest1 } = one.dissect;
    const { fragments: f3, ...rest3 } = three.dissect;
    expect(rest3.packets).toBeGreaterThanOrEqual(rest1.packets);
    expect(f3.reassembled).toBe(f1.reassembled);
  });
});

/** A job module an application would write (fixtures/counting-job.mjs). */
const countingJob = new URL('./fixtures/counting-job.mjs', import.meta.url);

describe('captureLines', () => {
  test('a job module of your own, with counters of its own', async () => {
    const one = { counters: {} as Record<string, number> };
    const four = { counters: {} as Record<string, number> };
    const a = await text(captureLines({ file: mixed, workers: 1, job: { module: countingJob, args: {} }, stats: one }));
    const b = await text(captureLines({ file: mixed, workers: 4, job: { module: countingJob, args: {} }, stats: four }));
    expect(b.out).toBe(a.out);
    expect(a.out.split('\n')[0]).toMatch(/^#\d+ \S+ (fin|rst|idle)$/);
    expect(one.counters.lines).toBe(a.out.trim().split('\n').length);
    expect(four.counters).toEqual(one.counters);
  });

  test('what each thread used: this thread first, then each worker, with its share', async () => {
    const three: ThreadStats[] = [];
    const none: ThreadStats[] = [];
    const one: ThreadStats[] = [];
    await text(captureJsonLines({ file: mixed, lines: 'ws', workers: 3, threadStats: three }));
    await text(captureJsonLines({ file: mixed, lines: 'ws', workers: 2, mainShare: 0, threadStats: none }));
    await text(captureJsonLines({ file: mixed, lines: 'ws', workers: 1, threadStats: one }));
    expect(three.map((t) => [t.index, t.main])).toEqual([[0, true], [1, false], [2, false]]);
    expect(three.reduce((sum, t) => sum + t.share, 0)).toBeCloseTo(1, 9);
    expect(three[0]!.share).toBeCloseTo(mainShare(3), 9);
    expect(none.map((t) => [t.index, t.main, t.share])).toEqual([[-1, true, 0], [0, false, 0.5], [1, false, 0.5]]);
    expect(one.map((t) => [t.index, t.main, t.share])).toEqual([[0, true, 1]]);
    for (const t of [...three, ...none, ...one]) {
      expect(t.heapPeakBytes).toBeGreaterThan(1 << 20);
      expect(t.externalPeakBytes).toBeGreaterThan(0);
      // A worker's CPU time counts from its start (loading its modules takes well over the 10 ms the system counts in).
      if (process.platform === 'linux') expect(t.cpuSeconds).toBeGreaterThanOrEqual(t.main ? 0 : 0.01);
    }
  });

  test('a source that fails part-way: every line before the break, then its error', async () => {
    const whole = mixedCapture();
    const broken = join(dir, 'broken.pcap');
    writeFileSync(broken, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const run = async (workers: number) => {
      const chunks: LineChunk[] = [];
      let error: unknown;
      await new Promise<void>((resolve) => captureJsonLines({ file: broken, lines: 'tcp', workers }).subscribe({ next: (c) => chunks.push(c), error: (e) => ((error = e), resolve()), complete: resolve }));
      return { out: Buffer.concat(chunks.map((c) => c.bytes)).toString(), error: (error as Error | undefined)?.message };
    };
    const one = await run(1);
    expect(one.error).toMatch(/file ends inside record/);
    expect(one.out.length).toBeGreaterThan(0);
    expect(await run(3)).toEqual(one);
  });

  test('a job module that does not load errors the run', async () => {
    await expect(lastValueFrom(captureLines({ file: mixed, workers: 2, job: { module: join(dir, 'missing.mjs') } }))).rejects.toThrow(/missing\.mjs/);
    await expect(lastValueFrom(captureLines({ file: mixed, workers: 2, job: { module: countingJob, export: 'nope' } }))).rejects.toThrow(/no export "nope"/);
  });

  test('bad worker counts are refused', () => {
    expect(() => captureJsonLines({ file: mixed, lines: 'ws', workers: 0 })).toThrow(/whole number from 1/);
    expect(() => captureJsonLines({ file: mixed, lines: 'ws', workers: 1.5 })).toThrow(/whole number from 1/);
  });

  test('unsubscribing stops the run', async () => {
    const first = await lastValueFrom(captureJsonLines({ file: mixed, lines: 'packets', workers: 3, batchFrames: 50 }).pipe(take(1), toArray()));
    expect(first.length).toBe(1);
  });

  test('frames from a source of your own, which never waits', async () => {
    const { fromCaptureFile } = await import('@netrx/source-file');
    const one = await text(captureJsonLines({ file: mixed, lines: 'http', workers: 1 }));
    const mine = await text(captureJsonLines({ lines: 'http', workers: 3, batchBytes: 1024, batchFrames: 300, frames: () => fromCaptureFile(mixed) }));
    expect(mine.out).toBe(one.out);
  });
});

describe('captureJsonLines on the corpus', () => {
  const skip = noteIfCorpusMissing('parallel runs on the corpus');

  /** The lines of one run, and its error's message if it ended with one. */
  async function run(file: string, lines: JsonLinesKind, workers: number): Promise<{ out: string; error?: string }> {
    let error: string | undefined;
    const chunks: Uint8Array[] = [];
    await new Promise<void>((resolve) =>
      captureJsonLines({ file, lines, workers, batchFrames: 64 }).subscribe({ next: (c) => chunks.push(c.bytes), error: (e: Error) => ((error = e.message), resolve()), complete: resolve }),
    );
    return { out: Buffer.concat(chunks).toString(), error };
  }

  test.skipIf(skip)('each WebSocket capture, its messages and connections: 2 workers write what one writes', async () => {
    const files = corpusCaptures();
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) for (const lines of ['ws', 'tcp'] as const) expect(await run(file, lines, 2), `${file} ${lines}`).toEqual(await run(file, lines, 1));
  }, 600_000);

  test.skipIf(skip)('every public and TLS capture at once, every kind: 3 workers write what one writes', async () => {
    const tls = readdirSync(join(corpusDir!, 'captures-tls')).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => join(corpusDir!, 'captures-tls', f));
    const files = [...publicManifest().map((r) => r.path), ...tls];
    expect(files.length).toBeGreaterThan(40);
    const medley = join(dir, 'medley.pcapng');
    writeFileSync(medley, await corpusMedley(files));
    for (const lines of KINDS) {
      const one = await run(medley, lines, 1);
      expect(one.out.length).toBeGreaterThan(1000);
      expect(await run(medley, lines, 3), lines).toEqual(one);
    }
  }, 600_000);
});
