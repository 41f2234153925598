import { LinkType } from '@netrx/core';

/**
 * {@link FlowRouter.route}'s answer for a frame every worker must see: a non-first IP fragment
 * whose datagram's first fragment (the one with the ports) has not been seen yet. Each worker
 * keeps it for reassembly; only worker 0 writes what it causes (see {@link FlowRouter}).
 */
export const EVERY_WORKER = -1;

/** UDP ports of the tunnels core decodes: VXLAN 4789, Geneve 6081, GTP-U 2152. */
export const TUNNEL_PORTS: readonly number[] = [4789, 6081, 2152];

/** Datagrams whose route is remembered for their later fragments (oldest forgotten first). */
const MAX_FRAGMENT_ROUTES = 4096;

const IPV4 = 0x0800;
const IPV6 = 0x86dd;
const TCP = 6;
const UDP = 17;
const SCTP = 132;
const IPV6_FRAGMENT = 44;
const IPV6_AH = 51;

/**
 * Chooses the worker of each frame so that every worker sees whole connections: a symmetric hash
 * of the outermost IP header's addresses and, for TCP, UDP and SCTP, ports — both directions of
 * a connection, IPv4 and IPv6, land on the same worker. It reads only the link header, the IP
 * header (IPv6: the extension header chain) and 4 bytes of ports, without allocating.
 *
 * IP fragments carry no ports after the first: the first fragment (offset 0) is routed by its
 * ports like any packet of its flow, and the route is remembered by datagram (IPv4: addresses,
 * protocol, identification; IPv6: addresses, identification, as the reassemblers key them), so
 * the later fragments follow it. A later fragment seen before its first one (a reversed send
 * order) goes to {@link EVERY_WORKER}: each worker holds it, the worker that gets the first
 * fragment completes the datagram, and the others forget it at their fragment timeout.
 *
 * Frames with no IP header this router knows (ARP, a link type only a plugin decodes) all go to
 * one worker, the last, so a plugin that finds IP in them still sees them together.
 *
 * UDP tunnels (VXLAN, Geneve, GTP-U: `tunnelPorts`) are routed by their outer addresses alone: a
 * VXLAN or Geneve endpoint picks the outer source port per inner flow, and not the same both
 * ways, so the ports would split an inner connection. All of a tunnel between two endpoints then
 * goes to one worker.
 *
 * Workers may take unequal shares of the connections (`shares`): the main thread of a parallel run
 * dissects a smaller share, besides reading and merging.
 */
export class FlowRouter {
  /** Datagram key → worker, for the later fragments of datagrams whose first fragment was seen. */
  private readonly fragmentRoutes = new Map<string, number>();
  /** The hash value (0 … 2^32) up to which a connection goes to each worker, for all but the last. */
  private readonly bounds: number[];
  /** Where frames without a flow go. */
  private readonly fallback: number;

  private readonly tunnelPorts: ReadonlySet<number>;

  /**
   * @param workers - how many workers share the flows (a whole number from 1)
   * @param shares - each worker's share of the connections (default: equal shares)
   * @param tunnelPorts - UDP ports of tunnels, routed by address (default {@link TUNNEL_PORTS})
   */
  constructor(
    readonly workers: number,
    shares: readonly number[] = Array.from({ length: workers }, () => 1 / workers),
    tunnelPorts: Iterable<number> = TUNNEL_PORTS,
  ) {
    this.tunnelPorts = new Set(tunnelPorts);
    const total = shares.reduce((a, b) => a + b, 0);
    let sum = 0;
    this.bounds = shares.slice(0, -1).map((x) => (sum += x / total) * 2 ** 32);
    this.fallback = workers - 1;
  }

  /** The worker (0 … workers − 1) of a frame, or {@link EVERY_WORKER}. */
  route(linkType: number, data: Uint8Array): number {
    if (this.workers === 1) return 0;
    const at = ipOffset(linkType, data);
    if (at < 0) return this.fallback;
    const version = data[at]! >>> 4;
    if (version === 4) return this.ipv4(data, at);
    if (version === 6) return this.ipv6(data, at);
    return this.fallback;
  }

  private ipv4(d: Uint8Array, at: number): number {
    const ihl = (d[at]! & 0x0f) << 2;
    if (ihl < 20 || at + 20 > d.length) return this.fallback;
    const proto = d[at + 9]!;
    const a = word(d, at + 12);
    const b = word(d, at + 16);
    const frag = (d[at + 6]! << 8) | d[at + 7]!;
    const more = (frag & 0x2000) !== 0;
    const offset = frag & 0x1fff;
    if (offset !== 0) {
      return this.laterFragment(`4 ${a} ${b} ${proto} ${(d[at + 4]! << 8) | d[at + 5]!}`);
    }
    const worker = this.pick(hash4(a, b, proto, this.ports(d, at + ihl, proto)));
    if (more) this.remember(`4 ${a} ${b} ${proto} ${(d[at + 4]! << 8) | d[at + 5]!}`, worker);
    return worker;
  }

