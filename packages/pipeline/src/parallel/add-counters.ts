/**
 * Adds the numbers of `from` into `into`, field by field and into nested objects (creating those
 * `into` lacks): how a parallel run's counters (`ReassemblerTotals`, `DissectStats`) are summed
 * over its workers. Fields `into` exposes only through a getter (`DissectStats.protocols`, a
 * snapshot) cannot be added to and are left as they are.
 */
export function addCounters(into: object, from: object): void {
  const target = into as Record<string, unknown>;
  for (const [key, value] of Object.entries(from)) {
    const desc = Object.getOwnPropertyDescriptor(target, key);
    if (desc !== undefined && desc.get !== undefined) continue;
    if (typeof value === 'number') target[key] = (typeof target[key] === 'number' ? (target[key] as number) : 0) + value;
    else if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value) && !Array.isArray(value)) {
      let inner = target[key];
      if (inner === null || typeof inner !== 'object') target[key] = inner = {};
      addCounters(inner as object, value as object);
    }
  }
}
