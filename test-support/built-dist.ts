/**
 * Worker threads run JavaScript only, so tests of parallel runs (`captureLines`, `netrx
 * --workers`) need the packages' compiled `dist/` built from the current sources. This builds it
 * once per test process (`tsc -b packages/cli`: incremental, seconds when nothing changed), with a
 * lock so test files running at the same time do not build over each other.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './corpus.js';

const LOCK = join(repoRoot, 'node_modules', '.netrx-dist-build.lock');
/** A lock older than this was left by a process that died: taken over. */
const STALE_MS = 10 * 60_000;

let built = false;

/** Builds `dist/` of every package if it is not up to date with the sources. Throws when `tsc` fails. */
export function ensureBuiltDist(): void {
  if (built) return;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      let age = 0;
      try {
        age = Date.now() - statSync(LOCK).mtimeMs;
      } catch {
        continue;
      }
      if (age > STALE_MS) {
        rmdirSync(LOCK);
        continue;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'packages/cli'], { cwd: repoRoot, stdio: 'pipe' });
    built = true;
  } catch (err) {
    const e = err as { stdout?: Buffer; message: string };
    throw new Error(`tsc -b packages/cli failed: ${e.stdout?.toString() ?? e.message}`);
  } finally {
    rmdirSync(LOCK);
  }
}
