import { identity, tap } from 'rxjs';
import type { StreamClose, StreamEvent } from '@netrx/core';
import { createReassemblerTotals } from '@netrx/dissector-tcp';
import { tcpConnectionSummaries, type TcpConnectionSummary, type TcpDirectionSummary } from '@netrx/pipeline';
import type { CliArgs } from '../args.js';
import type { CliIO } from '../output.js';
import { runCommand } from '../run.js';

/**
 * `netrx tcp`: one line per TCP connection when it closes (the rest at the end of input), with
 * each direction's reassembled byte count and sha256, gaps, retransmissions, overlap conflicts and
 * how it closed. A capture file that breaks part-way is reported after the connections read
 * before the break (exit status 1). `--sink URL` also writes each connection's line to Redis
 * Streams, `type` `connection`, `ts` the packet time it closed at (the line itself has no time).
 */
export async function tcp(args: CliArgs, io: CliIO): Promise<number> {
  const line = args.format === 'jsonl' ? (c: TcpConnectionSummary) => JSON.stringify(c) : (c: TcpConnectionSummary) => tcpTextLine(c, args.full);
  const totals = createReassemblerTotals();
  // The close event the summary being emitted was made from: tcpConnectionSummaries() emits each
  // summary synchronously on its connection's close, so the record can take the connection and
  // the packet time from it.
  let closed: StreamClose | undefined;
  const noteClose = tap((ev: StreamEvent) => {
    if (ev.type === 'close') closed = ev;
  });
  return runCommand(args, io, {
    options: { tcp: { totals } },
    stages: (pipeline) => (frames) => frames.pipe(pipeline.streams(), args.sink === undefined ? identity : noteClose, tcpConnectionSummaries()),
    each: (c, out, shown) => {
      shown.add(c.stream);
      if (!args.quiet) out.line(line(c));
    },
    shown: 'closed',
    after: () => {
      if (totals.evicted > 0 || totals.capGaps > 0 || totals.implausibleSegments > 0 || totals.afterClose > 0) {
        io.stderr.write(
          `netrx tcp: not in the byte counts: ${totals.evicted} connections closed early (too many open), ${totals.capGaps} holes reported early (buffer full), ${totals.implausibleSegments} segments ignored (sequence number implausibly far ahead), ${totals.afterClose} data segments after a connection closed\n`,
        );
      }
    },
    record: (c) => {
      if (closed?.connection.id !== c.stream) throw new Error(`netrx tcp: the summary of connection #${c.stream} came without its close event`);
      return { connection: closed.connection, type: 'connection', ts: closed.ts, json: JSON.stringify(c) };
    },
  });
}

/**
 * One line for people:
 *
 * `#0 127.0.0.1:40000 → 127.0.0.1:80 (syn, fin) c2s 18B sha256:8c7e6f…  s2c 19B sha256:2a1b… gaps 1/7B`
 */
export function tcpTextLine(c: TcpConnectionSummary, full = false): string {
  const dir = (name: string, d: TcpDirectionSummary): string => {
    const extra = [
      d.gaps ? `gaps ${d.gaps}/${d.gapBytes}B` : '',
      d.retransmitted ? `retx ${d.retransmitted}` : '',
      d.overlapConflicts ? `conflicts ${d.overlapConflicts}B` : '',
      d.droppedBytes ? `dropped ${d.droppedBytes}B` : '',
      d.close !== c.close ? `closed by ${d.close}` : '',
    ].filter(Boolean);
    return `${name} ${d.bytes}B sha256:${full ? d.sha256 : d.sha256.slice(0, 16) + '…'}${extra.length ? ' ' + extra.join(' ') : ''}`;
  };
  return `#${c.stream} ${c.client} → ${c.server}${c.tunnel === undefined ? '' : ` [${c.tunnel}]`} (${c.clientBy}, ${c.close}) ${dir('c2s', c.c2s)}  ${dir('s2c', c.s2c)}`;
}
