/**
 * Hostile inputs that mutation does not find (issue 17), built at test time from the project's
 * packet builders and returned as classic pcap bytes (Ethernet): a test writes them to a temporary
 * file, the bench runs them at full size. Each says in its comment what the right answer is.
 */
import { createHash } from 'node:crypto';
import { concat, ethernet, ipv4, pcapFile, tcp, TcpFlags, udp, type PcapRecord } from '../packets.js';

/** LINKTYPE_ETHERNET. */
const ETHERNET = 1;
/** 1700000000 s. */
const T0 = 1_700_000_000_000_000_000n;

/**
 * `n` IPv4 datagrams (UDP, 10.0.0.1:5000 → 10.0.0.2:5001, 2000 bytes each) of which only one
 * fragment is in the capture: the first (1480 payload bytes, more-fragments set; `missing:
 * 'last'`, the default) or the last (`missing: 'first'`: the fragment with the ports never
 * comes). One millisecond apart. Every one of them is a datagram that never completed.
 */
export function incompleteFragments(n: number, o: { missing?: 'first' | 'last' } = {}): Uint8Array {
  const records: PcapRecord[] = [];
  for (let i = 0; i < n; i++) {
    const datagram = udp(new Uint8Array(2000 - 8).fill(0x61), 5000, 5001);
    const id = (i + 1) & 0xffff;
    const bytes =
      o.missing === 'first'
        ? ethernet(ipv4(datagram.subarray(1480), { proto: 17, id, fragOffset: 1480 }))
        : ethernet(ipv4(datagram.subarray(0, 1480), { proto: 17, id, moreFragments: true, fragOffset: 0 }));
    records.push({ ts: T0 + BigInt(i) * 1_000_000n, data: bytes });
  }
  return pcapFile(ETHERNET, records);
}

/**
 * `frames` Ethernet frames (1 ms apart), each with `n` stacked 802.1Q tags (TPID 0x8100, VIDs 1…n) around an IPv4/UDP
 * datagram. Past the dissector's layer cap (32) the packet must end in a failure layer with a
 * code and an offset, not silently.
 */
export function stackedVlanTags(n: number, frames = 1): Uint8Array {
  const vlans = Array.from({ length: n }, (_, i) => ({ tpid: 0x8100, vid: (i % 4094) + 1 }));
  const frame = ethernet(ipv4(udp(Uint8Array.from([1, 2, 3, 4]), 5000, 5001), { proto: 17 }), 0x0800, { vlans });
  return pcapFile(ETHERNET, Array.from({ length: frames }, (_, i) => ({ ts: T0 + BigInt(i) * 1000n, data: frame })));
}

/** The WebSocket accept value of `key` (RFC 6455 §4.2.2). */
function acceptKey(key: string): string {
  return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
}

/**
 * One WebSocket connection (handshake, upgrade on 10.0.0.1:40000 → 10.0.0.2:8080) in which the
 * server then sends one text frame header with a 64-bit length of 2^63 − 1 and nothing after: the
 * bytes it announces never come, and nothing else follows in that direction. The dissector must
 * say so (a warning, counted), not wait for a next message that never arrives.
 */
export function impossibleWsLength(): Uint8Array {
  const c = '10.0.0.1';
  const s = '10.0.0.2';
  const cp = 40000;
  const sp = 8080;
  const records: PcapRecord[] = [];
  const seq = new Map<string, number>([
    [c, 1000],
    [s, 5000],
  ]);
  let t = T0;
  const seg = (from: string, payload: Uint8Array | string, flags: number = TcpFlags.ACK | TcpFlags.PSH): void => {
    const bytes = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
    const to = from === c ? s : c;
    const n = seq.get(from)!;
    seq.set(from, n + bytes.length + (flags & (TcpFlags.SYN | TcpFlags.FIN) ? 1 : 0));
    const ack = flags & TcpFlags.ACK ? seq.get(to)! : 0;
    const segment = tcp(bytes, { srcPort: from === c ? cp : sp, dstPort: from === c ? sp : cp, seq: n, ack, flags }, from, to);
    t += 1_000_000n;
    records.push({ ts: t, data: ethernet(ipv4(segment, { src: from, dst: to })) });
  };
  const key = 'x3JJHMbDL1EzLkh9GBhXDw==';
  seg(c, '', TcpFlags.SYN);
  seg(s, '', TcpFlags.SYN | TcpFlags.ACK);
  seg(c, '', TcpFlags.ACK);
  seg(c, `GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  seg(s, `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`);
  // FIN + text, payload length 127 → 64-bit length 0x7fff_ffff_ffff_ffff (RFC 6455 §5.2), unmasked (server).
  seg(s, concat(Uint8Array.from([0x81, 127, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])));
  return pcapFile(ETHERNET, records);
}
