const NS_PER_DAY = 86_400_000_000_000n;

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * UTC time of day with nanoseconds, `17:50:00.523910000`, as tcpdump prints it: what text output
 * shows people. (JSON output keeps the full `seconds.nanoseconds` timestamp.)
 */
export function formatTimeOfDay(ns: bigint): string {
  // Nanoseconds into the day fit a double exactly (< 2^47): one BigInt operation per line.
  let day = Number(ns % NS_PER_DAY);
  if (day < 0) day += 86_400e9;
  const s = Math.floor(day / 1e9);
  return `${pad2(Math.floor(s / 3600))}:${pad2(Math.floor(s / 60) % 60)}:${pad2(s % 60)}.${String(day % 1e9).padStart(9, '0')}`;
}
