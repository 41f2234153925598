import { LinkType, formatTimestamp, type Layer, type Packet, dissect } from '@netrx/core';
import type { CliArgs } from '../args.js';
import { lineWriterFor, type CliIO } from '../output.js';
import { createCliRegistry } from '../pipeline.js';
import { runPipeline } from '../run.js';
import { openFrames } from '../source.js';
import { formatTimeOfDay } from '../time.js';

/** `LINKTYPE_*` names for text output. */
const LINK_NAMES = new Map<number, string>(Object.entries(LinkType).map(([name, value]) => [value, name]));

/** The IP endpoints of a packet (innermost IP layer), with ports when the layer after it has them. */
function endpoints(layers: readonly Layer[]): { src: string; dst: string } | undefined {
  for (let i = layers.length - 1; i >= 0; i--) {
    const ip = layers[i]!;
    if (ip.protocol !== 'ipv4' && ip.protocol !== 'ipv6') continue;
    const next = layers[i + 1] as Partial<{ srcPort: unknown; dstPort: unknown }> | undefined;
    if (typeof next?.srcPort === 'number' && typeof next.dstPort === 'number') {
      const v6 = ip.protocol === 'ipv6';
      return { src: v6 ? `[${ip.src}]:${next.srcPort}` : `${ip.src}:${next.srcPort}`, dst: v6 ? `[${ip.dst}]:${next.dstPort}` : `${ip.dst}:${next.dstPort}` };
    }
    return { src: ip.src, dst: ip.dst };
  }
  return undefined;
}

function failureOf(layers: readonly Layer[]): Extract<Layer, { protocol: 'failure' }> | undefined {
  const last = layers.at(-1);
  return last?.protocol === 'failure' ? last : undefined;
}

/** Layer names as JSON strings, quoted once per name rather than once per packet. */
const quoted = new Map<string, string>();
function quote(name: string): string {
  let q = quoted.get(name);
  if (q === undefined) quoted.set(name, (q = JSON.stringify(name)));
  return q;
}

/**
 * One JSON line: `frame`, `ts`, `linkType`, `layers`, `src`, `dst`, `caplen`, `len`, and `failure`
 * (protocol, code, offset, message) when a layer could not be decoded. Built by hand: every value
 * but the failure is a number, a layer name or an IP endpoint, none of which needs escaping, and
 * this measured 1.6 times faster than `JSON.stringify` of a fresh object per packet.
 */
export function packetJson(p: Packet): string {
  const { frame, layers } = p;
  const ends = endpoints(layers);
  let s = `{"frame":${frame.frameNumber},"ts":"${formatTimestamp(frame.timestamp)}","linkType":${frame.linkType},"layers":[`;
  for (let i = 0; i < layers.length; i++) s += (i === 0 ? '' : ',') + quote(layers[i]!.protocol);
  s += ends ? `],"src":"${ends.src}","dst":"${ends.dst}"` : '],"src":null,"dst":null';
  s += `,"caplen":${frame.caplen},"len":${frame.length}`;
  const failure = failureOf(layers);
  if (failure) {
    s += `,"failure":${JSON.stringify({ protocol: failure.failedProtocol, code: failure.code, offset: failure.offset, message: failure.message })}`;
  }
  return s + '}';
}

/** One line for people: frame, UTC time of day, link, layers, endpoints, captured/original length. */
export function packetText(p: Packet): string {
  const { frame, layers } = p;
  const ends = endpoints(layers);
  const time = formatTimeOfDay(frame.timestamp);
  const link = LINK_NAMES.get(frame.linkType) ?? `LINKTYPE_${frame.linkType}`;
  let names = '';
  for (const l of layers) names += (names ? '/' : '') + (l.protocol === 'failure' ? `!${l.failedProtocol}` : l.protocol);
  const failure = failureOf(layers);
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
  const registry = createCliRegistry(args);
  const out = lineWriterFor(args, io.stdout);
  const format = args.format === 'jsonl' ? packetJson : packetText;
  const failure = await runPipeline(openFrames(args, io), dissect(registry), (p) => out.line(format(p)), out);
  if (failure !== undefined) throw failure;
  return 0;
}
