// Issue 17, the output side: a near-cap message (here a few MiB, ~1,000:1 compressed) is written
// in pieces, equal to its one-piece JSON encoding, and the text view builds only what it prints.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { nearCapDeflateMessages } from '../../../../test-support/hostile/deflate-bomb.js';
import { main } from '../main.js';
import { TextView } from '../text-view.js';

const dir = mkdtempSync(join(tmpdir(), 'netrx-large-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MiB = 1024 * 1024;

/** Runs `netrx …`, keeping each chunk written to stdout. */
async function runChunks(...argv: string[]): Promise<{ status: number; chunks: Buffer[] }> {
  const chunks: Buffer[] = [];
  const stdout = new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(Buffer.from(c)), cb()) });
  const stderr = Object.assign(new Writable({ write: (_c, _e, cb) => cb() }), { isTTY: false });
  const status = await main(argv, { stdout, stderr });
  return { status, chunks };
}

function capture(name: string, ...args: Parameters<typeof nearCapDeflateMessages>): string {
  const path = join(dir, `${name}.pcap`);
  writeFileSync(path, nearCapDeflateMessages(...args));
  return path;
}

const connection = { stream: 0, client: '10.0.0.1:50000', server: '10.0.0.2:7272' };

/** The line the contract asks for, made by `JSON.stringify` in one piece (the unstreamed encoding). */
function expectedLine(ts: string, type: string, length: number, payload: Record<string, string>, rest: object = {}): string {
  return JSON.stringify({ ts, ...connection, dir: 's2c', type, length, ...payload, compressed: true, frames: 1, ...rest });
}

const INVALID_UTF8 = { warnings: [{ code: 'WARN_WS_INVALID_UTF8', message: 'text message is not valid UTF-8 (RFC 6455 §8.1)' }] };

describe('a near-cap message on the output (issue 17)', () => {
  it('jsonl: written in pieces of at most ~1 MiB, equal to the one-piece encoding (text of NULs, not-UTF-8 text, binary)', async () => {
    const size = 3 * MiB;
    const cases = [
      { name: 'nul', opts: {}, payload: { text: '\u0000'.repeat(size) }, type: 'text' },
      { name: 'ff', opts: { fill: 0xff }, payload: { text: '\ufffd'.repeat(size) }, type: 'text', rest: INVALID_UTF8 },
      { name: 'bin', opts: { opcode: 2 as const, fill: 0xa5 }, payload: { hex: 'a5'.repeat(size) }, type: 'binary' },
    ];
    for (const c of cases) {
      const { status, chunks } = await runChunks('ws', '-r', capture(c.name, 1, 3, c.opts), '--format', 'jsonl');
      expect(status).toBe(0);
      const lines = Buffer.concat(chunks).toString('utf8').split('\n');
      expect(lines[0]).toBe(expectedLine(/^\{"ts":"([0-9.]+)"/.exec(lines[0]!)![1]!, c.type, size, c.payload, c.rest));
      expect(lines.slice(1).map((l) => (l ? JSON.parse(l).text : l))).toEqual(['after s2c', 'after c2s', '']);
      // Streamed: many writes, none holding the line (a JSON line of 3 MiB of NULs is 18 MiB).
      expect(chunks.length).toBeGreaterThan(2);
      expect(Math.max(...chunks.map((b) => b.length))).toBeLessThanOrEqual(MiB);
    }
  });

  it('text: one bounded line per message, only the preview decoded', async () => {
    const { status, chunks } = await runChunks('ws', '-r', capture('text', 2, 3));
    expect(status).toBe(0);
    const lines = Buffer.concat(chunks).toString('utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(new RegExp(`← 10\\.0\\.0\\.2:7272 text ${3 * MiB}B \\[deflate\\] ${'·'.repeat(120)}… \\(${3 * MiB} chars\\)$`));
    expect(lines[2]).toMatch(/text 9B \[deflate\] after s2c$/);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(300);
  });
});

describe('TextView.oneLineUtf8', () => {
  const views = [false, true].map((full) => new TextView({ time: 'a', colour: false, full, pretty: false, binary: 'hex' }));
  it('is oneLine of the decoded text, character for character (fast-check: any bytes, invalid UTF-8 too)', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 600 }),
      fc.string({ unit: fc.constantFrom('a', '\n', '\u0000', 'é', '€', '🙂', '\u007f'), maxLength: 300 }).map((s) => new Uint8Array(Buffer.from(s))),
    );
    fc.assert(
      fc.property(bytes, (b) => {
        for (const v of views) expect(v.oneLineUtf8(b)).toBe(v.oneLine(Buffer.from(b).toString('utf8')));
      }),
      { numRuns: 500 },
    );
  });
});
