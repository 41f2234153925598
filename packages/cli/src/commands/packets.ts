import { LinkType, type Packet } from '@netrx/core';
import { packetEndpoints, packetSummaryJson } from '@netrx/pipeline';
import type { CliArgs } from '../args.js';
import type { CliIO } from '../output.js';
import { runCommand } from '../run.js';
import { formatTimeOfDay } from '../time.js';

/** `LINKTYPE_*` names for text output. */
const LINK_NAMES = new Map<number, string>(Object.entries(LinkType).map(([name, value]) => [value, name]));

/** One line for people: frame, UTC time of day, link, layers, endpoints, captured/original length. */
export function packetText(p: Packet): string {
  const { frame, layers } = p;
  const ends = packetEndpoints(p);
  const time = formatTimeOfDay(frame.timestamp);
  const link = LINK_NAMES.get(frame.linkType) ?? `LINKTYPE_${frame.linkType}`;
  let names = '';
  for (const l of layers) names += (names ? '/' : '') + (l.protocol === 'failure' ? `!${l.failedProtocol}` : l.protocol);
  const last = layers.at(-1);
  const failure = last?.protocol === 'failure' ? last : undefined;
  return (
    `${String(frame.frameNumber).padStart(6)} ${time} ${link} ${names || '-'} ${ends ? `${ends.src} > ${ends.dst}` : '-'} ${frame.caplen}/${frame.length}` +
    (failure ? ` [${failure.code} at ${failure.offset}: ${failure.message}]` : '')
  );
}

/**
 * `netrx packets -r FILE [--format text|jsonl]`: one line per packet. On a broken file, prints
 * every good packet, then fails with the reader's message (exit status 1).
 */
export async function packets(args: CliArgs, io: CliIO): Promise<number> {
  const format = args.format === 'jsonl' ? packetSummaryJson : packetText;
  return runCommand(args, io, {
    stages: (pipeline) => pipeline.packets(),
    each: (p, out) => out.line(format(p)),
  });
}
