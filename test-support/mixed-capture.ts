// A capture that puts what a parallel run must keep together, and in order, to the test: many
// interleaved connections (HTTP, WebSocket, raw TCP) over IPv4 and IPv6, some behind VLAN tags;
// segments split into IP fragments, some sent last fragment first; connections that go idle for
// longer than the idle timeout while others go on; one-sided streams with a hole that times out;
// a port reused with a new SYN; connections picked up midstream, reset (with data after the
// reset), or left open at the end;
// UDP and ARP between them. Deterministic (a seeded generator).
import { concat, ethernet, ipv4, ipv6, ipv6Fragment, pcapFile, tcp, TcpFlags, udp, type PcapRecord } from './packets.js';

const enc = new TextEncoder();

/** A small seeded generator (mulberry32), so the capture is the same on every run. */
class Rand {
  constructor(private s: number) {}
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
}

interface Flow {
  readonly client: string;
  readonly server: string;
  readonly cport: number;
  readonly sport: number;
  readonly v6: boolean;
  readonly vlan: boolean;
  /** Next sequence number per side (0: client). */
  readonly seq: [number, number];
  /** Packets still to send, each a function of the time it is sent at. */
  readonly queue: (() => Uint8Array[])[];
  /** Packet time this flow may send again (idle stretches). */
  readyAt: bigint;
}

/** Text of a WebSocket frame (RFC 6455 §5.2), masked when sent by the client. */
function wsFrame(opcode: number, payload: Uint8Array, masked: boolean, fin = true): Uint8Array {
  const len = payload.length;
  const head = len < 126 ? [len] : [126, len >> 8, len & 0xff];
  const bytes = [(fin ? 0x80 : 0) | opcode, (masked ? 0x80 : 0) | head[0]!, ...head.slice(1)];
  if (!masked) return concat(Uint8Array.from(bytes), payload);
  const key = Uint8Array.of(0x12, 0x34, 0x56, 0x78);
  const body = payload.map((b, i) => b ^ key[i & 3]!);
  return concat(Uint8Array.from(bytes), key, body);
}

