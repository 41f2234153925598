// `npm run docs` must keep building: typedoc over every package's public index, with warnings
// (an undocumented export, a broken {@link}) treated as errors (see typedoc.json).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const typedoc = join(root, 'node_modules/typedoc/bin/typedoc');

describe('API docs', () => {
  it('build with every public export documented', () => {
    const r = spawnSync(process.execPath, [typedoc, '--emit', 'none'], { cwd: root, encoding: 'utf8', timeout: 240_000 });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  }, 240_000);
});
