/**
 * Builders for real packet bytes, for tests and the benchmark generator: Ethernet, Linux SLL2,
 * IPv4, IPv6, TCP and UDP with correct lengths and checksums, and pcap files around them. Each
 * function returns a new buffer; nothing here is clever, so a fixture's bytes can be read off the
 * call that built it.
 */

import { concatBytes } from '@netrx/core';

/** The parts, one after another, in a new buffer. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  return concatAll(parts);
}

/** {@link concat} of a list (any length: a spread of 100,000 parts overflows the stack). */
export function concatAll(parts: readonly Uint8Array[]): Uint8Array {
  // concatBytes hands back a lone part as it is; these builders promise a new buffer.
  return parts.length === 1 ? new Uint8Array(parts[0]!) : concatBytes(parts);
}

/** Internet checksum (RFC 1071) over the parts. */
export function inetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  let odd = -1;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      if (odd < 0) odd = p[i]!;
      else {
        sum += (odd << 8) | p[i]!;
        odd = -1;
      }
    }
  }
  if (odd >= 0) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export function ipv4Bytes(addr: string): Uint8Array {
  return Uint8Array.from(addr.split('.').map(Number));
}

export function ipv6Bytes(addr: string): Uint8Array {
  const [head, tail] = addr.includes('::') ? addr.split('::') : [addr, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  return out;
}

export function ethernet(payload: Uint8Array, etherType = 0x0800, opts: { vlans?: { tpid: number; vid: number }[] } = {}): Uint8Array {
  const header = [0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1];
  for (const v of opts.vlans ?? []) header.push(v.tpid >> 8, v.tpid & 0xff, (v.vid >> 8) & 0x0f, v.vid & 0xff);
  header.push(etherType >> 8, etherType & 0xff);
  return concat(Uint8Array.from(header), payload);
}

/** Linux cooked v2 header (20 bytes) for `tcpdump -i any`. */
export function sll2(payload: Uint8Array, etherType = 0x0800, ifindex = 1): Uint8Array {
  const h = new Uint8Array(20);
  const dv = new DataView(h.buffer);
  dv.setUint16(0, etherType);
  dv.setUint32(4, ifindex);
  dv.setUint16(8, 772); // ARPHRD_LOOPBACK
  h[10] = 0; // PACKET_HOST
  h[11] = 6;
  return concat(h, payload);
}

export interface Ipv4Options {
  src?: string;
  dst?: string;
  proto?: number;
  id?: number;
  ttl?: number;
  /** Fragment offset in bytes (multiple of 8). */
  fragOffset?: number;
  moreFragments?: boolean;
  dontFragment?: boolean;
  options?: Uint8Array;
  /** Write a wrong header checksum on purpose. */
  badChecksum?: boolean;
}

export function ipv4(payload: Uint8Array, o: Ipv4Options = {}): Uint8Array {
  const opt = o.options ?? new Uint8Array(0);
  const hl = 20 + opt.length;
  const h = new Uint8Array(hl);
  const dv = new DataView(h.buffer);
  h[0] = 0x40 | (hl >> 2);
  dv.setUint16(2, hl + payload.length);
  dv.setUint16(4, o.id ?? 1);
  const flags = (o.dontFragment ? 0x4000 : 0) | (o.moreFragments ? 0x2000 : 0) | ((o.fragOffset ?? 0) >> 3);
  dv.setUint16(6, flags);
  h[8] = o.ttl ?? 64;
  h[9] = o.proto ?? 6;
  h.set(ipv4Bytes(o.src ?? '10.0.0.1'), 12);
  h.set(ipv4Bytes(o.dst ?? '10.0.0.2'), 16);
  h.set(opt, 20);
  dv.setUint16(10, inetChecksum(h) ^ (o.badChecksum ? 0x1111 : 0));
  return concat(h, payload);
}

export interface Ipv6Options {
  src?: string;
  dst?: string;
  /** Next header of the first header after the fixed one. */
  next?: number;
  hopLimit?: number;
}

/** IPv6 fixed header; `payload` includes any extension headers the caller built. */
export function ipv6(payload: Uint8Array, o: Ipv6Options = {}): Uint8Array {
  const h = new Uint8Array(40);
  const dv = new DataView(h.buffer);
  dv.setUint32(0, 0x60000000);
  dv.setUint16(4, payload.length);
  h[6] = o.next ?? 6;
  h[7] = o.hopLimit ?? 64;
  h.set(ipv6Bytes(o.src ?? '2001:db8::1'), 8);
  h.set(ipv6Bytes(o.dst ?? '2001:db8::2'), 24);
  return concat(h, payload);
}

/** IPv6 fragment extension header (8 bytes). */
export function ipv6Fragment(next: number, offset: number, more: boolean, id: number): Uint8Array {
  const h = new Uint8Array(8);
  const dv = new DataView(h.buffer);
  h[0] = next;
  dv.setUint16(2, (offset & ~7) | (more ? 1 : 0));
  dv.setUint32(4, id);
  return h;
}

export const TcpFlags = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20 } as const;

export interface TcpOptions {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack?: number;
  flags?: number;
  window?: number;
  /** Raw options bytes (padded to 4 by the builder). */
  options?: Uint8Array;
}

