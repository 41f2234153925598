import type { AppEvent, Diagnostic, DissectStats, MemoryBudget } from '@netrx/core';
import type { ReassemblerTotals } from '@netrx/dissector-tcp';

/**
 * What a pipeline dropped, cut short or did not decode, over all its runs so far: every figure the
 * stages count that means something is missing from their output (DESIGN, "Bad input": nothing is
 * dropped without a counter). Read a snapshot with `Pipeline.drops()`, or one at the end of each
 * run from `Pipeline.drops$`. All fields only grow over a pipeline's life, except the `memory`
 * gauges.
 */
export interface DropCounts {
  /**
   * IP datagrams whose fragments never all came: timed out, or still waiting when the input
   * ended (IPv4 and IPv6 together).
   */
  fragmentsIncomplete: number;
  /** IP datagrams given up to make room: the fragment caps, or the memory budget. */
  fragmentsEvicted: number;
  /** IP datagrams given up because their fragments disagreed or ran past the datagram cap. */
  fragmentsInvalid: number;
  /** Packets cut at the layer cap (`DissectOptions.maxLayers`): their last layer is an `ERR_DISSECT_TOO_DEEP` failure. */
  layersCut: number;
  /** TCP connections closed early: the connection cap or the memory budget (`ReassemblerTotals.evicted` and `budgetEvicted`). */
  connectionsEvicted: number;
  /** TCP holes reported early as gaps because a buffer cap or the memory budget was reached (`ReassemblerTotals.capGaps` and `budgetGaps`). */
  capGaps: number;
  /** TCP packets dropped because the memory budget could not hold the connection they would open (`ReassemblerTotals.budgetRefused`). */
  packetsRefused: number;
  /** TCP segments ignored because their sequence number was implausibly far ahead (`ReassemblerTotals.implausibleSegments`). */
  segmentsImplausible: number;
  /** TCP segments with data that came after their connection closed (`ReassemblerTotals.afterClose`). */
  segmentsAfterClose: number;
  /**
   * Stream bytes skipped while a dissector searched for its framing again, or searched without
   * finding any (WebSocket `WARN_WS_RESYNC`, `WARN_WS_UNPARSED`).
   */
  resyncSkippedBytes: number;
  /** Application messages that could not be decoded (`undecodable`: over the inflate cap, history lost…). */
  undecodable: number;
  /**
   * Diagnostics that belong to no message (`stream.error`, `ws.warning`, a `tls.connection`'s
   * warnings), by code: what `netrx --warnings` writes as records.
   */
  warnings: Record<string, number>;
  /** The pipeline's memory budget: limit, peak and current use (bytes), refused draws, bytes reclaimers freed. */
  memory: { limit: number; peak: number; used: number; refused: number; reclaimed: number };
}

/** The findings whose `bytes` are bytes skipped without a message (WebSocket resynchronisation). */
const SKIPPED_CODES = new Set(['WARN_WS_RESYNC', 'WARN_WS_UNPARSED']);

function skippedBytes(d: Diagnostic): number {
  return SKIPPED_CODES.has(d.code) ? (d.bytes ?? 0) : 0;
}

/** An application event's fields this counter reads, whatever the plugin that made it. */
interface Readable {
  readonly type: string;
  readonly warnings?: readonly Diagnostic[];
  readonly diagnostics?: readonly Diagnostic[];
  readonly diagnostic?: Diagnostic;
  readonly undecodable?: string;
}

/**
 * Whether an application event is a finding of its own rather than a record (a message, a
 * transaction): `stream.error`, any `*.warning` event, and a `tls.connection` with warnings.
 */
export function isWarningEvent(e: AppEvent): boolean {
  const r = e as Readable;
  return r.type === 'stream.error' || r.type.endsWith('.warning') || (r.type === 'tls.connection' && (r.warnings?.length ?? 0) > 0);
}

/** The diagnostics of a warning event ({@link isWarningEvent}): its `diagnostic`, or its `warnings`. */
export function warningsOf(e: AppEvent): readonly Diagnostic[] {
  const r = e as Readable;
  return r.diagnostic !== undefined ? [r.diagnostic] : (r.warnings ?? []);
}

/**
 * The counters behind {@link DropCounts}: it reads the pipeline's dissect stats, TCP totals and
 * budget when a snapshot is made, and counts what application events say as they pass
 * ({@link DropCounter.see}).
 */
export class DropCounter {
  private readonly warnings: Record<string, number> = {};
  private resync = 0;
  private undecodable = 0;

  constructor(
    private readonly dissect: DissectStats,
    private readonly tcp: ReassemblerTotals,
    private readonly budget: MemoryBudget,
  ) {}

  /** Counts what one application event says was dropped or skipped; returns whether it is a warning event ({@link isWarningEvent}). */
  see(e: AppEvent): boolean {
    const r = e as Readable;
    if (r.undecodable !== undefined) this.undecodable++;
    if (isWarningEvent(e)) {
      for (const d of warningsOf(e)) {
        this.warnings[d.code] = (this.warnings[d.code] ?? 0) + 1;
        this.resync += skippedBytes(d);
      }
      return true;
    }
    // Findings carried by a message (WebSocket puts the skipped bytes before a message on it).
    const carried = r.warnings ?? r.diagnostics;
    if (carried !== undefined) for (let i = 0; i < carried.length; i++) this.resync += skippedBytes(carried[i]!);
    return false;
  }

  /** A snapshot of every counter now. */
  snapshot(): DropCounts {
    const f = this.dissect.fragments;
    const t = this.tcp;
    const b = this.budget;
    return {
      fragmentsIncomplete: f.timedOut + f.pending,
      fragmentsEvicted: f.evicted,
      fragmentsInvalid: f.dropped - f.timedOut - f.evicted,
      layersCut: this.dissect.failures['ERR_DISSECT_TOO_DEEP'] ?? 0,
      connectionsEvicted: t.evicted + t.budgetEvicted,
      capGaps: t.capGaps + t.budgetGaps,
      packetsRefused: t.budgetRefused,
      segmentsImplausible: t.implausibleSegments,
      segmentsAfterClose: t.afterClose,
      resyncSkippedBytes: this.resync,
      undecodable: this.undecodable,
      warnings: { ...this.warnings },
      memory: { limit: b.limit, peak: b.peak, used: b.used, refused: b.refused, reclaimed: b.reclaimed },
    };
  }
}

/** Whether a snapshot reports anything dropped or not shown (the memory gauges aside, refused draws included). */
export function somethingDropped(d: DropCounts): boolean {
  return (
    d.fragmentsIncomplete + d.fragmentsEvicted + d.fragmentsInvalid + d.layersCut + d.connectionsEvicted + d.capGaps + d.packetsRefused + d.segmentsImplausible + d.segmentsAfterClose + d.resyncSkippedBytes + d.undecodable + d.memory.refused > 0 ||
    Object.keys(d.warnings).length > 0
  );
}
