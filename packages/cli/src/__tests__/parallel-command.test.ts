// `netrx --workers N`: the same bytes on stdout and stderr, and the same exit status, as one
// thread. Worker threads run the compiled packages: `ensureBuiltDist()` builds them first.
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuiltDist } from '../../../../test-support/built-dist.js';
import { corpusCaptures, noteIfCorpusMissing } from '../../../../test-support/corpus.js';
import { mixedCapture } from '../../../../test-support/mixed-capture.js';
import { fileURLToPath } from 'node:url';
import { readdirSync } from 'node:fs';
import { PARALLEL_FILE_BYTES } from '@netrx/pipeline';
import { parseArgs } from '../args.js';
import { oneThreadReason, workersFor } from '../parallel-run.js';
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

  test('runs in one thread what needs the whole capture\'s ids or order while choosing or writing items', () => {
    const reason = (...argv: string[]) => oneThreadReason(parseArgs(['ws', '-r', 'x', ...argv]));
    expect(reason()).toBeUndefined();
    expect(reason('-t', 'r', '--color', 'always')).toBeUndefined();
    expect(reason('--stream', '1')).toBe('--stream');
    expect(reason('-Y', 'dir == "c2s"')).toBe('-Y');
    expect(reason('--max-messages', '3')).toBe('--max-messages');
    expect(reason('-t', 'd')).toBe('-t d');
    expect(reason('--sink', 'redis://127.0.0.1:6379/x')).toBe('--sink');
    expect(oneThreadReason(parseArgs(['stats', '-r', 'x']))).toBe('netrx stats');
  });

  test('defaults to a thread per 64 MiB of a file up to the cores, one thread for a small one, standard input and live capture', () => {
    const big = join(dir, 'big.pcap');
    // Sparse files: only their size is looked at.
    const sized = (bytes: number) => {
      writeFileSync(big, '');
      truncateSync(big, bytes);
      return workersFor({ read: big });
    };
    expect(sized(2 * PARALLEL_FILE_BYTES - 1)).toBe(1);
    expect(sized(2 * PARALLEL_FILE_BYTES)).toBe(Math.min(2, availableParallelism()));
    expect(sized(64 * PARALLEL_FILE_BYTES + 5)).toBe(Math.min(64, availableParallelism()));
    expect(workersFor({ read: mixed })).toBe(1);
    expect(workersFor({ read: '-' })).toBe(1);
    expect(workersFor({ read: join(dir, 'missing.pcap') })).toBe(1);
    expect(workersFor({ interface: 'lo' })).toBe(1);
    expect(workersFor({ interface: 'lo', workers: 4 })).toBe(4);
    rmSync(big);
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

  test('what text output is made of: times relative to the first packet, colours, hexdumps, pretty JSON; a capture filter', async () => {
    await same(3, 'ws', '-r', mixed, '-t', 'r', '--color', 'always', '--hexdump');
    await same(3, 'http', '-r', mixed, '--pretty', '--full', '-t', 'e');
    await same(2, 'tcp', '-r', mixed, 'port', '7272');
    await same(2, 'packets', '-r', mixed, 'tcp', 'and', 'not', 'port', '80', '-c', '500');
  });

  test('NETRX_THREAD_STATS=1: a line per thread on stderr after the output, which stays the same', async () => {
    const plain = await run('ws', '-r', mixed, '--format', 'jsonl', '--workers', '3');
    process.env['NETRX_THREAD_STATS'] = '1';
    try {
      const measured = await run('ws', '-r', mixed, '--format', 'jsonl', '--workers', '3');
      expect(measured.out).toBe(plain.out);
      const lines = measured.err.split('\n').filter((l) => l.startsWith('netrx: ') && l.includes('heap peak'));
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(/^netrx: main thread \(reads, merges, dissects 0\.22\): cpu [\d.]+ s, heap peak \d+ MB, buffers peak \d+ MB$/);
      expect(lines[2]).toMatch(/^netrx: worker 2 \(dissects 0\.39\): cpu [\d.]+ s/);
      expect(measured.err.replace(lines.map((l) => `${l}\n`).join(''), '')).toBe(plain.err);
    } finally {
      delete process.env['NETRX_THREAD_STATS'];
    }
  });

  test('-q: nothing on standard output, the same last lines on stderr', async () => {
    for (const command of ['packets', 'ws']) {
      const r = await same(2, command, '-r', mixed, '-q');
      expect(r.out).toBe('');
    }
  });

  test('-c COUNT stops at the same packet', async () => {
    const r = await same(2, 'packets', '-r', mixed, '--format', 'jsonl', '-c', '37');
    expect(r.out.trim().split('\n')).toHaveLength(37);
  });
});

describe('--workers on tunnels', () => {
  const dir = fileURLToPath(new URL('../../../core/src/__tests__/fixtures/tunnels/', import.meta.url));
  // A VXLAN endpoint picks the outer source port per inner flow and direction: split by port, an
  // inner connection would be split between threads (the kernel-made vxlan capture shows it).
  test('every tunnel capture, every command: 3 workers write what one writes', async () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.pcap'));
    expect(files.length).toBeGreaterThan(8);
    for (const f of files) for (const command of ['ws', 'tcp', 'http', 'packets']) await same(3, command, '-r', join(dir, f), '-d', 'udp.port==8472,vxlan', '--format', 'jsonl');
  }, 600_000);
});

describe('--workers with TLS keys', () => {
  const skip = noteIfCorpusMissing('netrx --workers with TLS keys');
  test.skipIf(skip)('a key log file, and keys a pcapng carries', async () => {
    const dir = join(corpusCaptures()[0]!, '../../captures-tls');
    const a = await same(3, 'ws', '-r', join(dir, 's7_wss_node_tls13_aes128.pcap'), '--keylog', join(dir, 's7_wss_node_tls13_aes128.pcap.keys'), '--format', 'jsonl');
    expect(a.out.trim().split('\n').length).toBeGreaterThan(20);
    const b = await same(3, 'ws', '-r', join(dir, 's7_wss_dsb.pcapng'), '--format', 'jsonl');
    expect(b.out).toBe(a.out);
    // Without keys: nothing shown, and the same line on stderr saying why.
    const c = await same(2, 'ws', '-r', join(dir, 's7_wss_node_tls12_ecdhe_rsa_aes128gcm.pcap'));
    expect(c.err).toMatch(/not decrypted|look like TLS/);
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
