// What a run dropped, said once at its end (DESIGN, "Bad input": nothing is dropped without a
// counter and a line in the run's summary), and findings that belong to no message written as
// records of their own (`--warnings`).
import { connectionJsonFields, formatEndpoint, formatTimestamp, type AppEvent, type FragmentStats } from '@netrx/core';
import { somethingDropped, warningsOf, type DropCounts } from '@netrx/pipeline';
import type { CliArgs } from './args.js';
import type { CliIO } from './output.js';
import type { TextView } from './text-view.js';

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** `256 MiB`, `1.5 GiB`, `4000 B`: a size for people. */
export function sizeText(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && v % 1024 === 0 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v} ${units[u]}`;
}

/** Codes and counts as `CODE: n, CODE: n`, the most frequent first. */
function codeList(codes: Readonly<Record<string, number>>): string {
  return Object.entries(codes)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([c, n]) => `${c}: ${n}`)
    .join(', ');
}

/**
 * The one stderr line a run ends with when something was dropped or cut short, or `undefined`
 * when nothing was: IP datagrams that never completed or were evicted, packets cut at the layer
 * cap, TCP connections closed early and holes reported early, segments ignored, bytes skipped by
 * resynchronisation, undecodable messages, findings no output line shows (`hidden`: codes and
 * counts; `--warnings` shows them), and draws the memory budget refused.
 */
export function dropsLine(d: DropCounts, hidden: Readonly<Record<string, number>>): string | undefined {
  const parts: string[] = [];
  const frag: string[] = [];
  if (d.fragmentsIncomplete > 0) frag.push(`${plural(d.fragmentsIncomplete, 'IP datagram')} never completed (fragments missing)`);
  if (d.fragmentsEvicted > 0) frag.push(`${plural(d.fragmentsEvicted, 'IP datagram')} evicted (fragment caps or --memory)`);
  if (d.fragmentsInvalid > 0) frag.push(`${plural(d.fragmentsInvalid, 'IP datagram')} with inconsistent fragments`);
  if (frag.length) parts.push(frag.join(', '));
  if (d.layersCut > 0) parts.push(`${plural(d.layersCut, 'packet')} cut at the layer cap (ERR_DISSECT_TOO_DEEP)`);
  const tcp: string[] = [];
  if (d.connectionsEvicted > 0) tcp.push(`${plural(d.connectionsEvicted, 'connection')} closed early (too many open or --memory)`);
  if (d.capGaps > 0) tcp.push(`${plural(d.capGaps, 'hole')} reported early as gaps (buffer full or --memory)`);
  if (d.packetsRefused > 0) tcp.push(`${plural(d.packetsRefused, 'packet')} dropped (no memory for a new connection)`);
  if (d.segmentsImplausible > 0) tcp.push(`${plural(d.segmentsImplausible, 'segment')} ignored (sequence number implausibly far ahead)`);
  if (d.segmentsAfterClose > 0) tcp.push(`${plural(d.segmentsAfterClose, 'data segment')} after a connection closed`);
  if (tcp.length) parts.push(tcp.join(', '));
  if (d.resyncSkippedBytes > 0) parts.push(`${plural(d.resyncSkippedBytes, 'byte')} skipped by resynchronisation`);
  if (d.undecodable > 0) parts.push(`${plural(d.undecodable, 'message')} undecodable`);
  let hiddenCount = 0;
  for (const n of Object.values(hidden)) hiddenCount += n;
  if (hiddenCount > 0) parts.push(`${plural(hiddenCount, 'warning')} not shown (${codeList(hidden)}) — --warnings shows them`);
  if (d.memory.refused > 0) parts.push(`${plural(d.memory.refused, 'memory draw')} refused (--memory ${sizeText(d.memory.limit)})`);
  return parts.length ? `dropped: ${parts.join('; ')}` : undefined;
}

/**
 * After a run: the {@link dropsLine} on stderr when something was dropped (`netrx ws: dropped: …`),
 * and with `--summary` (JSON lines, not `-q`) a last `{"type":"summary",…}` line on stdout, always.
 */
export function reportDrops(args: Pick<CliArgs, 'command' | 'summary' | 'quiet' | 'format'>, io: CliIO, d: DropCounts, hidden: Readonly<Record<string, number>>): void {
  const line = somethingDropped(d) || Object.keys(hidden).length > 0 ? dropsLine(d, hidden) : undefined;
  if (line !== undefined) io.stderr.write(`netrx ${args.command}: ${line}\n`);
  if (args.summary && args.format === 'jsonl' && !args.quiet) io.stdout.write(summaryJson(d, hidden) + '\n');
}

/**
 * The `--summary` line: every drop counter (the names of `DropCounts` of `@netrx/pipeline`),
 * `warnings` by code (all findings that belong to no message, shown or not), `warningsNotShown`
 * by code, and the memory budget's `memoryLimit` and `memoryRefused`. The budget's peak is left
 * out: a parallel run's threads each have their own, and the line is the same whatever `--workers`.
 *
 * `{"type":"summary","fragmentsIncomplete":7,"fragmentsEvicted":0,…,"memoryLimit":268435456,"memoryRefused":0}`
 */
export function summaryJson(d: DropCounts, hidden: Readonly<Record<string, number>>): string {
  return JSON.stringify({
    type: 'summary',
    fragmentsIncomplete: d.fragmentsIncomplete,
    fragmentsEvicted: d.fragmentsEvicted,
    fragmentsInvalid: d.fragmentsInvalid,
    layersCut: d.layersCut,
    connectionsEvicted: d.connectionsEvicted,
    capGaps: d.capGaps,
    packetsRefused: d.packetsRefused,
    segmentsImplausible: d.segmentsImplausible,
    segmentsAfterClose: d.segmentsAfterClose,
    resyncSkippedBytes: d.resyncSkippedBytes,
    undecodable: d.undecodable,
    warnings: d.warnings,
    warningsNotShown: hidden,
    memoryLimit: d.memory.limit,
    memoryRefused: d.memory.refused,
  });
}

/** The fields of a finding that belongs to no message, for its record. */
interface Finding {
  readonly type: string;
  readonly dissector?: string;
}

/**
 * A warning event (`stream.error`, `ws.warning`, a `tls.connection`'s warnings) as a `--warnings`
 * JSON line, shaped as `netrx ws` writes its `ws.warning` records: the head fields, `"type":
 * "warning"`, `from` (the event's type), `dissector` for a `stream.error`, and `warnings` (code,
 * severity, message, offset).
 *
 * `{"ts":"…","stream":0,"client":"…","server":"…","dir":"c2s","type":"warning","from":"stream.error","dissector":"http","warnings":[{"code":"ERR_HTTP_…",…}]}`
 */
export function warningJson(e: AppEvent): string {
  const f = e as unknown as Finding;
  const warnings = warningsOf(e).map((w) => ({ code: w.code, severity: w.severity, message: w.message, ...(w.offset !== undefined && { offset: w.offset }) }));
  const dissector = f.dissector !== undefined ? `,"dissector":${JSON.stringify(f.dissector)}` : '';
  return `{"ts":"${formatTimestamp(e.lastTs)}",${connectionJsonFields(e.connection)},"dir":"${e.dir}","type":"warning","from":${JSON.stringify(f.type)}${dissector},"warnings":${JSON.stringify(warnings)}}`;
}

/** A warning event for people: time, `#N`, client, arrow, server, `warning`, where from, the codes and what they say. */
export function warningText(e: AppEvent, view: TextView): string {
  const c = e.connection;
  const f = e as unknown as Finding;
  const what = warningsOf(e)
    .map((d) => `[${d.code}] ${d.message}`)
    .join('; ');
  const from = f.dissector !== undefined ? `${f.type} ${f.dissector}` : f.type;
  return `${view.time.format(e.lastTs)} ${view.dim(`#${c.id}`)} ${formatEndpoint(c.client)} ${view.arrow(e.dir)} ${formatEndpoint(c.server)} ${view.warn(`warning (${from}) ${what}`)}`;
}