  private ipv6(d: Uint8Array, at: number): number {
    if (at + 40 > d.length) return this.fallback;
    let nh = d[at + 6]!;
    let off = at + 40;
    let fragmentKey: string | undefined;
    // The extension headers core's IPv6 dissector walks (RFC 8200 §4), up to the upper layer.
    for (let n = 0; n < 16; n++) {
      if (nh === IPV6_FRAGMENT) {
        if (off + 8 > d.length) break;
        const fo = (d[off + 2]! << 8) | d[off + 3]!;
        if ((fo & 0xfff9) !== 0) {
          fragmentKey = `6 ${addressKey(d, at + 8)} ${addressKey(d, at + 24)} ${word(d, off + 4)}`;
          if ((fo & 0xfff8) !== 0) return this.laterFragment(fragmentKey);
        }
        nh = d[off]!;
        off += 8;
      } else if (nh === 0 || nh === 43 || nh === 60 || nh === 135 || nh === 139 || nh === 140 || nh === IPV6_AH) {
        if (off + 2 > d.length) break;
        const len = nh === IPV6_AH ? (d[off + 1]! + 2) << 2 : (d[off + 1]! + 1) << 3;
        nh = d[off]!;
        off += len;
      } else break;
    }
    let h = 0x9e3779b9;
    // Symmetric: the two addresses are combined in a fixed order (the smaller first).
    const swap = compare16(d, at + 8, at + 24) > 0;
    const lo = swap ? at + 24 : at + 8;
    const hi = swap ? at + 8 : at + 24;
    for (let i = 0; i < 16; i += 4) h = mix(h, word(d, lo + i));
    for (let i = 0; i < 16; i += 4) h = mix(h, word(d, hi + i));
    const ports = this.ports(d, off, nh);
    h = mix(mix(h, nh), ports);
    const worker = this.pick(h);
    if (fragmentKey !== undefined) this.remember(fragmentKey, worker);
    return worker;
  }

  /** Both ports as one number ({@link portsAt}), or 0 for a tunnel's packets. */
  private ports(d: Uint8Array, at: number, proto: number): number {
    const p = portsAt(d, at, proto);
    if (proto === UDP && p !== 0 && (this.tunnelPorts.has(p >>> 16) || this.tunnelPorts.has(p & 0xffff))) return 0;
    return p;
  }

  private laterFragment(key: string): number {
    return this.fragmentRoutes.get(key) ?? EVERY_WORKER;
  }

  private remember(key: string, worker: number): void {
    const routes = this.fragmentRoutes;
    routes.delete(key);
    routes.set(key, worker);
    if (routes.size > MAX_FRAGMENT_ROUTES) routes.delete(routes.keys().next().value as string);
  }

  private pick(h: number): number {
    const x = fmix(h) >>> 0;
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) if (x < bounds[i]!) return i;
    return bounds.length;
  }
}

/** Where the IP header starts in a frame of `linkType`, or -1 when it carries no IP this router knows. */
function ipOffset(linkType: number, d: Uint8Array): number {
  let at: number;
  let type: number;
  switch (linkType) {
    case LinkType.ETHERNET:
      if (d.length < 14) return -1;
      at = 14;
      type = (d[12]! << 8) | d[13]!;
      break;
    case LinkType.LINUX_SLL:
      if (d.length < 16) return -1;
      at = 16;
      type = (d[14]! << 8) | d[15]!;
      break;
    case LinkType.LINUX_SLL2:
      if (d.length < 20) return -1;
      at = 20;
      type = (d[0]! << 8) | d[1]!;
      break;
    case LinkType.NULL:
    case LinkType.LOOP:
      // The family is in the capturing host's byte order (NULL) or big-endian (LOOP); the IP
      // version nibble tells IPv4 from IPv6 just as well.
      return d.length > 4 ? 4 : -1;
    case LinkType.RAW:
    case LinkType.DLT_RAW:
    case LinkType.DLT_RAW_OPENBSD:
    case LinkType.IPV4:
    case LinkType.IPV6:
      return 0;
    default:
      return -1;
  }
  // 802.1Q, 802.1ad and 0x9100 tags, stacked (QinQ).
  while ((type === 0x8100 || type === 0x88a8 || type === 0x9100) && at + 4 <= d.length) {
    type = (d[at + 2]! << 8) | d[at + 3]!;
    at += 4;
  }
  return (type === IPV4 || type === IPV6) && at < d.length ? at : -1;
}

/** Both ports as one number, the smaller first (0 for protocols without ports or when cut off). */
function portsAt(d: Uint8Array, at: number, proto: number): number {
  if ((proto !== TCP && proto !== UDP && proto !== SCTP) || at + 4 > d.length) return 0;
  const a = (d[at]! << 8) | d[at + 1]!;
  const b = (d[at + 2]! << 8) | d[at + 3]!;
  return a < b ? (a << 16) | b : (b << 16) | a;
}

function hash4(a: number, b: number, proto: number, ports: number): number {
  const lo = a < b ? a : b;
  const hi = a < b ? b : a;
  return mix(mix(mix(mix(0x9e3779b9, lo), hi), proto), ports);
}

function word(d: Uint8Array, at: number): number {
  return ((d[at]! << 24) | (d[at + 1]! << 16) | (d[at + 2]! << 8) | d[at + 3]!) >>> 0;
}

function compare16(d: Uint8Array, a: number, b: number): number {
  for (let i = 0; i < 16; i++) {
    const x = d[a + i]! - d[b + i]!;
    if (x !== 0) return x;
  }
  return 0;
}

function addressKey(d: Uint8Array, at: number): string {
  return `${word(d, at)}.${word(d, at + 4)}.${word(d, at + 8)}.${word(d, at + 12)}`;
}

/** One round of MurmurHash3's 32-bit block mixing. */
function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** MurmurHash3's finalizer: every input bit affects every output bit. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
