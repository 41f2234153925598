// Test helpers: tunnel headers around real packets (test-support/packets.ts builds the rest), laid
// out as the RFCs and drafts say, so a test's bytes can be read off the call that built them.
import { concat, ethernet, inetChecksum, ipv4, tcp, udp } from '../../../../test-support/packets.js';

const u16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];
const u32 = (v: number) => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

/** An inner Ethernet/IPv4/TCP frame with a few payload bytes. */
export function innerFrame(payload = 'hi', src = '10.0.0.1', dst = '10.0.0.2'): Uint8Array {
  return ethernet(innerIp(payload, src, dst));
}

/** An inner IPv4/TCP packet. */
export function innerIp(payload = 'hi', src = '10.0.0.1', dst = '10.0.0.2'): Uint8Array {
  return ipv4(tcp(new TextEncoder().encode(payload), { srcPort: 40000, dstPort: 80, seq: 1 }, src, dst), { src, dst, proto: 6 });
}

/** VXLAN (RFC 7348): flags (I set unless told), VNI. */
export function vxlan(vni: number, inner: Uint8Array, flags = 0x08): Uint8Array {
  return concat(Uint8Array.from([flags, 0, 0, 0, (vni >> 16) & 0xff, (vni >> 8) & 0xff, vni & 0xff, 0]), inner);
}

/** Geneve (RFC 8926): version, options (whole words), protocol type, VNI. */
export function geneve(vni: number, protocol: number, inner: Uint8Array, options = new Uint8Array(0), version = 0): Uint8Array {
  const h = [(version << 6) | (options.length >> 2), 0, ...u16(protocol), (vni >> 16) & 0xff, (vni >> 8) & 0xff, vni & 0xff, 0];
  return concat(Uint8Array.from(h), options, inner);
}

export interface GtpuOptions {
  readonly type?: number;
  readonly seq?: number;
  /** Extension headers: [type, content (length*4 - 2 bytes)]. */
  readonly extensions?: readonly [number, number[]][];
  readonly flags?: number;
  /** Override the length field. */
  readonly length?: number;
}

/** GTP-U (TS 29.281 §5): version 1, PT 1, the optional fields when sequence or extensions are given. */
export function gtpu(teid: number, inner: Uint8Array, o: GtpuOptions = {}): Uint8Array {
  const exts = o.extensions ?? [];
  let flags = 0x30 | (o.seq !== undefined ? 0x02 : 0) | (exts.length > 0 ? 0x04 : 0);
  if (o.flags !== undefined) flags = o.flags;
  const opt: number[] = [];
  if (flags & 0x07) {
    opt.push(...u16(o.seq ?? 0), 0, exts[0]?.[0] ?? 0);
    exts.forEach(([, content], i) => {
      const len = (content.length + 2) >> 2;
      opt.push(len, ...content, exts[i + 1]?.[0] ?? 0);
    });
  }
  const body = concat(Uint8Array.from(opt), inner);
  return concat(Uint8Array.from([flags, o.type ?? 255, ...u16(o.length ?? body.length), ...u32(teid)]), body);
}

export interface GreOptions {
  readonly checksum?: boolean;
  readonly key?: number;
  readonly seq?: number;
  /** RFC 1701 source route entries: [family, info bytes]; a null entry is appended. */
  readonly routes?: readonly [number, number[]][];
  readonly version?: number;
}

/** GRE version 0 (RFC 2784/2890, RFC 1701 routing) with a correct checksum when asked. */
export function gre(protocol: number, inner: Uint8Array, o: GreOptions = {}): Uint8Array {
  const routing = o.routes !== undefined;
  const flags = (o.checksum ? 0x8000 : 0) | (routing ? 0x4000 : 0) | (o.key !== undefined ? 0x2000 : 0) | (o.seq !== undefined ? 0x1000 : 0) | (o.version ?? 0);
  const h = [...u16(flags), ...u16(protocol)];
  if (o.checksum || routing) h.push(0, 0, 0, 0);
  if (o.key !== undefined) h.push(...u32(o.key));
  if (o.seq !== undefined) h.push(...u32(o.seq));
  if (routing) {
    for (const [family, info] of o.routes!) h.push(...u16(family), 0, info.length, ...info);
    h.push(0, 0, 0, 0);
  }
  const out = concat(Uint8Array.from(h), inner);
  if (o.checksum) {
    const c = inetChecksum(out);
    out[4] = c >> 8;
    out[5] = c & 0xff;
  }
  return out;
}

/** ERSPAN type II header (version 1): session and index. */
export function erspan2(session: number, inner: Uint8Array, version = 1): Uint8Array {
  return concat(Uint8Array.from([version << 4, 0, (session >> 8) & 3, session & 0xff, 0, 0, 0, 7]), inner);
}

/** ERSPAN type III header (version 2): session, frame type, optional platform subheader. */
export function erspan3(session: number, inner: Uint8Array, o: { frameType?: number; platform?: boolean; version?: number } = {}): Uint8Array {
  const h = [(o.version ?? 2) << 4, 0, (session >> 8) & 3, session & 0xff, 0, 0, 0, 1, 0, 0, (o.frameType ?? 0) << 2, o.platform ? 1 : 0];
  return concat(Uint8Array.from(h), o.platform ? new Uint8Array(8) : new Uint8Array(0), inner);
}

/** An MPLS label stack (RFC 3032), S on the last entry unless told otherwise. */
export function mpls(labels: readonly number[], inner: Uint8Array, bottom = true): Uint8Array {
  const b = labels.flatMap((l, i) => u32(((l << 12) | (bottom && i === labels.length - 1 ? 0x100 : 0) | 64) >>> 0));
  return concat(Uint8Array.from(b), inner);
}

/** A PPPoE session header and a PPP protocol field (RFC 2516 §4, RFC 1661). */
export function pppoe(session: number, protocol: number, inner: Uint8Array, versionType = 0x11): Uint8Array {
  const ppp = concat(Uint8Array.from(u16(protocol)), inner);
  return concat(Uint8Array.from([versionType, 0, ...u16(session), ...u16(ppp.length)]), ppp);
}

/** Ethernet/IPv4/UDP around a UDP tunnel payload. */
export function overUdp(dstPort: number, payload: Uint8Array, srcPort = 50000): Uint8Array {
  return ethernet(ipv4(udp(payload, srcPort, dstPort, '192.0.2.1', '192.0.2.2'), { src: '192.0.2.1', dst: '192.0.2.2', proto: 17 }));
}

/** Ethernet/IPv4 around an IP protocol's payload (GRE 47, IP in IP 4 and 41). */
export function overIp(proto: number, payload: Uint8Array, src = '192.0.2.1', dst = '192.0.2.2'): Uint8Array {
  return ethernet(ipv4(payload, { src, dst, proto }));
}
