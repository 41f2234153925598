import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { expected, fixtures, nonEmpty, rulesOf, truth, wsMessages } from './tunnel-truth.js';

// Kernel-made tunnels recorded now, on this machine: the fixtures' record.mjs runs its VXLAN and
// SRv6 scenarios into a temporary folder (ws peers in private network namespaces, tcpdump on the
// underlay), and `netrx ws` on the fresh captures must show every message the peers received, on
// connections that name their tunnels. Needs root, unshare -n, tcpdump, and a kernel with VXLAN
// and SRv6; says why it skipped otherwise.

function whyNot(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root';
  const probe = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up && ip link add vxprobe type vxlan id 1 dstport 4789 && ip -6 route add fd00::/64 encap seg6 mode encap segs fd01::1 dev lo'], { timeout: 10_000 });
  if (probe.error || probe.status !== 0) return `no VXLAN or SRv6 in a private network namespace here (${probe.error?.message ?? probe.stderr.toString().trim()})`;
  if (spawnSync('tcpdump', ['--version']).status !== 0) return 'no tcpdump';
  return undefined;
}
const why = whyNot();
if (why) console.log(`SKIPPED live tunnel recording: ${why}`);

describe.skipIf(why !== undefined)('tunnels made by the kernel now', () => {
  it('vxlan and seg6: every message the peers received, on its tunnel', async () => {
    const out = mkdtempSync(join(tmpdir(), 'netrx-tunnels-'));
    onTestFinished(() => rmSync(out, { recursive: true, force: true }));
    const p = spawn('unshare', ['-n', process.execPath, join(fixtures, 'record.mjs'), '--out', out, 'vxlan', 'seg6'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    p.stdout.on('data', (d) => (log += d));
    p.stderr.on('data', (d) => (log += d));
    const code = await new Promise<number | null>((resolve) => p.once('exit', resolve));
    expect(code, log).toBe(0);
    for (const name of ['vxlan', 'seg6']) {
      const sessions = truth(out, name).sessions;
      expect(sessions.length).toBe(name === 'vxlan' ? 4 : 2);
      const want = expected(out, name);
      expect([...want.values()].flat().length).toBeGreaterThan(10);
      expect(nonEmpty(await wsMessages(out, name, rulesOf(sessions)))).toEqual(nonEmpty(want));
    }
  }, 240_000);
});
