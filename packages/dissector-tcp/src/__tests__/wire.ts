// Test helper: builds real TCP/IP frames for one connection with packets.ts and dissects them
// with the real registry, so reassembly tests run on bytes, not hand-made layer objects.
import { LinkType, copyBytes, corePlugin, createRegistry, FrameDissector, type Packet, type StreamEvent } from '@netrx/core';
import { TcpReassembler, tcpPlugin, type ReassembleTcpOptions } from '@netrx/dissector-tcp';
import { POISON, POISONING } from '../../../../test-support/poison.js';
import { TcpFlags, ethernet, ipv4, ipv6, tcp } from '../../../../test-support/packets.js';

export { TcpFlags };

const registry = createRegistry([corePlugin, tcpPlugin]);

export interface Side {
  addr: string;
  port: number;
  /** Initial sequence number: data offset 0 is at isn + 1. */
  isn: number;
}

export interface SegmentOptions {
  flags?: number;
  /** Stream offset of the other side that this segment acknowledges (sets ACK). */
  ack?: number;
  /** Milliseconds since the start of the capture. */
  at?: number;
  /** Bytes the capture cut off the end of the frame (a small snaplen). */
  cut?: number;
}

const BASE_NS = 1_700_000_000_000_000_000n;

/** A connection between `c` (client) and `s` (server) that makes dissected packets. */
export class Wire {
  private frameNumber = 0;
  private readonly dissector = new FrameDissector(registry);
  private clock = 0;

  constructor(
    readonly c: Side = { addr: '10.0.0.1', port: 40000, isn: 1000 },
    readonly s: Side = { addr: '10.0.0.2', port: 80, isn: 900_000 },
  ) {}

  /** A segment from `from` whose payload starts at stream offset `off`. */
  seg(from: 'c' | 's', off: number, payload: Uint8Array | string = '', o: SegmentOptions = {}): Packet {
    const me = from === 'c' ? this.c : this.s;
    const peer = from === 'c' ? this.s : this.c;
    const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
    let flags = o.flags ?? TcpFlags.ACK;
    if (o.ack !== undefined) flags |= TcpFlags.ACK;
    const seq = (me.isn + 1 + off) >>> 0;
    const ack = o.ack !== undefined ? (peer.isn + 1 + o.ack) >>> 0 : 0;
    const six = me.addr.includes(':');
    const t = tcp(bytes, { srcPort: me.port, dstPort: peer.port, seq, ack, flags }, me.addr, peer.addr);
    const ip = six ? ipv6(t, { src: me.addr, dst: peer.addr }) : ipv4(t, { src: me.addr, dst: peer.addr });
    const wire = ethernet(ip, six ? 0x86dd : 0x0800);
    const data = wire.subarray(0, wire.length - (o.cut ?? 0));
    this.clock = o.at ?? this.clock + 1;
    return this.dissector.dissect({
      linkType: LinkType.ETHERNET,
      timestamp: BASE_NS + BigInt(this.clock) * 1_000_000n,
      caplen: data.length,
      length: wire.length,
      data,
      interfaceId: 0,
      frameNumber: ++this.frameNumber,
    });
  }

  /** The client's SYN, the server's SYN+ACK and the client's ACK. */
  handshake(): Packet[] {
    const syn = this.seg('c', -1, '', { flags: TcpFlags.SYN });
    const synAck = this.seg('s', -1, '', { flags: TcpFlags.SYN | TcpFlags.ACK, ack: 0 });
    return [syn, synAck, this.seg('c', 0, '', { ack: 0 })];
  }
}

const copier = new FrameDissector(registry);

/**
 * A reassembler whose `push(packet)` is given a copy of the packet (its frame re-dissected from a
 * buffer of its own, so a test may push the same packet twice) and poisons that copy's bytes
 * once `push` returns: data events are views of the packet valid only during the call, and what
 * the reassembler keeps (segments behind a hole, the last bytes delivered) must be its own copy.
 */
export function poisonedReassembler(options: ReassembleTcpOptions, sink: (ev: StreamEvent) => void): TcpReassembler {
  const r = new TcpReassembler(options, sink);
  const push = r.push.bind(r);
  r.push = (p: Packet): void => {
    const data = copyBytes(p.frame.data);
    const own = copier.dissect({ ...p.frame, data });
    push({ ...p, frame: own.frame, layers: own.layers }); // the test's own fields (a tunnel) kept
    if (POISONING) data.fill(POISON);
  };
  return r;
}

/** Runs packets through a fresh reassembler (packets poisoned after each push); returns its events and the reassembler. */
export function reassemble(packets: readonly Packet[], options: ReassembleTcpOptions = {}): { events: StreamEvent[]; r: TcpReassembler } {
  const events: StreamEvent[] = [];
  const r = poisonedReassembler(options, (ev) => {
    // Data views are valid only during the call: keep copies, as a consumer must.
    events.push(ev.type === 'data' ? { ...ev, bytes: copyBytes(ev.bytes) } : ev);
  });
  for (const p of packets) r.push(p);
  r.end();
  return { events, r };
}

/** Joined data per connection id and direction, as text. */
export function text(events: readonly StreamEvent[], id = 0): { c2s: string; s2c: string } {
  const out = { c2s: '', s2c: '' };
  const dec = new TextDecoder('latin1');
  for (const ev of events) if (ev.type === 'data' && ev.connection.id === id) out[ev.dir] += dec.decode(ev.bytes);
  return out;
}

export function closeOf(events: readonly StreamEvent[], id = 0) {
  const ev = events.find((e) => e.type === 'close' && e.connection.id === id);
  if (ev === undefined || ev.type !== 'close') throw new Error(`no close for connection ${id}`);
  return ev;
}

export function gapsOf(events: readonly StreamEvent[], id = 0) {
  return events.flatMap((e) => (e.type === 'gap' && e.connection.id === id ? [{ dir: e.dir, offset: e.offset, length: e.length }] : []));
}
