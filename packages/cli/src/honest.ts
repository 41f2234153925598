import { definePlugin, formatEndpoint, type AppEvent, type NetrxPlugin, type ProbeResult, type StreamDissectorFactory } from '@netrx/core';
import { createReassemblerTotals, type ReassemblerTotals } from '@netrx/dissector-tcp';
import { warningsOf, type DropCounts, type Pipeline } from '@netrx/pipeline';
import type { CliArgs } from './args.js';
import type { CliIO } from './output.js';
import type { SelectionCounts } from './select.js';

/** The code of a stream dissector that threw (`@netrx/dissector-tcp`'s dispatch catches it). */
const DISSECTOR_THREW = 'ERR_TCP_DISSECTOR_THREW';

/** What a run saw, for the line that says what was there but not shown ({@link reportUnshown}). */
export class RunFacts implements SelectionCounts {
  /** Frames read (after the capture filter). */
  frames = 0;
  /** TCP reassembly's counters (connections seen). */
  totals: ReassemblerTotals = createReassemblerTotals();
  /** Connections whose first bytes look like TLS (a handshake or application data record) that no TLS dissector took. */
  readonly tlsLooking = new Set<number>();
  /** TLS connections that were not decrypted, by reason (their `tls.connection` events). */
  readonly tlsNotDecrypted = new Map<string, number>();
  selecting = false;
  seen = 0;
  hidden = 0;
  /** The run's pipeline, once {@link RunFacts.watch} was called: what it dropped is said at the end. */
  pipeline: Pipeline | undefined;
  /** A parallel run's drops, added up from its threads (its main thread's pipeline dissects nothing). */
  drops: DropCounts | undefined;
  /** Findings that belong to no message (`Pipeline.warnings$`) that no output line showed, by code. */
  readonly hiddenWarnings: Record<string, number> = {};

  /**
   * Watches a pipeline's findings that belong to no message: those the command shows as records
   * of its own (`shows`) are left to it; the others go to `write` (`--warnings`) or, without it,
   * are counted in {@link RunFacts.hiddenWarnings}, which the run's last line says. A dissector
   * that threw is a bug, not a finding about the traffic: the first one is said on `stderr` at
   * once, with its error, whether or not `--warnings` shows them all.
   */
  watch(pipeline: Pipeline, stderr: Pick<NodeJS.WritableStream, 'write'>, command: string, shows?: (e: AppEvent) => boolean, write?: (e: AppEvent) => void): void {
    this.pipeline = pipeline;
    let threwSaid = false;
    pipeline.warnings$.subscribe((e) => {
      if (shows?.(e)) return;
      const threw = threwSaid ? undefined : warningsOf(e).find((d) => d.code === DISSECTOR_THREW);
      if (threw !== undefined) {
        threwSaid = true;
        // Endpoints, not `#id`: a worker thread's connection ids are not the run's.
        const c = e.connection;
        stderr.write(`netrx ${command}: ${formatEndpoint(c.client)} → ${formatEndpoint(c.server)}: ${threw.message} — a bug in that dissector; the connection is not dissected from there\n`);
      }
      if (write !== undefined) return write(e);
      for (const d of warningsOf(e)) this.hiddenWarnings[d.code] = (this.hiddenWarnings[d.code] ?? 0) + 1;
    });
  }

  /** What the run dropped: its threads' added up, or its pipeline's; none before {@link RunFacts.watch}. */
  dropsNow(): DropCounts | undefined {
    return this.drops ?? this.pipeline?.drops();
  }

  /** Looks at one application event: counts a TLS connection that was not decrypted, by its reason. */
  seeTls(e: AppEvent): void {
    if (e.type !== 'tls.connection' || e.decrypted) return;
    const reason = e.reason ?? 'unknown';
    this.tlsNotDecrypted.set(reason, (this.tlsNotDecrypted.get(reason) ?? 0) + 1);
  }
}

/**
 * Whether bytes start like a TLS record (RFC 8446 §5.1): content type handshake (22) or
 * application data (23), legacy version 3.x, x ≤ 4, and a length no more than 2^14 + 2048.
 */
