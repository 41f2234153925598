// Every drop is said: one stderr line at the end of a run when something was dropped, a last
// {"type":"summary"} JSON line with --summary, findings of their own with --warnings, the memory
// budget with --memory — the same with --workers N as with one thread (the threads share --memory).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_MEMORY_BUDGET } from '@netrx/core';
import { ensureBuiltDist } from '../../../../test-support/built-dist.js';
import { connectionsBehindHole } from '../../../../test-support/hostile/tcp-inputs.js';
import { impossibleWsLength, incompleteFragments, stackedVlanTags } from '../../../../test-support/hostile/packet-inputs.js';
import { mixedCapture } from '../../../../test-support/mixed-capture.js';
import { parseArgs } from '../args.js';
import { USAGE, helpFor } from '../help.js';
import { REPORT_FLAGS, REPORT_VALUE_OPTIONS } from '../report-args.js';
import { run } from './run-cli.js';

const chat = fileURLToPath(new URL('../../../../examples/chat-server/capture/chat.pcap', import.meta.url));
let dir: string;
const path = (name: string): string => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'netrx-cli-drops-'));
  writeFileSync(path('frag.pcap'), incompleteFragments(6));
  writeFileSync(path('headless.pcap'), incompleteFragments(5, { missing: 'first' }));
  writeFileSync(path('vlan.pcap'), stackedVlanTags(1000));
  writeFileSync(path('ws.pcap'), impossibleWsLength());
  writeFileSync(path('mixed.pcap'), mixedCapture(5, 60));
  writeFileSync(path('hole.pcap'), connectionsBehindHole(1, 64 * 1024));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The `{"type":"summary"}` line of a jsonl run (its last line). */
function summaryOf(out: string): Record<string, unknown> {
  const last = out.trimEnd().split('\n').at(-1)!;
  const s = JSON.parse(last) as Record<string, unknown>;
  expect(s.type).toBe('summary');
  return s;
}

describe('the last stderr line says what was dropped', () => {
  test('IP datagrams whose last fragment never came, in every command', async () => {
    for (const command of ['packets', 'tcp', 'http', 'ws', 'tls', 'stats']) {
      const r = await run(command, '-r', path('frag.pcap'), '--workers', '1');
      expect(r.status, r.err).toBe(0);
      expect(r.err.trimEnd().split('\n').at(-1)).toBe(`netrx ${command}: dropped: 6 IP datagrams never completed (fragments missing)`);
    }
    const j = await run('ws', '-r', path('frag.pcap'), '--format', 'jsonl', '--summary', '--workers', '1');
    expect(summaryOf(j.out)).toMatchObject({ fragmentsIncomplete: 6, fragmentsEvicted: 0, layersCut: 0, memoryLimit: DEFAULT_MEMORY_BUDGET, memoryRefused: 0 });
  });

  test('1000 stacked 802.1Q tags: the packet ends in ERR_DISSECT_TOO_DEEP, counted', async () => {
    const r = await run('packets', '-r', path('vlan.pcap'), '--format', 'jsonl', '--summary');
    const [packet] = r.out.split('\n');
    expect(JSON.parse(packet!)).toMatchObject({ failure: { code: 'ERR_DISSECT_TOO_DEEP' } });
    expect(summaryOf(r.out)).toMatchObject({ layersCut: 1 });
    expect(r.err).toBe('netrx packets: dropped: 1 packet cut at the layer cap (ERR_DISSECT_TOO_DEEP)\n');
  });

  test('an impossible WebSocket length: a warning of its own in ws; counted, or shown with --warnings, elsewhere', async () => {
    const ws = await run('ws', '-r', path('ws.pcap'), '--format', 'jsonl', '--summary');
    const lines = ws.out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ type: 'warning', warnings: [{ code: 'WARN_WS_BAD_HEADER' }] });
    expect(summaryOf(ws.out)).toMatchObject({ warnings: { WARN_WS_BAD_HEADER: 1 }, warningsNotShown: {} });
    // netrx ws shows it: its last line does not say it again.
    expect(ws.err).toBe('netrx ws: 1 connection, 0 WebSocket messages\n');

    const http = await run('http', '-r', path('ws.pcap'));
    expect(http.err).toBe('netrx http: dropped: 1 warning not shown (WARN_WS_BAD_HEADER: 1) — --warnings shows them\n');
    const shown = await run('http', '-r', path('ws.pcap'), '--format', 'jsonl', '--warnings', '--summary');
    const records = shown.out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((r) => r.type)).toEqual(['request', 'response', 'warning', 'summary']);
    expect(records[2]).toMatchObject({ stream: 0, dir: 's2c', from: 'ws.warning', warnings: [{ code: 'WARN_WS_BAD_HEADER', severity: 'warning', offset: 10 }] });
    expect(shown.err).toBe('');
    const text = await run('http', '-r', path('ws.pcap'), '--warnings', '-t', 'e');
    expect(text.out).toContain('warning (ws.warning) [WARN_WS_BAD_HEADER]');
    // --stream N: only connection N's findings.
    expect((await run('http', '-r', path('ws.pcap'), '--warnings', '--stream', '0')).out).toContain('WARN_WS_BAD_HEADER');
    expect((await run('http', '-r', path('ws.pcap'), '--warnings', '--stream', '1')).out).not.toContain('WARN_WS_BAD_HEADER');
  });

  test('nothing is said, and nothing changes, on a capture where nothing was dropped', async () => {
    const r = await run('ws', '-r', chat, '--format', 'jsonl', '--summary');
    expect(r.err).toBe('');
    const s = summaryOf(r.out);
    expect(s).toMatchObject({ fragmentsIncomplete: 0, layersCut: 0, connectionsEvicted: 0, undecodable: 0, memoryRefused: 0 });
    const plain = await run('ws', '-r', chat, '--format', 'jsonl');
    expect(r.out).toBe(plain.out + JSON.stringify(s) + '\n');
  });
});

