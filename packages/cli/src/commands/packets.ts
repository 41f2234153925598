import { LinkType, formatTimestamp, type Layer, type Packet, dissect } from '@netrx/core';
import type { CliArgs } from '../args.js';
import { LineWriter, type CliIO } from '../output.js';
import { createCliRegistry } from '../pipeline.js';
import { openFrames } from '../source.js';

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

/** One JSON line: `frame`, `ts`, `linkType`, `layers`, `src`, `dst`, `caplen`, `len` (+ `failure`). */
export function packetJson(p: Packet): string {
  const { frame, layers } = p;
  const ends = endpoints(layers);
  const failure = failureOf(layers);
  return JSON.stringify({
    frame: frame.frameNumber,
    ts: formatTimestamp(frame.timestamp),
    linkType: frame.linkType,
    layers: layers.map((l) => l.protocol),
    src: ends?.src ?? null,
    dst: ends?.dst ?? null,
    caplen: frame.caplen,
    len: frame.length,
    ...(failure && { failure: { protocol: failure.failedProtocol, code: failure.code, offset: failure.offset, message: failure.message } }),
  });
}

/** One line for people: frame, UTC time of day, link, layers, endpoints, captured/original length. */
export function packetText(p: Packet): string {
  const { frame, layers } = p;
  const ends = endpoints(layers);
  const failure = failureOf(layers);
  const ns = frame.timestamp % 86_400_000_000_000n;
  const [sec, frac] = formatTimestamp(ns < 0n ? ns + 86_400_000_000_000n : ns).split('.') as [string, string];
  const s = Number(sec);
  const time = `${pad2(Math.floor(s / 3600))}:${pad2(Math.floor(s / 60) % 60)}:${pad2(s % 60)}.${frac}`;
  const link = LINK_NAMES.get(frame.linkType) ?? `LINKTYPE_${frame.linkType}`;
  const names = layers.map((l) => (l.protocol === 'failure' ? `!${l.failedProtocol}` : l.protocol)).join('/') || '-';
  return [
    String(frame.frameNumber).padStart(6),
    time,
    link,
    names,
    ends ? `${ends.src} > ${ends.dst}` : '-',
    `${frame.caplen}/${frame.length}`,
    ...(failure ? [`[${failure.code} at ${failure.offset}: ${failure.message}]`] : []),
  ].join(' ');
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * `netrx packets -r FILE [--format text|jsonl]`: one line per packet. On a broken file, prints
 * every good packet, then fails with the reader's message (exit status 1).
 */
export async function packets(args: CliArgs, io: CliIO): Promise<number> {
  const registry = createCliRegistry(args);
  const frames = openFrames(args, io);
  const out = new LineWriter(io.stdout);
  const format = args.format === 'jsonl' ? packetJson : packetText;
  let failed: unknown;
  await new Promise<void>((resolve) => {
    frames.pipe(dissect(registry)).subscribe({
      next: (p) => out.line(format(p)),
      error: (err: unknown) => {
        failed = err;
        resolve();
      },
      complete: resolve,
    });
  });
  await out.end();
  if (failed !== undefined) throw failed;
  return 0;
}
