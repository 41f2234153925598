import { readFileSync } from 'node:fs';

/** A function's share of a CPU profile's samples, by self time. */
export interface ProfileEntry {
  fn: string;
  /** `file:line`, the file shortened to its last two path parts. */
  where: string;
  selfMs: number;
  percent: number;
}

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * The `top` functions by self time in a `node --cpu-prof` profile, merged by function and
 * location (one function appears under many call paths).
 */
export function topFunctions(profileFile: string, top = 12): { totalMs: number; entries: ProfileEntry[] } {
  const p = JSON.parse(readFileSync(profileFile, 'utf8')) as CpuProfile;
  const byNode = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    byNode.set(p.samples[i]!, (byNode.get(p.samples[i]!) ?? 0) + dt);
    total += dt;
  }
  const merged = new Map<string, ProfileEntry>();
  for (const n of p.nodes) {
    const t = byNode.get(n.id);
    if (!t) continue;
    const cf = n.callFrame;
    const fn = cf.functionName || '(anonymous)';
    const where = cf.url ? `${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber + 1}` : '';
    const key = `${fn}@${where}`;
    const e = merged.get(key) ?? { fn, where, selfMs: 0, percent: 0 };
    e.selfMs += t / 1000;
    merged.set(key, e);
  }
  const entries = [...merged.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
  for (const e of entries) e.percent = total ? (100 * e.selfMs * 1000) / total : 0;
  return { totalMs: total / 1000, entries };
}