describe('--memory', () => {
  test('parses sizes, and says clearly what it takes', () => {
    expect(parseArgs(['ws', '--memory', '256MiB']).memory).toBe(256 * 1024 * 1024);
    expect(parseArgs(['ws', '--memory=1GiB']).memory).toBe(1024 ** 3);
    expect(parseArgs(['ws', '--memory', '65536']).memory).toBe(65536);
    expect(parseArgs(['ws']).memory).toBeUndefined();
    for (const bad of ['lots', '0', '-5M', '12 parsecs']) {
      expect(() => parseArgs(['ws', '--memory', bad])).toThrow(/--memory must be a number of bytes, or a number with a unit \(256MiB, 1GiB, 512k\)/);
    }
    expect(() => parseArgs(['ws', '--summary'])).toThrow(/--summary adds a last JSON line to --format jsonl/);
  });

  test('a bad --memory is a bad command line (exit status 2)', async () => {
    const r = await run('ws', '-r', chat, '--memory', 'plenty');
    expect(r.status).toBe(2);
    expect(r.err).toBe('netrx: --memory must be a number of bytes, or a number with a unit (256MiB, 1GiB, 512k), not "plenty"\n');
  });

  test('a tiny budget: the run completes and says what it dropped', async () => {
    const frag = await run('packets', '-r', path('frag.pcap'), '--memory', '3000', '--format', 'jsonl', '--summary', '-q');
    expect(frag.status).toBe(0);
    expect(frag.err).toMatch(/^netrx packets: dropped: 1 IP datagram never completed \(fragments missing\), 5 IP datagrams evicted \(fragment caps or --memory\)/);
    const mixed = await run('ws', '-r', path('mixed.pcap'), '--memory', '16KiB', '--format', 'jsonl', '--summary', '--workers', '1');
    expect(mixed.status).toBe(0);
    expect(summaryOf(mixed.out)).toMatchObject({ memoryLimit: 16 * 1024 });
  });
});

