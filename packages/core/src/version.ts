/** The version of `@netrx/core`, checked against each plugin's `coreVersion` range. */
export const CORE_VERSION = '0.1.0';

type Triple = [number, number, number];

function parse(v: string): Triple | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function cmp(a: Triple, b: Triple): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * Whether `version` satisfies `range`. Supports the forms plugins use: `*`, `x.y.z`, `^x.y.z`,
 * `~x.y.z`, `>=x.y.z`, `<x.y.z` and space-separated conjunctions of these; `||` alternatives.
 * Returns undefined for a range it cannot read.
 */
export function satisfies(version: string, range: string): boolean | undefined {
  const v = parse(version);
  if (!v) return undefined;
  let anyUnreadable = false;
  for (const alt of range.split('||')) {
    const parts = alt.trim().split(/\s+/).filter(Boolean);
    let ok = true;
    for (const part of parts) {
      const r = matchOne(v, part);
      if (r === undefined) anyUnreadable = true;
      if (r !== true) ok = false;
    }
    if (ok && parts.length > 0) return true;
  }
  return anyUnreadable ? undefined : false;
}

function matchOne(v: Triple, part: string): boolean | undefined {
  if (part === '*' || part === 'x') return true;
  const m = /^(\^|~|>=|<=|>|<|=)?(.+)$/.exec(part);
  const op = m?.[1] ?? '=';
  const base = m ? parse(m[2] ?? '') : undefined;
  if (!base) return undefined;
  const c = cmp(v, base);
  switch (op) {
    case '=': return c === 0;
    case '>=': return c >= 0;
    case '<=': return c <= 0;
    case '>': return c > 0;
    case '<': return c < 0;
    case '~': return c >= 0 && v[0] === base[0] && v[1] === base[1];
    case '^':
      if (c < 0) return false;
      if (base[0] > 0) return v[0] === base[0];
      if (base[1] > 0) return v[0] === 0 && v[1] === base[1];
      return v[0] === 0 && v[1] === 0 && v[2] === base[2];
    default: return undefined;
  }
}
