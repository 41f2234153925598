/**
 * Writes Ethernet II + IPv4 + TCP frames in place, with correct lengths and checksums: the same
 * bytes `ethernet(ipv4(tcp(…)))` from `test-support/packets.ts` builds (a test holds them equal),
 * without allocating, so the generator can write a million frames in seconds.
 */

/** Ethernet (14) + IPv4 (20) + TCP (20): the header bytes before a segment's payload. */
export const HEADER_BYTES = 54;

/** Sums big-endian 16-bit words of `b[from, to)` onto `sum` (RFC 1071), odd tail padded with zero. */
function sum16(b: Uint8Array, from: number, to: number, sum: number): number {
  let i = from;
  for (; i + 1 < to; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (i < to) sum += b[i]! << 8;
  return sum;
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** One TCP segment to write; addresses are IPv4 as 32-bit unsigned integers. */
export interface SegmentSpec {
  srcIp: number;
  dstIp: number;
  srcPort: number;
  dstPort: number;
  ipId: number;
  seq: number;
  ack: number;
  flags: number;
  /** Payload is `payload[start, end)`. */
  payload: Uint8Array;
  start: number;
  end: number;
}

/** Writes the frame for `s` at `buf[at]`; returns its length. `buf` must have room for it. */
export function writeTcpFrame(buf: Uint8Array, at: number, s: SegmentSpec): number {
  const len = s.end - s.start;
  const b = buf;
  // Ethernet: dst 00:00:00:00:00:02, src 00:00:00:00:00:01, type IPv4 (as the test builders).
  b.fill(0, at, at + 12);
  b[at + 5] = 2;
  b[at + 11] = 1;
  b[at + 12] = 0x08;
  b[at + 13] = 0x00;
  // IPv4 (RFC 791): version 4, IHL 5, total length, id, DF, TTL 64, protocol 6.
  const ip = at + 14;
  const total = 40 + len;
  b[ip] = 0x45;
  b[ip + 1] = 0;
  b[ip + 2] = total >> 8;
  b[ip + 3] = total & 0xff;
  b[ip + 4] = (s.ipId >> 8) & 0xff;
  b[ip + 5] = s.ipId & 0xff;
  b[ip + 6] = 0x40;
  b[ip + 7] = 0;
  b[ip + 8] = 64;
  b[ip + 9] = 6;
  b[ip + 10] = 0;
  b[ip + 11] = 0;
  put32(b, ip + 12, s.srcIp);
  put32(b, ip + 16, s.dstIp);
  const ipSum = fold(sum16(b, ip, ip + 20, 0));
  b[ip + 10] = ipSum >> 8;
  b[ip + 11] = ipSum & 0xff;
  // TCP (RFC 9293 §3.1): 20-byte header, no options, window 65535.
  const t = ip + 20;
  b[t] = s.srcPort >> 8;
  b[t + 1] = s.srcPort & 0xff;
  b[t + 2] = s.dstPort >> 8;
  b[t + 3] = s.dstPort & 0xff;
  put32(b, t + 4, s.seq);
  put32(b, t + 8, s.ack);
  b[t + 12] = 0x50;
  b[t + 13] = s.flags;
  b[t + 14] = 0xff;
  b[t + 15] = 0xff;
  b[t + 16] = 0;
  b[t + 17] = 0;
  b[t + 18] = 0;
  b[t + 19] = 0;
  b.set(s.payload.subarray(s.start, s.end), t + 20);
  const tcpLen = 20 + len;
  // Pseudo-header: source, destination, zero + protocol, TCP length.
  let sum = (s.srcIp >>> 16) + (s.srcIp & 0xffff) + (s.dstIp >>> 16) + (s.dstIp & 0xffff) + 6 + tcpLen;
  sum = fold(sum16(b, t, t + tcpLen, sum));
  b[t + 16] = sum >> 8;
  b[t + 17] = sum & 0xff;
  return HEADER_BYTES + len;
}

function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 24) & 0xff;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

/** `a.b.c.d` for a 32-bit address. */
export function ipv4Text(addr: number): string {
  return `${addr >>> 24}.${(addr >>> 16) & 0xff}.${(addr >>> 8) & 0xff}.${addr & 0xff}`;
}
