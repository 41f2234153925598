// The fused loop of `npm run bench:floor` is a measuring tool: its times mean something only if
// it writes what `netrx ws --format jsonl` writes, and says so when a capture holds what it does
// not handle.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../packages/cli/src/__tests__/run-cli.js';
import { floorApplies, fusedFloor } from '../fused-floor.js';
import { generateCapture } from '../generate.js';
import type { Variant } from '../ws-connection.js';

const dir = mkdtempSync(join(tmpdir(), 'netrx-floor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function floorOf(variant: Variant, seed: number) {
  const meta = generateCapture({ packets: 6000, variant, connections: 12, concurrency: 6, seed }, join(dir, `${variant}-${seed}.pcap`));
  const parts: Buffer[] = [];
  const counts = fusedFloor(meta.file, (b) => parts.push(Buffer.from(b)));
  return { meta, counts, out: Buffer.concat(parts).toString('utf8') };
}

describe('bench:floor, the fused loop', () => {
  it.each([1, 2, 3])('writes the lines netrx writes for a plain capture (seed %i)', async (seed) => {
    const { meta, counts, out } = floorOf('plain', seed);
    expect(floorApplies(counts)).toBe(true);
    expect(counts.messages).toBe(meta.expected.messages);
    const netrx = await run('ws', '-r', meta.file, '--format', 'jsonl', '--workers', '1', '--no-progress');
    expect(netrx.status).toBe(0);
    expect(out).toBe(netrx.out);
  });

  it('says it does not apply to compressed messages or segments out of order', () => {
    const deflate = floorOf('deflate', 4);
    expect(deflate.counts.compressed).toBeGreaterThan(0);
    expect(floorApplies(deflate.counts)).toBe(false);
    const reorder = floorOf('reorder', 5);
    expect(reorder.counts.outOfOrder).toBeGreaterThan(0);
    expect(floorApplies(reorder.counts)).toBe(false);
  });
});
