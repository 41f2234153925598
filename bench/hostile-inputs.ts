/**
 * Hostile inputs (issue 17), as whole pcap files in memory: Ethernet/IPv4/TCP to port 7272 unless
 * said otherwise, deterministic (the same bytes on every machine). The bench's own copy of the
 * generators `test-support/hostile/*.ts` offers under the same names and signatures, so the bench
 * can run before (or without) them.
 *
 * What each holds is chosen to make a dissector keep as much state per input byte as it can:
 * connections that never close, segments that never become contiguous, fragments that never
 * complete, messages that inflate a thousandfold.
 */
import { createHash } from 'node:crypto';
import { HEADER_BYTES, writeTcpFrame, type SegmentSpec } from './frame-writer.js';
import { PcapBytes } from './pcap-bytes.js';
import { Prng } from './prng.js';
import { SyncDeflater } from './sync-deflater.js';
import { MSS, SERVER_PORT } from './ws-connection.js';
import { Opcode, encodeFrame } from './ws-frame.js';

const FIN = 0x01;
const SYN = 0x02;
const PSH = 0x08;
const ACK = 0x10;

const C2S = 0;
const S2C = 1;
type Dir = 0 | 1;

const SERVER_IP = (10 << 24) | 1; // 10.0.0.1
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** 2023-11-14T22:13:20Z, as the other bench captures. */
const T0 = 1_700_000_000_000_000;
const NO_DATA = new Uint8Array(0);

/** A packet clock: 10 µs between packets. */
class Clock {
  private t = T0;
  next(): number {
    return (this.t += 10);
  }
}

/**
 * One TCP connection written packet by packet: client `10.1.0.0 + index`, port `32768 + index %
 * 28000`, to `10.0.0.1:7272`. Stream offsets count from the first byte after the SYN; acknowledgment
 * numbers are whatever the caller says the receiver has (so a hole stays a hole: nobody
 * acknowledges past it).
 */
class Conversation {
  private readonly isn: [number, number];
  private readonly ipId: [number, number] = [0, 0];
  /** Next stream offset each side sends in order. */
  readonly next: [number, number] = [0, 0];
  private readonly spec: SegmentSpec = {
    srcIp: 0, dstIp: 0, srcPort: 0, dstPort: 0, ipId: 0, seq: 0, ack: 0, flags: 0, payload: NO_DATA, start: 0, end: 0,
  };
  private readonly clientIp: number;
  private readonly clientPort: number;

  constructor(
    private readonly w: PcapBytes,
    private readonly clock: Clock,
    index: number,
    rng: Prng,
  ) {
    this.clientIp = (((10 << 24) | (1 << 16)) + index) >>> 0;
    this.clientPort = 32768 + (index % 28000);
    this.isn = [rng.u32(), rng.u32()];
  }

  /** Writes one segment from `dir`: `data[start, end)` at stream offset `off` (-1: the SYN's sequence number). */
  segment(dir: Dir, flags: number, off: number, data: Uint8Array = NO_DATA, start = 0, end = data.length): void {
    const s = this.spec;
    const o = (1 - dir) as Dir;
    s.srcIp = dir === C2S ? this.clientIp : SERVER_IP;
    s.dstIp = dir === C2S ? SERVER_IP : this.clientIp;
    s.srcPort = dir === C2S ? this.clientPort : SERVER_PORT;
    s.dstPort = dir === C2S ? SERVER_PORT : this.clientPort;
    s.ipId = this.ipId[dir] = (this.ipId[dir] + 1) & 0xffff;
    s.seq = off < 0 ? this.isn[dir] : (this.isn[dir] + 1 + off) >>> 0;
    s.ack = flags & ACK ? (this.isn[o] + 1 + this.next[o]) >>> 0 : 0;
    s.flags = flags;
    s.payload = data;
    s.start = start;
    s.end = end;
    const at = this.w.begin(this.clock.next(), HEADER_BYTES + (end - start));
    this.w.end(writeTcpFrame(this.w.buf, at, s));
  }

