import { createHash } from 'node:crypto';
import { concatBytes } from '@netrx/core';
import { writeTcpFrame, type SegmentSpec } from './frame-writer.js';
import type { MessageContent } from './message-content.js';
import type { PcapWriter } from './pcap-writer.js';
import type { Prng } from './prng.js';
import { SyncDeflater } from './sync-deflater.js';
import { Tls13Session } from './tls13-session.js';
import { Opcode, encodeFrame } from './ws-frame.js';

/**
 * `plain`: uncompressed; `deflate`: permessage-deflate on every data message; `reorder`: plain
 * with reordering and retransmissions; `tls`: plain inside TLS 1.3 (TLS_AES_128_GCM_SHA256) on
 * port 443, with a key log beside the capture.
 */
export type Variant = 'plain' | 'deflate' | 'reorder' | 'tls';
/** Every variant, in the order the bench runs them. */
export const VARIANTS: readonly Variant[] = ['plain', 'deflate', 'reorder', 'tls'];

/** What the generated capture holds, counted as it is written: the answers the bench checks against. */
export interface Expected {
  /** WebSocket messages of every type (what `netrx ws` prints one line for). */
  messages: number;
  text: number;
  binary: number;
  ping: number;
  pong: number;
  close: number;
  /** Data messages sent with RSV1 (permessage-deflate). */
  compressed: number;
  /** Data messages sent as several frames. */
  fragmentedMessages: number;
  /** Sum of message payload lengths after unmasking and inflating (close: code + reason). */
  payloadBytes: number;
  /** Unique TCP payload bytes per direction (HTTP and WebSocket, in TLS records for `tls`), what reassembly must deliver. */
  c2sBytes: number;
  s2cBytes: number;
  /** Segments sent again (whole or overlapping), and segments sent ahead of an earlier one. */
  retransmitted: number;
  reordered: number;
}

/** All counts at zero. */
export function emptyExpected(): Expected {
  return {
    messages: 0, text: 0, binary: 0, ping: 0, pong: 0, close: 0, compressed: 0, fragmentedMessages: 0,
    payloadBytes: 0, c2sBytes: 0, s2cBytes: 0, retransmitted: 0, reordered: 0,
  };
}

/** Client to server, server to client. */
const C2S = 0;
const S2C = 1;
type Dir = 0 | 1;

const FIN = 0x01;
const SYN = 0x02;
const PSH = 0x08;
const ACK = 0x10;

/** Payload bytes per segment (Ethernet MTU 1500 − 40). */
export const MSS = 1460;
/** The chat server's port (the motivating case). */
export const SERVER_PORT = 7272;
/** The server port of the `tls` variant (wss://). */
export const TLS_SERVER_PORT = 443;
const SERVER_IP = (10 << 24) | 1; // 10.0.0.1
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A packet waiting to be written; `seq`/`ack` are decided when it is written, from what the peer has received. */
interface Pkt {
  dir: Dir;
  flags: number;
  /** Stream offset of the first payload byte (0 = first byte after the SYN); -1 for a SYN. */
  off: number;
  data: Uint8Array;
  start: number;
  end: number;
  /** Never sent out of order: the HTTP handshake (a 101 seen before its request is not what a capture shows). */
  fixed: boolean;
}

const NO_DATA = new Uint8Array(0);

/**
 * One scripted WebSocket connection: TCP handshake, HTTP Upgrade with a correct
 * `Sec-WebSocket-Accept` (RFC 6455 §4.2.2), messages both ways (masked client frames, unmasked
 * server frames, tiny to multi-segment sizes, bursts of frames in one segment, fragmented
 * messages, ping/pong), then a Close handshake and FINs. It queues packets a little ahead and
 * writes one per {@link emitNext} call, so the generator can interleave many connections.
 *
 * Acknowledgement numbers are computed when a packet is written, from the bytes the receiver has
 * really got so far, so a reordered capture never acknowledges data that has not been seen.
 */