/** Prefix of the drop counters a parallel run's threads hand back with their counters. */
const DROP = 'drop:';
/** Prefix of the warnings by code, within {@link DROP}. */
const WARNING = 'drop:warning:';
/** Prefix of the warnings not shown by code. */
const HIDDEN = 'drop:hidden:';

/**
 * A thread's drops and warnings not shown as flat counters, for a parallel run's main thread to add
 * up ({@link dropsFromCounters}), with what its fragment reassembly says about datagrams without
 * their first fragment (`fragments`: the thread pipeline's).
 */
export function dropCounters(d: DropCounts, hidden: Readonly<Record<string, number>>, fragments: Pick<FragmentStats, 'headless' | 'firstLate'>): Record<string, number> {
  const c: Record<string, number> = { [DROP + 'threads']: 1, [DROP + 'headless']: fragments.headless, [DROP + 'firstLate']: fragments.firstLate };
  for (const [k, v] of Object.entries(d)) if (typeof v === 'number') c[DROP + k] = v;
  for (const [code, n] of Object.entries(d.warnings)) c[WARNING + code] = n;
  for (const [code, n] of Object.entries(hidden)) c[HIDDEN + code] = n;
  c[DROP + 'memoryRefused'] = d.memory.refused;
  return c;
}

/** The drops and warnings not shown of {@link dropCounters} added up over threads; `limit` is each thread's memory budget. */
export function dropsFromCounters(c: Readonly<Record<string, number>>, limit: number): { drops: DropCounts; hidden: Record<string, number> } {
  const n = (k: string): number => c[DROP + k] ?? 0;
  const warnings: Record<string, number> = {};
  const hidden: Record<string, number> = {};
  for (const [k, v] of Object.entries(c)) {
    if (k.startsWith(WARNING)) warnings[k.slice(WARNING.length)] = v;
    else if (k.startsWith(HIDDEN)) hidden[k.slice(HIDDEN.length)] = v;
  }
  // A parallel run sends an IP fragment that comes before its datagram's first one to every thread
  // (flow-router.ts: its ports are not known yet). The thread that gets the first fragment
  // completes the datagram (counted in its `firstLate`); each of the others holds a datagram that
  // never completes and never got its first fragment (`headless`). A datagram whose first
  // fragment never came at all is headless in every thread. So of the headless ones, one thread's
  // share is what one thread would have counted.
  const threads = Math.max(1, n('threads'));
  const headless = n('headless');
  const lone = Math.max(0, Math.round((headless - (threads - 1) * n('firstLate')) / threads));
  const drops: DropCounts = {
    fragmentsIncomplete: n('fragmentsIncomplete') - headless + lone,
    fragmentsEvicted: n('fragmentsEvicted'),
    fragmentsInvalid: n('fragmentsInvalid'),
    layersCut: n('layersCut'),
    connectionsEvicted: n('connectionsEvicted'),
    capGaps: n('capGaps'),
    packetsRefused: n('packetsRefused'),
    segmentsImplausible: n('segmentsImplausible'),
    segmentsAfterClose: n('segmentsAfterClose'),
    resyncSkippedBytes: n('resyncSkippedBytes'),
    undecodable: n('undecodable'),
    warnings,
    // Each thread has a budget of its own of `limit` bytes; peaks are not added up.
    memory: { limit, peak: 0, used: 0, refused: n('memoryRefused'), reclaimed: 0 },
  };
  return { drops, hidden };
}