/** The capture's bytes (Ethernet pcap, nanosecond timestamps). */
export function mixedCapture(seed = 7, connections = 120): Uint8Array {
  const rnd = new Rand(seed);
  const records: PcapRecord[] = [];
  let ts = 1_700_000_000_000_000_000n;
  let ipId = 1;

  const frame = (f: Flow, fromClient: boolean, payload: Uint8Array, flags: number, ack = true): Uint8Array[] => {
    const side = fromClient ? 0 : 1;
    const src = fromClient ? f.client : f.server;
    const dst = fromClient ? f.server : f.client;
    const seg = tcp(payload, {
      srcPort: fromClient ? f.cport : f.sport,
      dstPort: fromClient ? f.sport : f.cport,
      seq: f.seq[side],
      ack: ack ? f.seq[1 - side] : 0,
      flags: ack ? flags | TcpFlags.ACK : flags,
    }, src, dst);
    f.seq[side] = (f.seq[side] + payload.length + ((flags & (TcpFlags.SYN | TcpFlags.FIN)) !== 0 ? 1 : 0)) >>> 0;
    const wrap = (ip: Uint8Array, type: number) => ethernet(ip, type, f.vlan ? { vlans: [{ tpid: 0x8100, vid: 42 }] } : {});
    // Some data segments go as IP fragments, some of them last fragment first.
    const fragment = payload.length > 64 && rnd.next() < 0.25;
    if (!fragment) return [f.v6 ? wrap(ipv6(seg, { src, dst }), 0x86dd) : wrap(ipv4(seg, { src, dst, id: ipId++ }), 0x0800)];
    const cut = 8 * Math.max(1, Math.floor(seg.length / 16));
    const id = ipId++;
    const parts = f.v6
      ? [
          wrap(ipv6(concat(ipv6Fragment(6, 0, true, id), seg.subarray(0, cut)), { src, dst, next: 44 }), 0x86dd),
          wrap(ipv6(concat(ipv6Fragment(6, cut, false, id), seg.subarray(cut)), { src, dst, next: 44 }), 0x86dd),
        ]
      : [
          wrap(ipv4(seg.subarray(0, cut), { src, dst, id, moreFragments: true }), 0x0800),
          wrap(ipv4(seg.subarray(cut), { src, dst, id, fragOffset: cut }), 0x0800),
        ];
    return rnd.next() < 0.5 ? parts.reverse() : parts;
  };

  const flows: Flow[] = [];
  for (let i = 0; i < connections; i++) {
    const v6 = i % 5 === 1;
    const f: Flow = {
      client: v6 ? `2001:db8::${(i + 16).toString(16)}` : `10.1.${i >> 8}.${i & 255}`,
      server: v6 ? '2001:db8::1' : i % 3 === 0 ? '10.0.0.1' : '10.0.0.2',
      cport: 30000 + i,
      sport: i % 4 === 0 ? 7272 : 80,
      v6,
      vlan: i % 7 === 3,
      seq: [rnd.int(0, 2 ** 32 - 1), rnd.int(0, 2 ** 32 - 1)],
      queue: [],
      readyAt: 0n,
    };
    const kind = i % 4 === 0 ? 'ws' : i % 4 === 3 && i % 8 === 7 ? 'raw' : 'http';
    const midstream = i % 11 === 5;
    const q = f.queue;
    if (!midstream) {
      q.push(() => frame(f, true, new Uint8Array(0), TcpFlags.SYN, false));
      q.push(() => frame(f, false, new Uint8Array(0), TcpFlags.SYN));
    }
    if (kind === 'http' || kind === 'ws') {
      const upgrade = kind === 'ws' ? 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' : '';
      const requests = kind === 'ws' ? 1 : rnd.int(1, 3);
      for (let r = 0; r < requests; r++) {
        const body = 'x'.repeat(rnd.int(0, 300));
        q.push(() => frame(f, true, enc.encode(`GET /r${i}/${r} HTTP/1.1\r\nHost: h${i}\r\n${upgrade}\r\n`), TcpFlags.PSH));
        const status = kind === 'ws' ? 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n' : `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
        q.push(() => frame(f, false, enc.encode(status), TcpFlags.PSH));
      }
      if (kind === 'ws') {
        for (let m = 0; m < rnd.int(2, 6); m++) {
          const text = enc.encode(`message ${m} of #${i} ${'é'.repeat(rnd.int(0, 40))}`);
          const client = rnd.next() < 0.5;
          q.push(() => frame(f, client, wsFrame(1, text, client), TcpFlags.PSH));
        }
      }
    } else {
      for (let m = 0; m < 3; m++) q.push(() => frame(f, rnd.next() < 0.5, enc.encode(`raw bytes ${m} `.repeat(rnd.int(1, 20))), TcpFlags.PSH));
    }
    // A hole: the client's next segment is never captured; what follows waits, then times out.
    if (i % 9 === 2) {
      q.push(() => {
        frame(f, true, enc.encode('lost segment '), TcpFlags.PSH);
        return [];
      });
      q.push(() => frame(f, true, enc.encode('after the hole'), TcpFlags.PSH));
    }
    if (i % 13 === 6) {
      q.push(() => frame(f, true, new Uint8Array(0), TcpFlags.RST));
      // The server had not heard yet: a segment after the reset, which no connection takes.
      q.push(() => frame(f, false, enc.encode('late reply'), TcpFlags.PSH));
    }
    else if (i % 10 !== 9) {
      // Closed by FIN both ways; the rest stay open to the end of the capture.
      q.push(() => frame(f, true, new Uint8Array(0), TcpFlags.FIN));
      q.push(() => frame(f, false, new Uint8Array(0), TcpFlags.FIN));
      q.push(() => frame(f, true, new Uint8Array(0), 0));
      // The same port again with a new SYN: a new connection.
      if (i % 17 === 8) {
        q.push(() => {
          f.seq[0] = (f.seq[0] + 100_000) >>> 0;
          return frame(f, true, new Uint8Array(0), TcpFlags.SYN, false);
        });
        q.push(() => frame(f, false, new Uint8Array(0), TcpFlags.SYN));
        q.push(() => frame(f, true, enc.encode('GET /again HTTP/1.1\r\n\r\n'), TcpFlags.PSH));
      }
    }
    flows.push(f);
  }

  // Interleave: at most 30 flows open at a time; some go quiet for more than the idle timeout.
  const open: Flow[] = [];
  let next = 0;
  while (open.length > 0 || next < flows.length) {
    while (open.length < 30 && next < flows.length) open.push(flows[next++]!);
    const k = rnd.int(0, open.length - 1);
    const f = open[k]!;
    ts += BigInt(rnd.int(1, 400)) * 1_000_000n; // 1–400 ms
    if (f.readyAt > ts) continue;
    const step = f.queue.shift();
    if (step === undefined) {
      open.splice(k, 1);
      continue;
    }
    for (const data of step()) records.push({ ts, data });
    if (rnd.next() < 0.01) f.readyAt = ts + 330n * 1_000_000_000n; // quiet for 5.5 minutes
    if (rnd.next() < 0.05) {
      records.push({ ts, data: ethernet(ipv4(udp(enc.encode('dns?'), 5353, 53, '10.9.0.1', '10.9.0.53'), { proto: 17, src: '10.9.0.1', dst: '10.9.0.53' })) });
      records.push({ ts, data: ethernet(new Uint8Array(28), 0x0806) });
    }
  }
  return pcapFile(1 /* LINKTYPE_ETHERNET */, records, { nano: true });
}
