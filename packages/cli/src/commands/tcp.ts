import { identity, tap } from 'rxjs';
import { formatEndpoint, type StreamClose, type StreamEvent } from '@netrx/core';
import { createReassemblerTotals } from '@netrx/dissector-tcp';
import { tcpConnectionSummaries, type TcpConnectionSummary, type TcpDirectionSummary } from '@netrx/pipeline';
import type { CliArgs } from '../args.js';
import type { CliIO, LineWriter } from '../output.js';
import { runCommand } from '../run.js';
import { inStreamOrder } from '../stream-order.js';
import { textViewFor, type TextView } from '../text-view.js';

/** The fields of `netrx tcp --format jsonl` records, for `-Y`. */
export const TCP_FIELDS: readonly string[] = ['stream', 'client', 'server', 'tunnel', 'clientBy', 'close', 'c2s', 's2c', 'firstTs', 'lastTs', 'duration', 'packets'];

/**
 * `netrx tcp`: one line per TCP connection, in stream order (`#0`, `#1`…) for a file and as they
 * close for a live capture, with the times of the first and last segments, the duration, the
 * segments and, per direction, the reassembled byte count and sha256, gaps, retransmissions,
 * overlap conflicts and how it closed. A capture file that breaks part-way is reported after the
 * connections read before the break (exit status 1). `-z follow,tcp,N` prints connection N's
 * reassembled bytes instead. `--sink URL` also writes each connection's line to Redis Streams,
 * `type` `connection`, `ts` the packet time it closed at (the line itself has no time).
 */
export async function tcp(args: CliArgs, io: CliIO): Promise<number> {
  const view = textViewFor(args, io.stdout);
  if (args.follow !== undefined) return followTcp(args, io, view);
  const line = args.format === 'jsonl' ? (c: TcpConnectionSummary) => JSON.stringify(c) : (c: TcpConnectionSummary) => tcpTextLine(c, view);
  const totals = createReassemblerTotals();
  const live = args.interface !== undefined;
  // The close events the summaries were made from, by connection, for --sink: the record takes
  // the connection and the packet time it closed at from it (a file's summaries come in stream
  // order, later than their close).
  const closes = new Map<number, StreamClose>();
  const noteClose = tap((ev: StreamEvent) => {
    if (ev.type === 'close') closes.set(ev.connection.id, ev);
  });
  return runCommand(args, io, {
    options: { tcp: { totals } },
    // A file's connections in the order they were first seen; live, each as it closes.
    stages: (pipeline) => (frames) =>
      frames.pipe(pipeline.streams(), args.sink === undefined ? identity : noteClose, tcpConnectionSummaries(), live ? identity : inStreamOrder((c) => c.stream)),
    jsonRecord: (c) => c,
    fields: TCP_FIELDS,
    streamOf: (c) => c.stream,
    firstFrame: (ts) => view.time.start(ts),
    each: (c, out, shown) => {
      shown.add(c.stream);
      if (!args.quiet) out.line(line(c));
    },
    shown: 'closed',
    // Connections closed early, holes reported early and segments ignored are in the run's last line (drops-report.ts).
    record: (c) => {
      const closed = closes.get(c.stream);
      if (closed === undefined) throw new Error(`netrx tcp: the summary of connection #${c.stream} came without its close event`);
      closes.delete(c.stream);
      return { connection: closed.connection, type: 'connection', ts: closed.ts, json: JSON.stringify(c) };
    },
  });
}

/**
 * One line for people:
 *
 * `#0 127.0.0.1:40000 → 127.0.0.1:80 (syn, fin) c2s 18B sha256:8c7e6f…  s2c 19B sha256:2a1b… gaps 1/7B  03:40:05.267886000 0.152129 s 16/19 packets`
 *
 * `(syn, fin)`: how the client was decided, how the connection ended; per direction the
 * reassembled bytes, the start of their sha256 (all of it with `--full`), and what went wrong;
 * then the first segment's time, the duration and the segments client to server / server to client.
 */
export function tcpTextLine(c: TcpConnectionSummary, view: TextView): string {
  const full = view.options.full;
  const dir = (name: string, d: TcpDirectionSummary): string => {
    const extra = [
      d.gaps ? `gaps ${d.gaps}/${d.gapBytes}B` : '',
      d.retransmitted ? `retx ${d.retransmitted}` : '',
      d.overlapConflicts ? `conflicts ${d.overlapConflicts}B` : '',
      d.droppedBytes ? `dropped ${d.droppedBytes}B` : '',
      d.close !== c.close ? `closed by ${d.close}` : '',
    ].filter(Boolean);
    return `${name} ${d.bytes}B sha256:${full ? d.sha256 : d.sha256.slice(0, 16) + '…'}${extra.length ? ' ' + view.warn(extra.join(' ')) : ''}`;
  };
  const [s, ns] = c.firstTs.split('.') as [string, string];
  const first = view.time.format(BigInt(s) * 1_000_000_000n + BigInt(ns));
  return `${view.dim(`#${c.stream}`)} ${c.client} → ${c.server}${c.tunnel === undefined ? '' : ` [${c.tunnel}]`} (${c.clientBy}, ${c.close}) ${dir('c2s', c.c2s)}  ${dir('s2c', c.s2c)}  ${first} ${c.duration.toFixed(6)} s ${c.packets.c2s}/${c.packets.s2c} packets`;
}

/**
 * `netrx tcp -z follow,tcp,N`, as tshark's `-z follow,tcp,ascii,N`: connection N's reassembled
 * bytes in order of arrival, each run of one direction as printable text (`.` for other bytes,
 * line ends kept), the server's indented by a tab, holes marked; then the byte counts.
 */
async function followTcp(args: CliArgs, io: CliIO, view: TextView): Promise<number> {
  const n = args.follow!.stream;
  let header = false;
  const count = { c2s: 0, s2c: 0 };
  const rule = '='.repeat(67);
  const start = (ev: StreamEvent, out: LineWriter): void => {
    if (header) return;
    header = true;
    out.line(rule);
    out.line(`Follow: tcp,ascii,${n}`);
    out.line(`Client: ${formatEndpoint(ev.connection.client)}`);
    out.line(`Server: ${formatEndpoint(ev.connection.server)}`);
    out.line(rule);
  };
  return runCommand(args, io, {
    stages: (pipeline) => pipeline.streams(),
    streamOf: (ev) => ev.connection.id,
    firstFrame: (ts) => view.time.start(ts),
    each: (ev, out) => {
      if (ev.type === 'open' || ev.type === 'close') return;
      start(ev, out);
      const indent = ev.dir === 'c2s' ? '' : '\t';
      if (ev.type === 'gap') {
        out.line(`${indent}${view.warn(`[${ev.length} bytes missing]`)}`);
        return;
      }
      count[ev.dir] += ev.bytes.length;
      // eslint-disable-next-line no-control-regex
      const text = Buffer.from(ev.bytes.buffer, ev.bytes.byteOffset, ev.bytes.byteLength).toString('latin1').replace(/\r\n/g, '\n').replace(/[^\n\t\x20-\x7e]/g, '.');
      for (const l of text.split('\n')) out.line(indent + l);
    },
    after: () => {
      io.stdout.write(header ? `${rule}\n${count.c2s} bytes client to server, ${count.s2c} bytes server to client\n${rule}\n` : `${rule}\nFollow: tcp,ascii,${n}\nno data on connection #${n}\n${rule}\n`);
    },
  });
}
