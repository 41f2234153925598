import { connectionStats, type CaptureStatsTotals, type ConnectionStats, type PerDirection, type Rates, type StatsRecord } from '@netrx/pipeline';
import type { CliArgs } from '../args.js';
import type { CliIO } from '../output.js';
import { runCommand } from '../run.js';
import { inStreamOrder } from '../stream-order.js';
import { textViewFor, type TextView } from '../text-view.js';

/** The fields of `netrx stats --format jsonl` records, for `-Y`. */
export const STATS_FIELDS: readonly string[] = [
  'stream', 'client', 'server', 'tunnel', 'protocol', 'firstTs', 'lastTs', 'duration', 'packets', 'bytes', 'messages', 'messageCount',
  'rates', 'largest', 'closeCode', 'closeReason', 'close', 'totals', 'connections',
];

/**
 * `netrx stats -r FILE`: per TCP connection (in stream order for a file, as they close live) its
 * endpoints, first time, duration, segments and bytes per direction, messages by type and
 * direction (WebSocket; HTTP requests and responses), rates, the largest message and the
 * WebSocket close code; then the capture's totals. `--format jsonl` writes one object per
 * connection ({@link ConnectionStats}) and a last `{"totals":true,…}`.
 */
export async function stats(args: CliArgs, io: CliIO): Promise<number> {
  const view = textViewFor(args, io.stdout);
  const jsonl = args.format === 'jsonl';
  const live = args.interface !== undefined;
  const streamOf = (s: StatsRecord): number | undefined => ('totals' in s ? undefined : s.stream);
  return runCommand(args, io, {
    stages: (pipeline) => (frames) =>
      frames.pipe(pipeline.streams(), connectionStats(pipeline.appEvents()), live ? (s) => s : inStreamOrder(streamOf)),
    jsonRecord: (s) => s,
    fields: STATS_FIELDS,
    // The totals always show: they are the whole capture's, whatever --stream or -Y chose.
    streamOf: (s) => streamOf(s) ?? args.stream ?? args.follow?.stream,
    firstFrame: (ts) => view.time.start(ts),
    each: (s, out, shown) => {
      if (!('totals' in s)) shown.add(s.stream);
      if (jsonl) out.line(JSON.stringify(s));
      else for (const l of 'totals' in s ? totalsText(s, view) : statsText(s, view)) out.line(l);
    },
    shown: 'connections',
  });
}

const counts = (m: Readonly<Record<string, number>>): string =>
  Object.entries(m)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';

const both = (d: PerDirection<number>): string => `${d.c2s + d.s2c} (${d.c2s} → / ${d.s2c} ←)`;

function ratesText(r: Rates): string {
  if (r.packetsPerSecond === null) return '';
  return `rates: ${r.packetsPerSecond} packets/s, ${r.bytesPerSecond} bytes/s, ${r.messagesPerSecond} messages/s`;
}

function tsToNs(ts: string): bigint {
  const [s, ns] = ts.split('.') as [string, string];
  return BigInt(s) * 1_000_000_000n + BigInt(ns);
}

/**
 * A connection for people, four lines:
 *
 * ```
 * #1 127.0.0.1:55432 ↔ 127.0.0.1:7272 websocket, closed by fin, WebSocket close 1000 bye
 *   03:40:05.352722000 for 0.056876 s: packets 44 (23 → / 21 ←), bytes 15809 (7895 → / 7914 ←)
 *   messages 32: → text 8, pong 1, binary 1, close 1; ← text 8, ping 1, …
 *   rates: 773.6 packets/s, …; largest: ← text 70145B at 03:40:05.399190000
 * ```
 */
function statsText(s: ConnectionStats, view: TextView): string[] {
  const close = s.closeCode === null ? '' : `, WebSocket close ${s.closeCode}${s.closeReason ? ' ' + view.oneLine(s.closeReason) : ''}`;
  const largest = s.largest === null ? '' : `largest: ${view.arrow(s.largest.dir)} ${view.kind(s.largest.type)} ${s.largest.length}B at ${view.time.format(tsToNs(s.largest.ts))}`;
  return [
    `${view.dim(`#${s.stream}`)} ${s.client} ↔ ${s.server}${s.tunnel === undefined ? '' : ` [${s.tunnel}]`} ${s.protocol ?? 'no messages'}, closed by ${s.close}${close}`,
    `  ${view.time.format(tsToNs(s.firstTs))} for ${s.duration.toFixed(6)} s: packets ${both(s.packets)}, bytes ${both(s.bytes)}`,
    `  messages ${s.messageCount}: → ${counts(s.messages.c2s)}; ← ${counts(s.messages.s2c)}`,
    ...(ratesText(s.rates) || largest ? [`  ${[ratesText(s.rates), largest].filter(Boolean).join('; ')}`] : []),
  ];
}

/** The capture's totals for people. */
function totalsText(t: CaptureStatsTotals, view: TextView): string[] {
  const largest = t.largest === null ? '' : `; largest: #${t.largest.stream} ${view.arrow(t.largest.dir)} ${view.kind(t.largest.type)} ${t.largest.length}B`;
  return [
    `total: ${t.connections} connection${t.connections === 1 ? '' : 's'}${t.firstTs === null ? '' : `, ${view.time.format(tsToNs(t.firstTs))} for ${t.duration.toFixed(6)} s`}: packets ${both(t.packets)}, bytes ${both(t.bytes)}`,
    `  messages ${t.messageCount}: → ${counts(t.messages.c2s)}; ← ${counts(t.messages.s2c)}${largest}`,
    ...(ratesText(t.rates) ? [`  ${ratesText(t.rates)}`] : []),
  ];
}