describe('documented', () => {
  test('every option of the report block is in the usage and in each dissecting command\'s help', () => {
    for (const o of [...REPORT_VALUE_OPTIONS, ...REPORT_FLAGS]) {
      expect(USAGE).toContain(o);
      for (const command of ['packets', 'tcp', 'http', 'ws', 'tls', 'stats']) expect(helpFor(command), `${command} --help`).toContain(o);
    }
    expect(helpFor('ui')).toContain('--memory');
  });
});

describe('with --workers', () => {
  beforeAll(() => ensureBuiltDist(), 300_000);

  test('the same last line and summary as one thread', async () => {
    for (const argv of [
      ['ws', '-r', path('frag.pcap'), '--format', 'jsonl', '--summary'],
      ['http', '-r', path('ws.pcap')],
      ['packets', '-r', path('vlan.pcap'), '--format', 'jsonl', '--summary'],
      ['tcp', '-r', chat, '--format', 'jsonl', '--summary'],
      // Fragments that come before their first one go to every thread (their ports are unknown):
      // a datagram is counted once, whether it completed in one thread or never anywhere.
      ['packets', '-r', path('headless.pcap'), '--format', 'jsonl', '--summary'],
      ['ws', '-r', path('mixed.pcap'), '--format', 'jsonl', '--summary'],
    ]) {
      const one = await run(...argv, '--workers', '1');
      for (const workers of ['2', '3']) expect(await run(...argv, '--workers', workers), `${argv.join(' ')} --workers ${workers}`).toEqual(one);
    }
    expect(summaryOf((await run('packets', '-r', path('headless.pcap'), '--format', 'jsonl', '--summary', '--workers', '3')).out)).toMatchObject({ fragmentsIncomplete: 5 });
  });

  test('--memory is shared by the threads, not given to each', async () => {
    // One connection holding 64 KiB behind a hole (~77 KiB drawn): within 128 KiB, not within half.
    const argv = ['tcp', '-r', path('hole.pcap'), '--memory', '128KiB', '--format', 'jsonl', '--summary'];
    expect(summaryOf((await run(...argv, '--workers', '1')).out)).toMatchObject({ memoryLimit: 128 * 1024, memoryRefused: 0 });
    const two = summaryOf((await run(...argv, '--workers', '2')).out);
    expect(two).toMatchObject({ memoryLimit: 128 * 1024 });
    expect(two['memoryRefused']).toBeGreaterThan(0);
  });
});

describe('a dissector that throws', () => {
  test('is said at once on stderr with its error, and counted at the end', async () => {
    const plugin = path('thrower.mjs');
    writeFileSync(
      plugin,
      "export default { name: 'thrower', coreVersion: '^0.1.0', handoff(registry) { registry.table('tcp.port').add(7272, { name: 'thrower', create: () => ({ data() { throw new TypeError('boom'); }, gap() {}, end() {} }) }); } };\n",
    );
    const r = await run('ws', '-r', chat, '--plugin', plugin, '--workers', '1');
    expect(r.status).toBe(0);
    expect(r.err.split('\n')).toEqual([
      'netrx ws: 127.0.0.1:55422 → 127.0.0.1:7272: thrower.data threw: boom — a bug in that dissector; the connection is not dissected from there',
      'netrx ws: 2 connections, 0 WebSocket messages',
      'netrx ws: dropped: 2 warnings not shown (ERR_TCP_DISSECTOR_THREW: 2) — --warnings shows them',
      '',
    ]);
    // With --warnings every one is a record; the first is still said on stderr.
    const w = await run('ws', '-r', chat, '--plugin', plugin, '--warnings', '--format', 'jsonl');
    expect(w.out.trimEnd().split('\n').map((l) => JSON.parse(l).warnings[0].code)).toEqual(['ERR_TCP_DISSECTOR_THREW', 'ERR_TCP_DISSECTOR_THREW']);
    expect(w.err).toContain('thrower.data threw: boom — a bug in that dissector');
  });
});