  /** The three-way handshake (RFC 9293 §3.5). */
  handshake(): void {
    this.segment(C2S, SYN, -1);
    this.segment(S2C, SYN | ACK, -1);
    this.segment(C2S, ACK, 0);
  }

  /** Sends `bytes` in order from `dir` in MSS-sized segments; the receiver acknowledges every second one. */
  send(dir: Dir, bytes: Uint8Array): void {
    const base = this.next[dir];
    let n = 0;
    for (let at = 0; at < bytes.length; at += MSS) {
      const end = Math.min(bytes.length, at + MSS);
      this.segment(dir, end === bytes.length ? PSH | ACK : ACK, base + at, bytes, at, end);
      this.next[dir] = base + end;
      if (++n % 2 === 0 || end === bytes.length) this.segment((1 - dir) as Dir, ACK, this.next[(1 - dir) as Dir]);
    }
  }

  /** Closes both directions with FINs, client first. */
  close(): void {
    this.segment(C2S, FIN | ACK, this.next[C2S]);
    this.next[C2S]++;
    this.segment(S2C, FIN | ACK, this.next[S2C]);
    this.next[S2C]++;
    this.segment(C2S, ACK, this.next[C2S]);
  }

  /**
   * The HTTP/1.1 Upgrade handshake (RFC 6455 §4): a request and a 101 with the right
   * `Sec-WebSocket-Accept` (or a wrong one when `badAccept`), permessage-deflate when `deflate`.
   */
  upgrade(rng: Prng, deflate: boolean, badAccept = false): void {
    const key = Buffer.from(rng.fill(new Uint8Array(16))).toString('base64');
    const accept = badAccept ? 'dGhlIHNhbXBsZSBub25jZQ==' : createHash('sha1').update(key + WS_GUID).digest('base64');
    const ext = deflate ? 'Sec-WebSocket-Extensions: permessage-deflate\r\n' : '';
    this.send(C2S, Buffer.from(
      `GET /chat HTTP/1.1\r\nHost: 10.0.0.1:${SERVER_PORT}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${ext}User-Agent: netrx-bench\r\n\r\n`,
    ));
    this.send(S2C, Buffer.from(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Accept: ${accept}\r\n${ext}\r\n`,
    ));
  }
}

/** Bytes a capture of `records` frames of `frameBytes` each needs (24-byte file header, 16 per record). */
const sizeOf = (records: number, frameBytes: number): number => 24 + records * (16 + frameBytes);

/**
 * `n` connections that each send one SYN and nothing else (no answer, no close): 70 bytes of
 * capture per connection, a connection-table entry each for as long as the run lasts.
 */
export function synOnlyConnections(n: number): Uint8Array {
  const w = new PcapBytes(1, 262144, sizeOf(n, HEADER_BYTES));
  const clock = new Clock();
  const rng = new Prng(17_001);
  for (let i = 0; i < n; i++) new Conversation(w, clock, i, rng).segment(C2S, SYN, -1);
  return w.bytes();
}

/**
 * `n` connections that each send a SYN and then 8 bytes, `GET /cha` (the start of an HTTP request
 * line, so every probe that looks at it wants more bytes and holds them), and nothing else.
 */
export function synPlus8Connections(n: number): Uint8Array {
  const w = new PcapBytes(1, 262144, sizeOf(n, HEADER_BYTES) + sizeOf(n, HEADER_BYTES + 8));
  const clock = new Clock();
  const rng = new Prng(17_002);
  const eight = Buffer.from('GET /cha');
  for (let i = 0; i < n; i++) {
    const c = new Conversation(w, clock, i, rng);
    c.segment(C2S, SYN, -1);
    c.segment(C2S, PSH | ACK, 0, eight);
  }
  return w.bytes();
}

/**
 * One connection (handshake, then nothing in order) whose client sends `n` one-byte segments at
 * stream offsets 1, 3, 5, …: each leaves a one-byte hole before it, so none is ever contiguous
 * and nobody acknowledges past the first hole. Makes out-of-order handling quadratic when each
 * insert or merge walks what is held.
 */
export function oneConnectionOooSegments(n: number): Uint8Array {
  const w = new PcapBytes(1, 262144, sizeOf(n + 3, HEADER_BYTES + 1));
  const clock = new Clock();
  const c = new Conversation(w, clock, 0, new Prng(17_003));
  c.handshake();
  const one = Uint8Array.of(0x61);
  for (let i = 0; i < n; i++) c.segment(C2S, ACK, 2 * i + 1, one);
  return w.bytes();
}

/** Size of the out-of-order segment each connection of {@link connectionsWithOneOooSegment} holds, and of the hole before it. */
export const OOO_SEGMENT_BYTES = 512;

/**
 * `n` connections that each complete the handshake and then send one 512-byte segment at stream
 * offset 512: a 512-byte hole before it that never fills, so every connection holds a segment.
 */
export function connectionsWithOneOooSegment(n: number): Uint8Array {
  const w = new PcapBytes(1, 262144, sizeOf(n * 3, HEADER_BYTES) + sizeOf(n, HEADER_BYTES + OOO_SEGMENT_BYTES));
  const clock = new Clock();
  const rng = new Prng(17_004);
  const data = rng.fill(new Uint8Array(OOO_SEGMENT_BYTES));
  for (let i = 0; i < n; i++) {
    const c = new Conversation(w, clock, i, rng);
    c.handshake();
    c.segment(C2S, PSH | ACK, OOO_SEGMENT_BYTES, data);
  }
  return w.bytes();
}

/**
 * `k` connections that each complete the handshake, lose their client's first segment (an MSS-sized
 * hole at stream offset 0) and then send `bytes` bytes after it in MSS-sized segments, the
 * connections interleaved segment by segment (so all of them hold their data at once). Nobody
 * acknowledges past the hole.
 */
export function connectionsBehindHole(k: number, bytes: number): Uint8Array {
  const segments = Math.ceil(bytes / MSS);
  const w = new PcapBytes(1, 262144, sizeOf(k * 3, HEADER_BYTES) + sizeOf(k * segments, HEADER_BYTES + MSS));
  const clock = new Clock();
  const rng = new Prng(17_005);
  const data = rng.fill(new Uint8Array(64 * MSS));
  const conns: Conversation[] = [];
  for (let i = 0; i < k; i++) {
    const c = new Conversation(w, clock, i, rng);
    c.handshake();
    conns.push(c);
  }
  for (let s = 0; s < segments; s++) {
    const len = Math.min(MSS, bytes - s * MSS);
    const from = (s % 64) * MSS;
    for (const c of conns) c.segment(C2S, ACK, MSS + s * MSS, data, from, from + len);
  }
  return w.bytes();
}

/**
 * One WebSocket connection with permessage-deflate (RFC 7692) whose server sends `count` text
 * messages of `mib` MiB of zero bytes each (valid UTF-8), compressed (level 9) with context takeover:
 * about 64 KB on the wire for the first 63 MiB, less for the next. Then a close handshake and FINs.
 */
export function nearCapDeflateMessages(count: number, mib: number): Uint8Array {
  const message = new Uint8Array(Math.round(mib * 2 ** 20));
  // Level 9: the smallest capture for the size (about 1,000 to 1: 63 MiB in ~64 KB).
  const deflater = new SyncDeflater(9);
  const w = new PcapBytes(1, 262144, 4 << 20);
  const clock = new Clock();
  const rng = new Prng(17_006);
  const c = new Conversation(w, clock, 0, rng);
  c.handshake();
  c.upgrade(rng, true);
  for (let i = 0; i < count; i++) c.send(S2C, encodeFrame(Opcode.TEXT, true, true, deflater.deflate(message)));
  closeHandshake(c, rng);
  c.close();
  return w.bytes();
}

/** RFC 6455 §7.1.2: the client's masked close 1000 "bye", the server's echo. */
function closeHandshake(c: Conversation, rng: Prng): void {
  const body = Uint8Array.of(1000 >> 8, 1000 & 0xff, 0x62, 0x79, 0x65);
  c.send(C2S, encodeFrame(Opcode.CLOSE, true, false, body, rng.fill(new Uint8Array(4))));
  c.send(S2C, encodeFrame(Opcode.CLOSE, true, false, body.subarray(0, 2)));
}

/** IPv4 header checksum (RFC 1071) of the 20 bytes at `b[at]`. */
function ipv4Checksum(b: Uint8Array, at: number): number {
  let sum = 0;
  for (let i = at; i < at + 20; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Writes an IPv4 header at `b[at]` (no options). `fragment` is the flags+offset word (RFC 791 §3.1). */
function writeIpv4(b: Uint8Array, at: number, src: number, dst: number, id: number, fragment: number, payloadLength: number): void {
  const v = new DataView(b.buffer, b.byteOffset + at, 20);
  v.setUint8(0, 0x45);
  v.setUint8(1, 0);
  v.setUint16(2, 20 + payloadLength);
  v.setUint16(4, id & 0xffff);
  v.setUint16(6, fragment);
  v.setUint8(8, 64);
  v.setUint8(9, 6);
  v.setUint16(10, 0);
  v.setUint32(12, src >>> 0);
  v.setUint32(16, dst >>> 0);
  v.setUint16(10, ipv4Checksum(b, at));
}

/** Writes a 20-byte TCP SYN header to port 7272 at `b[at]` (checksum left zero: it covers a datagram that never completes). */
function writeTcpSyn(b: Uint8Array, at: number, srcPort: number, seq: number): void {
  const v = new DataView(b.buffer, b.byteOffset + at, 20);
  v.setUint16(0, srcPort);
  v.setUint16(2, SERVER_PORT);
  v.setUint32(4, seq >>> 0);
  v.setUint32(8, 0);
  v.setUint8(12, 0x50);
  v.setUint8(13, SYN);
  v.setUint16(14, 0xffff);
  v.setUint32(16, 0);
}

/** Writes the Ethernet II addresses (as the other generators: 00:…:02 ← 00:…:01) at `b[at]`. */
function writeMacs(b: Uint8Array, at: number): void {
  b.fill(0, at, at + 12);
  b[at + 5] = 2;
  b[at + 11] = 1;
}

/** IP payload of each fragment of {@link incompleteFragments}: a TCP header and 1460 bytes (a multiple of 8, RFC 791). */
export const FRAGMENT_PAYLOAD_BYTES = 1480;

/**
 * `n` IPv4 datagrams of which only the first fragment (More Fragments set, offset 0) is ever sent:
 * 1,480 bytes each that reassembly holds until a timeout or a cap. Sources `10.2.0.0 + i >> 16`,
 * IP id `i & 0xffff`, so every fragment starts a datagram of its own.
 */
export function incompleteFragments(n: number): Uint8Array {
  const frame = 14 + 20 + FRAGMENT_PAYLOAD_BYTES;
  const w = new PcapBytes(1, 262144, sizeOf(n, frame));
  const clock = new Clock();
  const rng = new Prng(17_007);
  const filler = rng.fill(new Uint8Array(FRAGMENT_PAYLOAD_BYTES - 20));
  for (let i = 0; i < n; i++) {
    const at = w.begin(clock.next(), frame);
    const b = w.buf;
    writeMacs(b, at);
    b[at + 12] = 0x08;
    b[at + 13] = 0x00;
    writeIpv4(b, at + 14, ((10 << 24) | (2 << 16)) + (i >>> 16), SERVER_IP, i, 0x2000, FRAGMENT_PAYLOAD_BYTES);
    writeTcpSyn(b, at + 34, 32768 + (i % 28000), rng.u32());
    b.set(filler, at + 54);
    w.end(frame);
  }
  return w.bytes();
}

/**
 * `frames` frames (default 1), each an Ethernet frame with `n` stacked 802.1Q tags (VLAN ids 1,
 * 2, …, TPID 0x8100) before an IPv4 TCP SYN to port 7272: far past the 32-layer depth cap.
 */
export function stackedVlanTags(n: number, frames = 1): Uint8Array {
  const frame = 14 + 4 * n + 40;
  const w = new PcapBytes(1, Math.max(262144, frame), sizeOf(frames, frame));
  const clock = new Clock();
  const rng = new Prng(17_008);
  for (let f = 0; f < frames; f++) {
    const at = w.begin(clock.next(), frame);
    const b = w.buf;
    writeMacs(b, at);
    let p = at + 12;
    for (let i = 0; i < n; i++, p += 4) {
      const vid = (i % 4094) + 1;
      b[p] = 0x81;
      b[p + 1] = 0x00;
      b[p + 2] = vid >> 8;
      b[p + 3] = vid & 0xff;
    }
    b[p] = 0x08;
    b[p + 1] = 0x00;
    writeIpv4(b, p + 2, (((10 << 24) | (1 << 16)) + f) >>> 0, SERVER_IP, f, 0x4000, 20);
    writeTcpSyn(b, p + 22, 32768 + (f % 28000), rng.u32());
    w.end(frame);
  }
  return w.bytes();
}

/** The 64-bit length field of a frame header (RFC 6455 §5.2) set to `length` (up to 2^64 − 1). */
function hugeFrameHeader(length: bigint, mask?: Uint8Array): Uint8Array {
  const h = new Uint8Array(10 + (mask ? 4 : 0));
  h[0] = 0x80 | Opcode.BINARY;
  h[1] = (mask ? 0x80 : 0) | 127;
  new DataView(h.buffer).setBigUint64(2, length);
  if (mask) h.set(mask, 10);
  return h;
}

/**
 * WebSocket frames whose length cannot be (RFC 6455 §5.2: the 64-bit length's most significant bit
 * must be 0), each followed by nothing more in its direction, and a handshake answered with a
 * wrong `Sec-WebSocket-Accept` whose client never speaks again. Three connections, no compression:
 *
 * 1. the server sends "hello", then a binary frame claiming 2^63 − 1 bytes and 32 bytes; FINs;
 * 2. the client sends "hello", then a masked frame claiming 2^63 bytes (MSB set) and 32 bytes; no
 *    FIN (the capture ends);
 * 3. a 101 with a wrong accept value; the server sends "hello"; the client says nothing; FINs.
 *
 * Every one of these is something a run must report even though no message follows it.
 */
export function impossibleWsLength(): Uint8Array {
  const w = new PcapBytes(1, 262144, 64 << 10);
  const clock = new Clock();
  const rng = new Prng(17_009);
  const hello = Buffer.from('hello');
  const tail = rng.fill(new Uint8Array(32));

  const a = new Conversation(w, clock, 0, rng);
  a.handshake();
  a.upgrade(rng, false);
  a.send(S2C, encodeFrame(Opcode.TEXT, true, false, hello));
  a.send(S2C, Buffer.concat([hugeFrameHeader(2n ** 63n - 1n), tail]));
  a.close();

  const b = new Conversation(w, clock, 1, rng);
  b.handshake();
  b.upgrade(rng, false);
  b.send(C2S, encodeFrame(Opcode.TEXT, true, false, hello, rng.fill(new Uint8Array(4))));
  b.send(C2S, Buffer.concat([hugeFrameHeader(2n ** 63n, rng.fill(new Uint8Array(4))), tail]));

  const c = new Conversation(w, clock, 2, rng);
  c.handshake();
  c.upgrade(rng, false, true);
  c.send(S2C, encodeFrame(Opcode.TEXT, true, false, hello));
  c.close();
  return w.bytes();
}
