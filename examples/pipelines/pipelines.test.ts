import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { capture } from '@netrx/pipeline';
import { websocketMessages } from '@netrx/dissector-websocket';

const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));
const sample = here('../chat-server/capture/chat.pcap');
const run = (script: string, ...args: string[]): string =>
  execFileSync(process.execPath, [here(script), ...args], { encoding: 'utf8' });

describe('examples/pipelines', () => {
  it('message-rates counts each connection’s messages per direction', async () => {
    const messages = await lastValueFrom(capture({ file: sample }).pipe(websocketMessages(), toArray()));
    const out = run('message-rates.mjs');
    for (const id of new Set(messages.map((m) => m.connection.id))) {
      const mine = messages.filter((m) => m.connection.id === id);
      const c2s = mine.filter((m) => m.dir === 'c2s').length;
      expect(out).toContain(`#${id} `);
      expect(out).toContain(`${mine.length} messages (${c2s} →, ${mine.length - c2s} ←)`);
    }
  });

  it('slowest-http lists the upgrade requests, slowest first', () => {
    const lines = run('slowest-http.mjs').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.includes('GET / → 101 Switching Protocols'))).toBe(true);
    const ms = lines.map((l) => Number.parseFloat(l));
    expect(ms[0]).toBeGreaterThanOrEqual(ms[1]!);
  });

  it('extract-connection writes one connection that netrx reads back whole', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'netrx-pipelines-')), 'one.pcapng');
    expect(run('extract-connection.mjs', sample, '1', out)).toMatch(/^wrote \d+ packets of stream #1/);
    const netrx = here('../../packages/cli/bin/netrx.js');
    const all = execFileSync(process.execPath, [netrx, 'ws', '-r', sample, '--format', 'jsonl'], { encoding: 'utf8' });
    const one = execFileSync(process.execPath, [netrx, 'ws', '-r', out, '--format', 'jsonl'], { encoding: 'utf8' });
    // The extracted file is stream 0 of its own: every message of stream #1, and nothing else.
    const strip = (l: string) => JSON.stringify({ ...JSON.parse(l), stream: undefined });
    const want = all.trim().split('\n').filter((l) => JSON.parse(l).stream === 1).map(strip);
    expect(one.trim().split('\n').map(strip)).toEqual(want);
    expect(want.length).toBeGreaterThan(5);
  });
});
