// `netrx --workers N`: the same bytes on stdout and stderr, and the same exit status, as one
// thread. Worker threads run the compiled packages: `ensureBuiltDist()` builds them first.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuiltDist } from '../../../../test-support/built-dist.js';
import { corpusCaptures, noteIfCorpusMissing } from '../../../../test-support/corpus.js';
import { mixedCapture } from '../../../../test-support/mixed-capture.js';
import { parseArgs } from '../args.js';
import { workersFor } from '../parallel-run.js';
import { run } from './run-cli.js';

let dir: string;
let mixed: string;

beforeAll(() => {
  ensureBuiltDist();
  dir = mkdtempSync(join(tmpdir(), 'netrx-cli-parallel-'));
  mixed = join(dir, 'mixed.pcap');
  writeFileSync(mixed, mixedCapture());
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a command line with one worker and with `workers`, and expects the same of both. */
async function same(workers: number, ...argv: string[]): Promise<{ status: number; out: string; err: string }> {
  const one = await run(...argv, '--workers', '1');
  const many = await run(...argv, '--workers', String(workers));
  expect(many, `${argv.join(' ')} with ${workers} workers`).toEqual(one);
  return one;
}

describe('--workers', () => {
  test('takes a whole number from 1', () => {
    expect(parseArgs(['ws', '-r', 'x', '--workers', '3']).workers).toBe(3);
    expect(parseArgs(['ws', '-r', 'x', '--workers=2']).workers).toBe(2);
    expect(() => parseArgs(['ws', '--workers', '0'])).toThrow(/--workers needs a positive whole number/);
    expect(() => parseArgs(['ws', '--workers', 'many'])).toThrow(/--workers needs a positive whole number/);
  });

  test('defaults to the cores for a file and to one thread for a live capture', () => {
    expect(workersFor({})).toBe(availableParallelism());
    expect(workersFor({ interface: 'lo' })).toBe(1);
    expect(workersFor({ interface: 'lo', workers: 4 })).toBe(4);
  });

  for (const command of ['ws', 'http', 'tcp', 'packets']) {
    for (const format of ['jsonl', 'text']) {
      test(`netrx ${command} --format ${format} on interleaved, fragmented, idle, cut connections`, async () => {
        const r = await same(3, command, '-r', mixed, '--format', format);
        expect(r.status).toBe(0);
        expect(r.out.split('\n').length).toBeGreaterThan(20);
      });
    }
  }

  test('netrx tcp: the totals line after the connections adds up every worker', async () => {
    // Segments after a reset, in connections spread over the workers.
    const r = await same(3, 'tcp', '-r', mixed, '--format', 'jsonl');
    const late = /(\d+) data segments after a connection closed/.exec(r.err);
    expect(Number(late?.[1])).toBeGreaterThan(3);
  });

  test('a capture that breaks part-way: the same lines, then the same error and exit status', async () => {
    const whole = mixedCapture();
    const broken = join(dir, 'broken.pcap');
    writeFileSync(broken, whole.subarray(0, Math.floor(whole.length / 2)));
    for (const command of ['ws', 'tcp', 'packets']) {
      const r = await same(3, command, '-r', broken, '--format', 'jsonl');
      expect(r.status).toBe(1);
      expect(r.err).toMatch(/file ends inside record/);
    }
  });

  test('-c COUNT stops at the same packet', async () => {
    const r = await same(2, 'packets', '-r', mixed, '--format', 'jsonl', '-c', '37');
    expect(r.out.trim().split('\n')).toHaveLength(37);
  });
});

describe('--workers on the corpus', () => {
  const skip = noteIfCorpusMissing('netrx --workers on the corpus');
  test.skipIf(skip)('every WebSocket capture, every command (text; JSON lines are the pipeline tests\' part): 2 workers write what one writes', async () => {
    for (const file of corpusCaptures()) {
      for (const command of ['ws', 'http', 'tcp', 'packets']) await same(2, command, '-r', file);
    }
  }, 600_000);
});