export class WsConnection {
  private readonly isn: [number, number];
  private readonly ipId: [number, number] = [1, 1];
  /** Next stream offset to send, per direction. */
  private readonly sndNext: [number, number] = [0, 0];
  /** Contiguous stream offset received, per direction. */
  private readonly rcvNext: [number, number] = [0, 0];
  /** Out-of-order ranges received, per direction, [start, end) pairs. */
  private readonly pending: [number[], number[]] = [[], []];
  private readonly deflaters: [SyncDeflater, SyncDeflater] | null;
  /** The `tls` variant's TLS 1.3 session; its application data protects what {@link send} sends once the handshake is done. */
  private readonly tls: Tls13Session | null;
  private tlsReady = false;
  private readonly serverPort: number;
  private queue: Pkt[] = [];
  private head = 0;
  private planned = 0;
  private phase: 'handshake' | 'talk' | 'close' | 'done' = 'handshake';
  private readonly clientIp: number;
  private readonly clientPort: number;
  private readonly spec: SegmentSpec = {
    srcIp: 0, dstIp: 0, srcPort: 0, dstPort: 0, ipId: 0, seq: 0, ack: 0, flags: 0, payload: NO_DATA, start: 0, end: 0,
  };

  constructor(
    index: number,
    private readonly variant: Variant,
    /** Packets this connection should write before it closes (a few more for the close). */
    private readonly budget: number,
    private readonly rng: Prng,
    private readonly content: MessageContent,
    private readonly expected: Expected,
    /** Where the `tls` variant writes the connection's key log lines (NSS format). */
    keyLog?: (lines: string) => void,
  ) {
    this.clientIp = ((10 << 24) | (1 << 16)) + index;
    this.clientPort = 32768 + (index % 28000);
    // One connection in 20 starts close to 2^32, so sequence numbers wrap mid-connection.
    const isn = () => (rng.chance(0.05) ? 0xffffffff - rng.int(0, 20000) : rng.u32());
    this.isn = [isn(), isn()];
    this.deflaters = variant === 'deflate' ? [new SyncDeflater(), new SyncDeflater()] : null;
    this.tls = variant === 'tls' ? new Tls13Session(rng, 'chat.example') : null;
    this.serverPort = this.tls ? TLS_SERVER_PORT : SERVER_PORT;
    if (this.tls) keyLog?.(this.tls.keyLog());
  }

  /** Writes this connection's next packet at `tsMicros`; false when it has nothing left. */
  emitNext(w: PcapWriter, tsMicros: number): boolean {
    while (this.queue.length - this.head < 8 && this.phase !== 'done') this.plan();
    if (this.head >= this.queue.length) return false;
    if (this.variant === 'reorder') this.maybeReorder();
    const p = this.queue[this.head++]!;
    if (this.head > 256) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.write(w, tsMicros, p);
    if (this.variant === 'reorder' && p.end > p.start && this.rng.chance(0.03)) {
      // A retransmission of the same bytes, one to three packets later.
      this.queue.splice(Math.min(this.queue.length, this.head + this.rng.int(0, 2)), 0, p);
      this.expected.retransmitted++;
    }
    return true;
  }

  /** Sometimes sends the next data segment of the same direction before this one. */
  private maybeReorder(): void {
    const p = this.queue[this.head]!;
    if (p.end === p.start || p.fixed || !this.rng.chance(0.04)) return;
    for (let i = this.head + 1; i < Math.min(this.queue.length, this.head + 5); i++) {
      const q = this.queue[i]!;
      if (q.dir === p.dir && q.end > q.start && !q.fixed && !(q.flags & FIN)) {
        this.queue[this.head] = q;
        this.queue[i] = p;
        this.expected.reordered++;
        return;
      }
    }
  }

  private write(w: PcapWriter, tsMicros: number, p: Pkt): void {
    const d = p.dir;
    const o = (1 - d) as Dir;
    const s = this.spec;
    s.srcIp = d === C2S ? this.clientIp : SERVER_IP;
    s.dstIp = d === C2S ? SERVER_IP : this.clientIp;
    s.srcPort = d === C2S ? this.clientPort : this.serverPort;
    s.dstPort = d === C2S ? this.serverPort : this.clientPort;
    s.ipId = this.ipId[d] = (this.ipId[d] + 1) & 0xffff;
    s.seq = p.off < 0 ? this.isn[d] : (this.isn[d] + 1 + p.off) >>> 0;
    s.ack = p.flags & ACK ? (this.isn[o] + 1 + this.rcvNext[o]) >>> 0 : 0;
    s.flags = p.flags;
    s.payload = p.data;
    s.start = p.start;
    s.end = p.end;
    const at = w.begin(tsMicros);
    w.end(writeTcpFrame(w.buf, at, s));
    const len = (p.end - p.start) + (p.flags & FIN ? 1 : 0);
    if (len > 0) this.received(d, p.off, p.off + len);
  }

