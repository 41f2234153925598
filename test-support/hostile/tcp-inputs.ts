// Hostile TCP inputs (issue 17) as classic pcap bytes (Ethernet, IPv4, TCP; server port 7272),
// made at test or bench time and never stored. Each generator ends its capture with the same
// well-behaved connection (TAIL_*: a SYN handshake, known bytes both ways, FIN both ways), so a
// test can check that what comes after the hostile part is still reassembled right.
//
// Packets are 1 µs apart: a whole capture lasts well under the reassembler's hole timeout (3 s),
// so nothing is cut by time — only the caps, the budget and the end of input act.

/** The server port every generated connection talks to. */
export const HOSTILE_PORT = 7272;
/** The well-behaved connection at the end of every capture: client address and port. */
export const TAIL_CLIENT = { address: '10.254.254.254', port: 50000 } as const;
/** What the tail connection's client sends, in three segments. */
export const TAIL_C2S = new TextEncoder().encode('GET /after-the-hostile-part HTTP/1.1\r\nHost: netrx\r\n\r\n');
/** What the tail connection's server answers, in one segment. */
export const TAIL_S2C = new TextEncoder().encode('HTTP/1.1 204 No Content\r\n\r\n');

const SERVER = '10.255.0.1';
const START_US = 1_700_000_000_000_000;
const FRAME_OVERHEAD = 14 + 20 + 20;
const MSS = 1448;

/** A growing classic pcap (little-endian, µs) of Ethernet/IPv4/TCP frames written in place. */
class TcpPcap {
  private buf: Uint8Array;
  private view: DataView;
  private used = 24;
  private us = START_US;
  private ipId = 0;

