import { createHash, type Hash } from 'node:crypto';
import { dissect, formatEndpoint, type DirectionStats, type StreamClose, type StreamEvent } from '@netrx/core';
import { createReassemblerTotals, reassembleTcp } from '@netrx/dissector-tcp';
import type { CliArgs } from '../args.js';
import { lineWriterFor, type CliIO } from '../output.js';
import { createCliRegistry } from '../pipeline.js';
import { runPipeline } from '../run.js';
import { openFrames } from '../source.js';
import { ShownCounter } from '../summary.js';

/** One direction of a connection in `netrx tcp --format jsonl`. */
export interface TcpDirectionJson {
  /** Reassembled bytes (gaps skipped, not zero-filled). */
  readonly bytes: number;
  /** sha256 of the reassembled bytes, hex. */
  readonly sha256: string;
  readonly gaps: number;
  readonly gapBytes: number;
  readonly retransmitted: number;
  readonly overlapConflicts: number;
  readonly droppedBytes: number;
  /** How this direction ended: `fin`, `rst`, `idle` or `end`. */
  readonly close: string;
}

/** One connection in `netrx tcp --format jsonl`: the JSON contract. */
export interface TcpConnectionJson {
  readonly stream: number;
  readonly client: string;
  readonly server: string;
  /** How the client was decided: `syn`, `port`, or the `tcp.client` entry that knew (`http`, `ws-mask`). */
  readonly clientBy: string;
  /** How the connection ended. */
  readonly close: string;
  readonly c2s: TcpDirectionJson;
  readonly s2c: TcpDirectionJson;
}

/**
 * `netrx tcp`: one line per TCP connection when it closes (the rest at the end of input), with
 * each direction's reassembled byte count and sha256, gaps, retransmissions, overlap conflicts and
 * how it closed. A capture file that breaks part-way is reported after the connections read
 * before the break (exit status 1).
 */
export async function tcp(args: CliArgs, io: CliIO): Promise<number> {
  const registry = createCliRegistry(args);
  const out = lineWriterFor(args, io.stdout);
  const shown = new ShownCounter();
  const line = args.format === 'jsonl' ? (c: TcpConnectionJson) => JSON.stringify(c) : (c: TcpConnectionJson) => tcpTextLine(c, args.full);
  const hashes = new Map<number, Record<'c2s' | 's2c', Hash>>();
  const totals = createReassemblerTotals();
  const failure = await runPipeline(
    openFrames(args, io),
    (frames) => frames.pipe(dissect(registry), reassembleTcp(registry, { totals })),
    (ev: StreamEvent) => {
      const id = ev.connection.id;
      if (ev.type === 'open') hashes.set(id, { c2s: createHash('sha256'), s2c: createHash('sha256') });
      else if (ev.type === 'data') hashes.get(id)![ev.dir].update(ev.bytes);
      else if (ev.type === 'close') {
        shown.add(id);
        out.line(line(connectionJson(ev, hashes.get(id)!)));
        hashes.delete(id);
      }
    },
    out,
  );
  shown.report(args, io, 'closed');
  if (totals.evicted > 0 || totals.capGaps > 0 || totals.implausibleSegments > 0 || totals.afterClose > 0) {
    io.stderr.write(
      `netrx tcp: not in the byte counts: ${totals.evicted} connections closed early (too many open), ${totals.capGaps} holes reported early (buffer full), ${totals.implausibleSegments} segments ignored (sequence number implausibly far ahead), ${totals.afterClose} data segments after a connection closed\n`,
    );
  }
  if (failure !== undefined) throw failure;
  return 0;
}

/** Builds the JSON contract object of a closed connection from its close event and hashes. */
export function connectionJson(ev: StreamClose, hashes: Record<'c2s' | 's2c', Hash>): TcpConnectionJson {
  const c = ev.connection;
  const dir = (s: Readonly<DirectionStats>, h: Hash): TcpDirectionJson => ({
    bytes: s.bytes,
    sha256: h.digest('hex'),
    gaps: s.gaps,
    gapBytes: s.gapBytes,
    retransmitted: s.retransmitted,
    overlapConflicts: s.overlapConflicts,
    droppedBytes: s.droppedBytes,
    close: s.close ?? ev.reason,
  });
  return {
    stream: c.id,
    client: formatEndpoint(c.client),
    server: formatEndpoint(c.server),
    clientBy: c.clientBy,
    close: ev.reason,
    c2s: dir(ev.stats.c2s, hashes.c2s),
    s2c: dir(ev.stats.s2c, hashes.s2c),
  };
}

/**
 * One line for people:
 *
 * `#0 127.0.0.1:40000 → 127.0.0.1:80 (syn, fin) c2s 18B sha256:8c7e6f…  s2c 19B sha256:2a1b… gaps 1/7B`
 */
export function tcpTextLine(c: TcpConnectionJson, full = false): string {
  const dir = (name: string, d: TcpDirectionJson): string => {
    const extra = [
      d.gaps ? `gaps ${d.gaps}/${d.gapBytes}B` : '',
      d.retransmitted ? `retx ${d.retransmitted}` : '',
      d.overlapConflicts ? `conflicts ${d.overlapConflicts}B` : '',
      d.droppedBytes ? `dropped ${d.droppedBytes}B` : '',
      d.close !== c.close ? `closed by ${d.close}` : '',
    ].filter(Boolean);
    return `${name} ${d.bytes}B sha256:${full ? d.sha256 : d.sha256.slice(0, 16) + '…'}${extra.length ? ' ' + extra.join(' ') : ''}`;
  };
  return `#${c.stream} ${c.client} → ${c.server} (${c.clientBy}, ${c.close}) ${dir('c2s', c.c2s)}  ${dir('s2c', c.s2c)}`;
}