  /** The receiver of direction `d` got stream bytes [from, to). */
  private received(d: Dir, from: number, to: number): void {
    const ranges = this.pending[d];
    if (from > this.rcvNext[d]) {
      ranges.push(from, to);
      return;
    }
    if (to > this.rcvNext[d]) this.rcvNext[d] = to;
    // Fill from what arrived early.
    for (let moved = true; moved; ) {
      moved = false;
      for (let i = 0; i < ranges.length; i += 2) {
        if (ranges[i]! <= this.rcvNext[d]) {
          if (ranges[i + 1]! > this.rcvNext[d]) this.rcvNext[d] = ranges[i + 1]!;
          ranges.splice(i, 2);
          moved = true;
          break;
        }
      }
    }
  }

  private plan(): void {
    switch (this.phase) {
      case 'handshake':
        this.planHandshake();
        this.phase = 'talk';
        return;
      case 'talk':
        if (this.planned >= this.budget) this.phase = 'close';
        else this.planExchange();
        return;
      case 'close':
        this.planClose();
        this.phase = 'done';
        return;
    }
  }

  private push(dir: Dir, flags: number, off: number, data: Uint8Array = NO_DATA, start = 0, end = 0): void {
    this.queue.push({ dir, flags, off, data, start, end, fixed: this.phase === 'handshake' });
    this.planned++;
  }

