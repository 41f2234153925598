import { addCounters } from './add-counters.js';
import type { JobStats } from './job-runner.js';

/** Adds a thread's counters (`tcp.totals`, `dissect.stats`, the job's own) to the run's. */
export function addStats(into: JobStats, from: JobStats): void {
  if (into.tcp !== undefined && from.tcp !== undefined) addCounters(into.tcp, from.tcp);
  if (into.dissect !== undefined && from.dissect !== undefined) addCounters(into.dissect, from.dissect);
  if (into.counters !== undefined && from.counters !== undefined) addCounters(into.counters, from.counters);
}
