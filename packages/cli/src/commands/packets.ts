import { LinkType, type Packet } from '@netrx/core';
import type { TcpLayer } from '@netrx/dissector-tcp';
import { packetEndpoints, packetSummary, packetSummaryJson, tcpFlagString } from '@netrx/pipeline';
import type { CliArgs } from '../args.js';
import type { CliIO } from '../output.js';
import { runCommand } from '../run.js';
import { textViewFor, type TextView } from '../text-view.js';

/** `LINKTYPE_*` names for text output. */
const LINK_NAMES = new Map<number, string>(Object.entries(LinkType).map(([name, value]) => [value, name]));

/** The fields of `netrx packets --format jsonl` records, for `-Y`. */
export const PACKET_FIELDS: readonly string[] = ['frame', 'ts', 'linkType', 'layers', 'src', 'dst', 'tunnel', 'caplen', 'len', 'failure', 'tcp'];

/**
 * One line for people: frame number, time, link type, layers, endpoints, for TCP the flags
 * (tcpdump's letters: `S` SYN, `F` FIN, `R` RST, `P` PSH, `.` ACK), sequence and acknowledgment
 * numbers and payload length, then the captured and on-the-wire lengths, and what could not be
 * decoded.
 *
 * `     4 03:40:05.283287000 ETHERNET ethernet/ipv4/tcp 127.0.0.1:55422 > 127.0.0.1:7272 [P.] seq 2171263616 ack 537779778 length 223 caplen 289 len 289`
 */
export function packetText(p: Packet, view: TextView): string {
  const { frame, layers } = p;
  const ends = packetEndpoints(p);
  const link = LINK_NAMES.get(frame.linkType) ?? `LINKTYPE_${frame.linkType}`;
  let names = '';
  let tcp: TcpLayer | undefined;
  for (const l of layers) {
    names += (names ? '/' : '') + (l.protocol === 'failure' ? `!${l.failedProtocol}` : l.protocol);
    if (l.protocol === 'tcp') tcp = l;
  }
  const last = layers.at(-1);
  const failure = last?.protocol === 'failure' ? last : undefined;
  const seg = tcp ? ` [${tcpFlagString(tcp.flags)}] seq ${tcp.seq} ack ${tcp.ack} length ${tcp.payload.length + tcp.truncatedBytes}` : '';
  return (
    `${String(frame.frameNumber).padStart(6)} ${view.time.format(frame.timestamp)} ${link} ${names || '-'} ${ends ? `${ends.src} > ${ends.dst}` : '-'}${p.tunnel === undefined ? '' : ` [${p.tunnel}]`}${seg} caplen ${frame.caplen} len ${frame.length}` +
    (failure ? ' ' + view.warn(`[${failure.code} at ${failure.offset}: ${failure.message}]`) : '')
  );
}

/**
 * `netrx packets -r FILE [--format text|jsonl]`: one line per packet. On a broken file, prints
 * every good packet, then fails with the reader's message (exit status 1).
 */
export async function packets(args: CliArgs, io: CliIO): Promise<number> {
  const view = textViewFor(args, io.stdout);
  const format = args.format === 'jsonl' ? packetSummaryJson : (p: Packet) => packetText(p, view);
  return runCommand(args, io, {
    stages: (pipeline) => pipeline.packets(),
    jsonRecord: (p) => packetSummary(p),
    fields: PACKET_FIELDS,
    firstFrame: (ts) => view.time.start(ts),
    each: (p, out) => out.line(format(p)),
    shown: 'packets',
  });
}