  private planHandshake(): void {
    this.push(C2S, SYN, -1);
    this.push(S2C, SYN | ACK, -1);
    this.push(C2S, ACK, 0);
    if (this.tls) {
      // RFC 8446 §2: ClientHello; ServerHello … Finished; the client's Finished; then application data.
      const share = () => this.rng.fill(new Uint8Array(32));
      this.send(C2S, this.tls.clientHello(share()));
      this.send(S2C, this.tls.serverFlight(share(), this.rng.fill(new Uint8Array(32))));
      this.send(C2S, this.tls.clientFinished(this.rng.fill(new Uint8Array(32))));
      this.tlsReady = true;
    }
    const key = Buffer.from(this.rng.fill(new Uint8Array(16))).toString('base64');
    const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
    const ext = this.deflaters ? 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n' : '';
    const request =
      `GET /chat HTTP/1.1\r\nHost: 10.0.0.1:${this.serverPort}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${ext}User-Agent: netrx-bench\r\n\r\n`;
    this.send(C2S, Buffer.from(request));
    const response =
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Accept: ${accept}\r\n${this.deflaters ? 'Sec-WebSocket-Extensions: permessage-deflate\r\n' : ''}\r\n`;
    const head = Buffer.from(response);
    // Three times in ten the server's first message rides in the same segment as the 101.
    this.send(S2C, this.rng.chance(0.3) ? Buffer.concat([head, this.dataMessage(S2C, Opcode.TEXT, 40)]) : head);
  }

  /** A burst of 1 to 5 messages from one side (coalesced into shared segments), sometimes a ping answered by a pong. */
  private planExchange(): void {
    const dir: Dir = this.rng.chance(0.4) ? C2S : S2C;
    const count = this.rng.chance(0.25) ? this.rng.int(2, 5) : 1;
    const frames: Uint8Array[] = [];
    let pingPayload: Uint8Array | null = null;
    for (let i = 0; i < count; i++) {
      const r = this.rng.next();
      if (r < 0.03 && !pingPayload) {
        pingPayload = this.content.binary(this.rng, this.rng.int(0, 8));
        frames.push(this.controlFrame(dir, Opcode.PING, pingPayload));
      } else {
        frames.push(this.dataMessage(dir, r < 0.13 ? Opcode.BINARY : Opcode.TEXT, this.messageSize()));
      }
    }
    this.send(dir, concatBytes(frames));
    if (pingPayload) this.send((1 - dir) as Dir, this.controlFrame((1 - dir) as Dir, Opcode.PONG, pingPayload));
  }

  private planClose(): void {
    const reason = Buffer.from('bye');
    const body = new Uint8Array(2 + reason.length);
    body[0] = 1000 >> 8;
    body[1] = 1000 & 0xff;
    body.set(reason, 2);
    // RFC 6455 §7.1.1: the client starts the closing handshake; the server closes TCP first.
    this.send(C2S, this.controlFrame(C2S, Opcode.CLOSE, body));
    this.send(S2C, this.controlFrame(S2C, Opcode.CLOSE, body.subarray(0, 2)));
    this.push(S2C, FIN | ACK, this.sndNext[S2C]);
    this.push(C2S, FIN | ACK, this.sndNext[C2S]);
    this.push(S2C, ACK, this.sndNext[S2C] + 1);
  }

  /** Mostly tiny, some up to a segment, a few over several segments, rarely over 64 KiB (64-bit length). */
  private messageSize(): number {
    const r = this.rng.next();
    if (r < 0.7) return this.rng.int(2, 120);
    if (r < 0.92) return this.rng.int(121, 1400);
    if (r < 0.998) return this.rng.int(1401, 12000);
    return this.rng.int(60000, 70000);
  }

  /** The frames of one text or binary message: compressed in the deflate variant, fragmented 3 times in 100. */
  private dataMessage(dir: Dir, opcode: number, size: number): Uint8Array {
    const e = this.expected;
    const payload = opcode === Opcode.TEXT ? this.content.chat(this.rng, this.clientPort, size) : this.content.binary(this.rng, size);
    e.messages++;
    e.payloadBytes += payload.length;
    if (opcode === Opcode.TEXT) e.text++;
    else e.binary++;
    let wire = payload;
    const compressed = this.deflaters !== null;
    if (compressed) {
      wire = this.deflaters![dir].deflate(payload);
      e.compressed++;
    }
    const mask = dir === C2S ? this.rng.fill(new Uint8Array(4)) : undefined;
    if (wire.length < 4 || !this.rng.chance(0.03)) return encodeFrame(opcode, true, compressed, wire, mask);
    // Fragmented (RFC 6455 §5.4): first frame carries the opcode (and RSV1, RFC 7692 §6.1), then continuations.
    e.fragmentedMessages++;
    const parts = this.rng.int(2, 4);
    const step = Math.ceil(wire.length / parts);
    const frames: Uint8Array[] = [];
    for (let at = 0; at < wire.length; at += step) {
      const last = at + step >= wire.length;
      const m = dir === C2S ? this.rng.fill(new Uint8Array(4)) : undefined;
      frames.push(encodeFrame(at === 0 ? opcode : Opcode.CONT, last, at === 0 && compressed, wire.subarray(at, at + step), m));
    }
    return concatBytes(frames);
  }

  private controlFrame(dir: Dir, opcode: number, payload: Uint8Array): Uint8Array {
    const e = this.expected;
    e.messages++;
    e.payloadBytes += payload.length;
    if (opcode === Opcode.PING) e.ping++;
    else if (opcode === Opcode.PONG) e.pong++;
    else e.close++;
    return encodeFrame(opcode, true, false, payload, dir === C2S ? this.rng.fill(new Uint8Array(4)) : undefined);
  }

  /**
   * Queues `bytes` (in TLS records for the `tls` variant) in MSS-sized segments from `dir`, the receiver acknowledging every second
   * segment and the last; in the reorder variant, now and then a segment is sent again
   * overlapping its successor (same bytes, a different cut).
   */
  private send(dir: Dir, bytes: Uint8Array): void {
    // wss://: what the application sends goes in TLS records (the handshake's own records are sent as they are).
    if (this.tlsReady) bytes = this.tls!.protect(dir, bytes);
    const o = (1 - dir) as Dir;
    const base = this.sndNext[dir];
    this.sndNext[dir] += bytes.length;
    if (dir === C2S) this.expected.c2sBytes += bytes.length;
    else this.expected.s2cBytes += bytes.length;
    let n = 0;
    for (let at = 0; at < bytes.length; at += MSS) {
      const end = Math.min(bytes.length, at + MSS);
      this.push(dir, end === bytes.length ? PSH | ACK : ACK, base + at, bytes, at, end);
      if (this.variant === 'reorder' && end < bytes.length && this.rng.chance(0.02)) {
        const from = at + (MSS >> 1);
        const to = Math.min(bytes.length, from + MSS);
        this.push(dir, ACK, base + from, bytes, from, to);
        this.expected.retransmitted++;
      }
      if (++n % 2 === 0 || end === bytes.length) this.push(o, ACK, this.sndNext[o]);
    }
  }
}