/**
 * A TCP segment with its checksum computed over the pseudo-header of `src`/`dst` (IPv4 dotted or
 * IPv6 text).
 */
export function tcp(payload: Uint8Array, o: TcpOptions, src = '10.0.0.1', dst = '10.0.0.2'): Uint8Array {
  const rawOpt = o.options ?? new Uint8Array(0);
  const opt = concat(rawOpt, new Uint8Array((4 - (rawOpt.length % 4)) % 4));
  const hl = 20 + opt.length;
  const h = new Uint8Array(hl);
  const dv = new DataView(h.buffer);
  dv.setUint16(0, o.srcPort);
  dv.setUint16(2, o.dstPort);
  dv.setUint32(4, o.seq >>> 0);
  dv.setUint32(8, (o.ack ?? 0) >>> 0);
  h[12] = (hl >> 2) << 4;
  h[13] = o.flags ?? TcpFlags.ACK;
  dv.setUint16(14, o.window ?? 65535);
  h.set(opt, 20);
  const seg = concat(h, payload);
  new DataView(seg.buffer).setUint16(16, inetChecksum(pseudoHeader(src, dst, 6, seg.length), seg));
  return seg;
}

export function udp(payload: Uint8Array, srcPort: number, dstPort: number, src = '10.0.0.1', dst = '10.0.0.2'): Uint8Array {
  const h = new Uint8Array(8);
  const dv = new DataView(h.buffer);
  dv.setUint16(0, srcPort);
  dv.setUint16(2, dstPort);
  dv.setUint16(4, 8 + payload.length);
  const seg = concat(h, payload);
  new DataView(seg.buffer).setUint16(6, inetChecksum(pseudoHeader(src, dst, 17, seg.length), seg) || 0xffff);
  return seg;
}

function pseudoHeader(src: string, dst: string, proto: number, length: number): Uint8Array {
  if (src.includes(':')) {
    const p = new Uint8Array(40);
    p.set(ipv6Bytes(src), 0);
    p.set(ipv6Bytes(dst), 16);
    new DataView(p.buffer).setUint32(32, length);
    p[39] = proto;
    return p;
  }
  const p = new Uint8Array(12);
  p.set(ipv4Bytes(src), 0);
  p.set(ipv4Bytes(dst), 4);
  p[9] = proto;
  new DataView(p.buffer).setUint16(10, length);
  return p;
}

/** A pcap record to write. */
export interface PcapRecord {
  /** Nanoseconds since the epoch. */
  ts: bigint;
  data: Uint8Array;
  /** Original length; defaults to the data length. */
  length?: number;
}

/**
 * A classic pcap file (little-endian; microsecond unless `nano`). Records are written whole,
 * unless `snaplen` is smaller, in which case they are cut as libpcap would.
 */
export function pcapFile(linkType: number, records: Iterable<PcapRecord>, opts: { nano?: boolean; snaplen?: number; bigEndian?: boolean } = {}): Uint8Array {
  const le = !opts.bigEndian;
  const snaplen = opts.snaplen ?? 262144;
  const parts: Uint8Array[] = [];
  const gh = new Uint8Array(24);
  const g = new DataView(gh.buffer);
  g.setUint32(0, opts.nano ? 0xa1b23c4d : 0xa1b2c3d4, le);
  g.setUint16(4, 2, le);
  g.setUint16(6, 4, le);
  g.setUint32(16, snaplen, le);
  g.setUint32(20, linkType, le);
  parts.push(gh);
  for (const r of records) {
    const cap = Math.min(r.data.length, snaplen);
    const rh = new Uint8Array(16);
    const d = new DataView(rh.buffer);
    const sec = r.ts / 1_000_000_000n;
    const frac = opts.nano ? r.ts % 1_000_000_000n : (r.ts % 1_000_000_000n) / 1000n;
    d.setUint32(0, Number(sec), le);
    d.setUint32(4, Number(frac), le);
    d.setUint32(8, cap, le);
    d.setUint32(12, r.length ?? r.data.length, le);
    parts.push(rh, r.data.subarray(0, cap));
  }
  return concatAll(parts);
}

/** Linux cooked v1 header (16 bytes, LINKTYPE_LINUX_SLL 113) as `dumpcap -i any` writes it. */
export function sll(payload: Uint8Array, etherType = 0x0800, opts: { packetType?: number; arphrd?: number; address?: Uint8Array } = {}): Uint8Array {
  const h = new Uint8Array(16);
  const dv = new DataView(h.buffer);
  const addr = opts.address ?? Uint8Array.from([0, 0, 0, 0, 0, 1]);
  dv.setUint16(0, opts.packetType ?? 0);
  dv.setUint16(2, opts.arphrd ?? 1); // ARPHRD_ETHER
  dv.setUint16(4, addr.length);
  h.set(addr.subarray(0, 8), 6);
  dv.setUint16(14, etherType);
  return concat(h, payload);
}

/**
 * BSD loopback header (4 bytes): the address family in little-endian (LINKTYPE_NULL written on a
 * little-endian host) or big-endian (a big-endian host, or LINKTYPE_LOOP) byte order.
 */
export function bsdLoopback(payload: Uint8Array, family: number, bigEndian = false): Uint8Array {
  const h = new Uint8Array(4);
  new DataView(h.buffer).setUint32(0, family, !bigEndian);
  return concat(h, payload);
}
