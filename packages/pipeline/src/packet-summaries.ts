import { map, type OperatorFunction } from 'rxjs';
import { formatTimestamp, type FailureLayer, type Layer, type Packet } from '@netrx/core';
import type { TcpLayer } from '@netrx/dissector-tcp';

/**
 * One packet: the JSON contract of `netrx packets --format jsonl` (keys in this order;
 * {@link packetSummaryJson} writes it).
 */
export interface PacketSummary {
  /** The frame number in the capture, from 1. */
  readonly frame: number;
  /** Capture time, `seconds.nanoseconds` since the epoch. */
  readonly ts: string;
  /** The capture's link type (a `LINKTYPE_*` value). */
  readonly linkType: number;
  /** Layer protocols, outermost first (`failure` for a layer that could not be decoded). */
  readonly layers: readonly string[];
  /** Source of the innermost IP layer, with the port when the layer after it has one (`[::1]:7320`); null without IP. */
  readonly src: string | null;
  /** Destination, as {@link PacketSummary.src}. */
  readonly dst: string | null;
  /** The tunnels the innermost packet came through, when any (`vxlan vni 42`; see `Packet.tunnel`). */
  readonly tunnel?: string;
  /** Bytes captured. */
  readonly caplen: number;
  /** Bytes on the wire. */
  readonly len: number;
  /** Present when the last layer could not be decoded. */
  readonly failure?: {
    /** The protocol whose decoding failed. */
    readonly protocol: string;
    /** Stable `ERR_<PROTO>_<WHAT>` code. */
    readonly code: string;
    /** Byte offset of the problem in the frame. */
    readonly offset: number;
    /** What was wrong. */
    readonly message: string;
  };
  /** For a TCP segment (the innermost TCP layer): its header's main fields. */
  readonly tcp?: {
    /** Flags as tcpdump writes them: `S` SYN, `F` FIN, `R` RST, `P` PSH, `.` ACK, `U` URG, `E` ECE, `W` CWR (`S.` is SYN+ACK); `none`. */
    readonly flags: string;
    /** Sequence number (absolute, unsigned 32-bit). */
    readonly seq: number;
    /** Acknowledgment number (meaningful with the ACK flag). */
    readonly ack: number;
    /** Bytes of TCP payload the segment carries (what the IP header says, captured or not). */
    readonly payloadLength: number;
  };
}

/** tcpdump's letters for the TCP flag bits, in bit order (its `tcp_flag_values`). */
const TCP_FLAG_LETTERS = ['F', 'S', 'R', 'P', '.', 'U', 'E', 'W'];
const tcpFlagText: readonly string[] = Array.from({ length: 256 }, (_, bits) => TCP_FLAG_LETTERS.filter((_, i) => bits & (1 << i)).join('') || 'none');

/** The innermost TCP layer of a packet, if any. */
function tcpOf(layers: readonly Layer[]): TcpLayer | undefined {
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i]!;
    if (l.protocol === 'tcp') return l;
  }
  return undefined;
}

/** `tcpdump`'s flag string of a flag byte (`S.` for SYN+ACK). */
export function tcpFlagString(flags: number): string {
  return tcpFlagText[flags & 0xff]!;
}

/**
 * The endpoints of a packet's innermost IP layer, with ports when the layer after it has them
 * (`10.0.0.1:40000`, `[2001:db8::1]:50000`), else bare addresses; undefined without IP.
 */
export function packetEndpoints(packet: Packet): { readonly src: string; readonly dst: string } | undefined {
  const layers = packet.layers;
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

/** The packet's last layer when it is a failure (decoding stops at a failure). */
function failureOf(layers: readonly Layer[]): FailureLayer | undefined {
  const last = layers.at(-1);
  return last?.protocol === 'failure' ? last : undefined;
}

/** The {@link PacketSummary} of a packet. */
export function packetSummary(packet: Packet): PacketSummary {
  const { frame, layers } = packet;
  const ends = packetEndpoints(packet);
  const failure = failureOf(layers);
  const tcp = tcpOf(layers);
  return {
    frame: frame.frameNumber,
    ts: formatTimestamp(frame.timestamp),
    linkType: frame.linkType,
    layers: layers.map((l) => l.protocol),
    src: ends?.src ?? null,
    dst: ends?.dst ?? null,
    ...(packet.tunnel !== undefined && { tunnel: packet.tunnel }),
    caplen: frame.caplen,
    len: frame.length,
    ...(failure && { failure: { protocol: failure.failedProtocol, code: failure.code, offset: failure.offset, message: failure.message } }),
    ...(tcp && { tcp: { flags: tcpFlagString(tcp.flags), seq: tcp.seq, ack: tcp.ack, payloadLength: tcp.payload.length + tcp.truncatedBytes } }),
  };
}

/** Layer names as JSON strings, quoted once per name rather than once per packet. */
const quoted = new Map<string, string>();
function quote(name: string): string {
  let q = quoted.get(name);
  if (q === undefined) quoted.set(name, (q = JSON.stringify(name)));
  return q;
}

/**
 * `JSON.stringify(packetSummary(packet))`, without the object: one line of `netrx packets
 * --format jsonl`. Built by hand: every value but the failure is a number, a layer name or an IP
 * endpoint, none of which needs escaping, and this measured 1.6 times faster than
 * `JSON.stringify` of a fresh object per packet.
 */
export function packetSummaryJson(packet: Packet): string {
  const { frame, layers } = packet;
  const ends = packetEndpoints(packet);
  let s = `{"frame":${frame.frameNumber},"ts":"${formatTimestamp(frame.timestamp)}","linkType":${frame.linkType},"layers":[`;
  for (let i = 0; i < layers.length; i++) s += (i === 0 ? '' : ',') + quote(layers[i]!.protocol);
  s += ends ? `],"src":"${ends.src}","dst":"${ends.dst}"` : '],"src":null,"dst":null';
  if (packet.tunnel !== undefined) s += `,"tunnel":${JSON.stringify(packet.tunnel)}`;
  s += `,"caplen":${frame.caplen},"len":${frame.length}`;
  const failure = failureOf(layers);
  if (failure) {
    s += `,"failure":${JSON.stringify({ protocol: failure.failedProtocol, code: failure.code, offset: failure.offset, message: failure.message })}`;
  }
  const tcp = tcpOf(layers);
  if (tcp) s += `,"tcp":{"flags":"${tcpFlagString(tcp.flags)}","seq":${tcp.seq},"ack":${tcp.ack},"payloadLength":${tcp.payload.length + tcp.truncatedBytes}}`;
  return s + '}';
}

/**
 * Packets to their {@link PacketSummary}: frame number, time, link type, layer names, endpoints,
 * the tunnel, lengths, the decoding failure, if any, and a TCP segment's flags, numbers and payload length. (For JSON lines, {@link packetSummaryJson} writes the
 * same without building the object.)
 *
 * @example
 * ```ts
 * import { createPipeline, packetSummaries } from '@netrx/pipeline';
 *
 * const pipeline = createPipeline({ file: 'examples/chat-server/capture/chat.pcap' });
 * pipeline.frames().pipe(pipeline.packets(), packetSummaries()).subscribe((p) => console.log(p.layers.join('/')));
 * ```
 */
export function packetSummaries(): OperatorFunction<Packet, PacketSummary> {
  return map(packetSummary);
}