function looksLikeTls(b: Uint8Array): boolean {
  if (b.length < 5) return false;
  return (b[0] === 22 || b[0] === 23) && b[1] === 3 && b[2]! <= 4 && ((b[3]! << 8) | b[4]!) <= 16384 + 2048;
}

/**
 * A plugin with one `tcp` heuristic, tried after every other: it claims nothing (it always says
 * `reject`, so which dissector a connection gets is unchanged) but notes the connections whose
 * first bytes look like TLS, which the run's last line then mentions. Connections a TLS dissector
 * takes never reach it.
 */
export function tlsLookoutPlugin(facts: RunFacts): NetrxPlugin {
  const lookout: StreamDissectorFactory = {
    name: 'netrx-cli-tls-lookout',
    resumesAfterGap: false,
    probeBytes: 5,
    probe(bytes, _dir, connection): ProbeResult {
      if (bytes.length < 5) return 'need-more';
      if (looksLikeTls(bytes)) facts.tlsLooking.add(connection.id);
      return 'reject';
    },
    create() {
      throw new Error('the TLS lookout never matches');
    },
  };
  return definePlugin({
    name: 'netrx-cli-tls-lookout',
    coreVersion: '^0.1.0',
    dependencies: ['tcp'],
    handoff(registry) {
      registry.heuristics('tcp').add(lookout, { name: 'netrx-cli-tls-lookout', priority: -1_000_000 });
    },
  });
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/**
 * After a capture file (not a live capture, which ends with its own summary), one line on stderr
 * when something was there that the output does not show: no packet at all (or none the capture
 * filter kept), packets but no TCP connection, connections but none of what the command shows
 * (`2 connections, 0 WebSocket messages`), all of it left out by `--stream` or `-Y`, or TLS
 * connections that were not decrypted (by reason: no key, wrong keys…) or look like TLS, which
 * need keys. Nothing when the output tells the whole story.
 */
export function reportUnshown(
  args: Pick<CliArgs, 'command' | 'read' | 'filter' | 'displayFilter' | 'stream' | 'follow'>,
  io: CliIO,
  facts: RunFacts,
  shown: number,
  what: string | undefined,
): void {
  if (args.read === undefined || what === undefined) return;
  const say = (s: string): void => void io.stderr.write(`netrx ${args.command}: ${s}\n`);
  const looking = facts.tlsLooking.size;
  let undecrypted = 0;
  for (const n of facts.tlsNotDecrypted.values()) undecrypted += n;
  const tls = looking + undecrypted;
  // Nothing from a TLS connection that was not decrypted is shown: say so, and why.
  const reasons = [...facts.tlsNotDecrypted].map(([r, n]) => `${r}: ${n}`).join(', ');
  const hint = facts.tlsNotDecrypted.has('no-key') ? 'give --keylog FILE (or SSLKEYLOGFILE) to decrypt' : 'netrx tls says why';
  const tlsNote =
    (undecrypted > 0 ? `; ${plural(undecrypted, 'TLS connection')} not decrypted (${reasons}) — ${hint}` : '') +
    (looking > 0 ? `; ${looking} ${looking === 1 ? 'looks' : 'look'} like TLS — give --keylog FILE to decrypt` : '');
  if (facts.frames === 0) {
    say(args.filter !== undefined ? `no packet matched the capture filter "${args.filter}"` : 'the capture has no packets');
    return;
  }
  // netrx packets shows every packet it read: nothing else to say.
  if (args.command === 'packets') return;
  const connections = facts.totals.connections;
  if (connections === 0) {
    say(`${plural(facts.frames, 'packet')}, no TCP connection (netrx packets shows every packet)`);
    return;
  }
  const made = facts.selecting ? facts.seen : shown;
  if (made > 0 && shown === 0) {
    const stream = args.stream ?? args.follow?.stream;
    const by = [stream !== undefined ? `--stream ${stream}` : '', args.displayFilter !== undefined ? `-Y '${args.displayFilter}'` : '']
      .filter(Boolean)
      .join(' and ');
    say(`${plural(connections, 'connection')}, ${made} ${what}, none shown: ${by} matched none${tlsNote}`);
    return;
  }
  if (made === 0 || tls > 0) say(`${plural(connections, 'connection')}, ${made} ${what}${tlsNote}`);
}