  constructor(expectedBytes: number) {
    this.buf = new Uint8Array(Math.max(1024, expectedBytes));
    this.view = new DataView(this.buf.buffer);
    const v = this.view;
    v.setUint32(0, 0xa1b2c3d4, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setUint32(16, 262144, true);
    v.setUint32(20, 1, true);
  }

  /**
   * One TCP segment from `src:sport` to `dst:dport`; `fill(i)` gives payload byte i. Addresses are
   * 32-bit numbers.
   */
  segment(src: number, sport: number, dst: number, dport: number, seq: number, ack: number, flags: number, length: number, fill: (i: number) => number): void {
    const frameLen = FRAME_OVERHEAD + length;
    if (this.used + 16 + frameLen > this.buf.length) this.grow(this.used + 16 + frameLen);
    const b = this.buf;
    const v = this.view;
    const at = this.used;
    const us = this.us++;
    v.setUint32(at, Math.floor(us / 1e6), true);
    v.setUint32(at + 4, us % 1e6, true);
    v.setUint32(at + 8, frameLen, true);
    v.setUint32(at + 12, frameLen, true);
    const e = at + 16;
    // Ethernet: fixed MACs, IPv4.
    b.fill(0, e, e + 12);
    b[e + 5] = 1;
    b[e + 11] = 2;
    v.setUint16(e + 12, 0x0800);
    const ip = e + 14;
    b[ip] = 0x45;
    b[ip + 1] = 0;
    v.setUint16(ip + 2, 40 + length);
    v.setUint16(ip + 4, this.ipId++ & 0xffff);
    v.setUint16(ip + 6, 0x4000);
    b[ip + 8] = 64;
    b[ip + 9] = 6;
    v.setUint16(ip + 10, 0);
    v.setUint32(ip + 12, src >>> 0);
    v.setUint32(ip + 16, dst >>> 0);
    v.setUint16(ip + 10, checksum(b, ip, 20, 0));
    const t = ip + 20;
    v.setUint16(t, sport);
    v.setUint16(t + 2, dport);
    v.setUint32(t + 4, seq >>> 0);
    v.setUint32(t + 8, ack >>> 0);
    b[t + 12] = 5 << 4;
    b[t + 13] = flags;
    v.setUint16(t + 14, 65535);
    v.setUint32(t + 16, 0);
    for (let i = 0; i < length; i++) b[t + 20 + i] = fill(i);
    // Pseudo-header sum (RFC 9293 §3.1): addresses, protocol, TCP length.
    const pseudo = (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + 6 + 20 + length;
    v.setUint16(t + 16, checksum(b, t, 20 + length, pseudo));
    this.used = e + frameLen;
  }

  private grow(min: number): void {
    const next = new Uint8Array(Math.max(min, this.buf.length * 2));
    next.set(this.buf.subarray(0, this.used));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Adds the tail connection and returns the file's bytes. */
  finish(): Uint8Array {
    const c = ipv4(TAIL_CLIENT.address);
    const s = ipv4(SERVER);
    const p = TAIL_CLIENT.port;
    const cIsn = 1000;
    const sIsn = 900_000;
    this.segment(c, p, s, HOSTILE_PORT, cIsn, 0, SYN, 0, zero);
    this.segment(s, HOSTILE_PORT, c, p, sIsn, cIsn + 1, SYN | ACK, 0, zero);
    this.segment(c, p, s, HOSTILE_PORT, cIsn + 1, sIsn + 1, ACK, 0, zero);
    // The client's bytes in three segments, the middle one first (out of order, then filled).
    const n = TAIL_C2S.length;
    const cut1 = 10;
    const cut2 = 30;
    const seg = (from: number, to: number) => this.segment(c, p, s, HOSTILE_PORT, cIsn + 1 + from, sIsn + 1, ACK | PSH, to - from, (i) => TAIL_C2S[from + i]!);
    seg(cut1, cut2);
    seg(0, cut1);
    seg(cut2, n);
    this.segment(s, HOSTILE_PORT, c, p, sIsn + 1, cIsn + 1 + n, ACK | PSH, TAIL_S2C.length, (i) => TAIL_S2C[i]!);
    this.segment(c, p, s, HOSTILE_PORT, cIsn + 1 + n, sIsn + 1 + TAIL_S2C.length, FIN | ACK, 0, zero);
    this.segment(s, HOSTILE_PORT, c, p, sIsn + 1 + TAIL_S2C.length, cIsn + 2 + n, FIN | ACK, 0, zero);
    this.segment(c, p, s, HOSTILE_PORT, cIsn + 2 + n, sIsn + 2 + TAIL_S2C.length, ACK, 0, zero);
    return this.buf.subarray(0, this.used);
  }
}

const FIN = 0x01;
const SYN = 0x02;
const PSH = 0x08;
const ACK = 0x10;
const zero = (): number => 0;
const pattern = (i: number): number => (i * 31 + 7) & 0xff;

/** One's-complement sum of b[off…off+len) plus `initial`, folded and inverted. */
function checksum(b: Uint8Array, off: number, len: number, initial: number): number {
  let sum = initial;
  let i = 0;
  for (; i + 1 < len; i += 2) sum += (b[off + i]! << 8) | b[off + i + 1]!;
  if (i < len) sum += b[off + i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function ipv4(text: string): number {
  const [a, b, c, d] = text.split('.').map(Number) as [number, number, number, number];
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/** The client address of hostile connection `i`: 10.0.0.0/9 upwards, one address per connection. */
function clientAddress(i: number): number {
  return (0x0a000000 + 0x10000 + i) >>> 0;
}

/** The client port of hostile connection `i`. */
function clientPort(i: number): number {
  return 20000 + (i % 40000);
}

const server = ipv4(SERVER);
const isn = (i: number): number => (0x10000000 + i * 7919) >>> 0;

/** (a) `n` connections that send one SYN each and nothing more. */
export function synOnlyConnections(n: number): Uint8Array {
  const w = new TcpPcap(24 + n * (16 + FRAME_OVERHEAD) + 4096);
  for (let i = 0; i < n; i++) w.segment(clientAddress(i), clientPort(i), server, HOSTILE_PORT, isn(i), 0, SYN, 0, zero);
  return w.finish();
}

/** (b) `n` connections that send a SYN, then 8 bytes (and nothing more). */
export function synPlus8Connections(n: number): Uint8Array {
  const w = new TcpPcap(24 + n * (2 * (16 + FRAME_OVERHEAD) + 8) + 4096);
  for (let i = 0; i < n; i++) {
    const a = clientAddress(i);
    const p = clientPort(i);
    w.segment(a, p, server, HOSTILE_PORT, isn(i), 0, SYN, 0, zero);
    w.segment(a, p, server, HOSTILE_PORT, isn(i) + 1, 0, PSH, 8, pattern);
  }
  return w.finish();
}

/**
 * (c) One connection whose client sends `n` one-byte segments, each one byte past the previous
 * (stream offsets 1, 3, 5, …): every segment waits out of order behind a hole of its own, and none
 * of the holes ever fills.
 */
export function oneConnectionOooSegments(n: number): Uint8Array {
  const w = new TcpPcap(24 + (n + 1) * (16 + FRAME_OVERHEAD + 1) + 4096);
  const a = clientAddress(0);
  const p = clientPort(0);
  const s = isn(0);
  w.segment(a, p, server, HOSTILE_PORT, s, 0, SYN, 0, zero);
  for (let i = 0; i < n; i++) w.segment(a, p, server, HOSTILE_PORT, s + 1 + 2 * i + 1, 0, PSH, 1, () => pattern(i));
  return w.finish();
}

/** Bytes of the one out-of-order segment each connection of {@link connectionsWithOneOooSegment} holds. */
export const OOO_SEGMENT_BYTES = 1024;

/**
 * (d) `n` connections that each send a SYN, then one {@link OOO_SEGMENT_BYTES}-byte segment one
 * byte past the start of the stream: each holds it out of order behind a hole that never fills.
 */
export function connectionsWithOneOooSegment(n: number): Uint8Array {
  const w = new TcpPcap(24 + n * (2 * (16 + FRAME_OVERHEAD) + OOO_SEGMENT_BYTES) + 4096);
  for (let i = 0; i < n; i++) {
    const a = clientAddress(i);
    const p = clientPort(i);
    w.segment(a, p, server, HOSTILE_PORT, isn(i), 0, SYN, 0, zero);
    w.segment(a, p, server, HOSTILE_PORT, isn(i) + 2, 0, PSH, OOO_SEGMENT_BYTES, pattern);
  }
  return w.finish();
}

/**
 * (e) `k` connections, each `bytes` bytes behind a one-byte hole: a SYN each, then the data after
 * the hole in segments of up to 1448 bytes, round-robin over the connections so that all of them
 * hold their bytes at once.
 */
export function connectionsBehindHole(k: number, bytes: number): Uint8Array {
  const segments = Math.ceil(bytes / MSS);
  const w = new TcpPcap(24 + k * (16 + FRAME_OVERHEAD) + k * segments * (16 + FRAME_OVERHEAD) + k * bytes + 4096);
  for (let i = 0; i < k; i++) w.segment(clientAddress(i), clientPort(i), server, HOSTILE_PORT, isn(i), 0, SYN, 0, zero);
  for (let j = 0; j < segments; j++) {
    const from = j * MSS;
    const len = Math.min(MSS, bytes - from);
    for (let i = 0; i < k; i++) w.segment(clientAddress(i), clientPort(i), server, HOSTILE_PORT, isn(i) + 2 + from, 0, PSH, len, (x) => pattern(from + x));
  }
  return w.finish();
}
