// Live tests run as root inside a private network namespace (`unshare -n`, then `ip link set lo
// up`), so no other process's traffic reaches their captures and their ports are free. The outer
// run of a test file checks that it can, then runs the same file again with vitest inside one,
// with a variable set that selects the file's live tests.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const vitest = createRequire(import.meta.url).resolve('vitest/package.json').replace(/package\.json$/, 'vitest.mjs');
const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs a command in a new network namespace whose loopback is up. */
export const IN_NETNS = ['unshare', '-n', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh'];

/** Why live tests cannot run here (not Linux, not root, no `unshare -n`, no tcpdump), or undefined when they can. */
export function liveTestsCannotRun(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not running as root';
  const r = spawnSync('unshare', ['-n', 'true'], { timeout: 10_000 });
  if (r.error || r.status !== 0) return `unshare -n does not work here (${r.error?.message ?? r.stderr.toString().trim()})`;
  if (spawnSync('tcpdump', ['--version'], { timeout: 10_000 }).error) return 'tcpdump is not installed';
  return undefined;
}

/**
 * Runs the test file at `fileUrl` (its `import.meta.url`) again with vitest, under `prefix` (by
 * default {@link IN_NETNS}) and with `env` added. Returns the exit status and everything it
 * printed, without colours.
 */
export function rerunTests(fileUrl: string, env: Record<string, string>, prefix: readonly string[] = IN_NETNS, timeoutMs = 280_000): { status: number | null; output: string } {
  const r = spawnSync(prefix[0]!, [...prefix.slice(1), process.execPath, vitest, 'run', '--configLoader', 'runner', fileURLToPath(fileUrl)], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: timeoutMs,
    cwd: root,
  });
  // eslint-disable-next-line no-control-regex
  const output = `${r.stdout}\n${r.stderr}${r.error ? `\n${r.error.message}` : ''}`.replace(/\x1b\[[0-9;]*m/g, '');
  return { status: r.status, output };
}
