// Hostile input of issue 17, "memory amplification near the inflate cap": permessage-deflate text
// messages of `mib` MiB of zero bytes each, about 1,030:1 compressed (RFC 1951 can do no better),
// so a 68 KB capture holds a 63 MiB message just under the dissector's 64 MiB cap. What it tests:
// a dissector and writer that hold a message once, print a bounded preview, and stream the JSON.
//
// Made at test time (the suite, at a few MiB) and by the bench (full size); never stored.
import { createHash } from 'node:crypto';
import { constants, deflateRawSync } from 'node:zlib';
import { concat, ethernet, ipv4, pcapFile, tcp, TcpFlags, type PcapRecord } from '../packets.js';

/** The server port of the generated connection (the chat server of DESIGN.md). */
export const DEFLATE_BOMB_PORT = 7272;

const CLIENT = '10.0.0.1';
const SERVER = '10.0.0.2';
const CLIENT_PORT = 50000;
const MSS = 1460;
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const enc = new TextEncoder();

/** Options of {@link nearCapDeflateMessages}. */
export interface DeflateBombOptions {
  /**
   * Small compressed text messages after the big ones (server `after s2c`, client `after c2s`):
   * what a test checks still decodes right once the big ones are through. Default true.
   */
  readonly after?: boolean;
  /** Which side sends the big messages. Default `s2c` (unmasked: the server). */
  readonly dir?: 'c2s' | 's2c';
  /** The big messages' opcode: 1 text (default), 2 binary. */
  readonly opcode?: 1 | 2;
  /** The byte the big messages are made of. Default 0 (0xff makes text that is not UTF-8). */
  readonly fill?: number;
}

/**
 * A capture (classic pcap, Ethernet/IPv4/TCP, port {@link DEFLATE_BOMB_PORT}): a SYN handshake, an
 * HTTP upgrade accepting `permessage-deflate` (RFC 7692), `count` text messages each `mib` MiB of
 * zero bytes, compressed (RSV1, the `00 00 ff ff` tail removed, RFC 7692 §7.2.1) and cut into
 * 1,460-byte segments, then (unless `after: false`) one short compressed text message each way,
 * and FINs. `mib` may be fractional (0.5: 512 KiB).
 *
 * @example
 * ```ts
 * writeFileSync('/tmp/bomb.pcap', nearCapDeflateMessages(20, 63)); // 20 × 63 MiB in ~1.4 MB
 * ```
 */
export function nearCapDeflateMessages(count: number, mib: number, options: DeflateBombOptions = {}): Uint8Array {
  const size = Math.round(mib * 1024 * 1024);
  // Every message is the same, each compressed on its own: valid with context takeover too (the
  // receiver's history is simply never referred to).
  const big = compressed(new Uint8Array(size).fill(options.fill ?? 0));
  const records: PcapRecord[] = [];
  let ts = 1_700_000_000_000_000_000n;
  const seq = { c2s: 1000, s2c: 5000 };
  const send = (dir: 'c2s' | 's2c', payload: Uint8Array, flags = TcpFlags.ACK | TcpFlags.PSH): void => {
    const fromClient = dir === 'c2s';
    for (let o = 0; o < payload.length || (o === 0 && payload.length === 0); o += MSS) {
      const piece = payload.subarray(o, o + MSS);
      const seg = tcp(
        piece,
        {
          srcPort: fromClient ? CLIENT_PORT : DEFLATE_BOMB_PORT,
          dstPort: fromClient ? DEFLATE_BOMB_PORT : CLIENT_PORT,
          seq: seq[dir],
          ack: seq[fromClient ? 's2c' : 'c2s'],
          flags,
        },
        fromClient ? CLIENT : SERVER,
        fromClient ? SERVER : CLIENT,
      );
      records.push({ ts, data: ethernet(ipv4(seg, { src: fromClient ? CLIENT : SERVER, dst: fromClient ? SERVER : CLIENT, proto: 6 })) });
      ts += 1000n;
      seq[dir] += piece.length;
      if (payload.length === 0) break;
    }
  };
  // SYN, SYN-ACK, ACK (sequence numbers consumed by SYN counted by hand).
  send('c2s', new Uint8Array(0), TcpFlags.SYN);
  seq.c2s++;
  send('s2c', new Uint8Array(0), TcpFlags.SYN | TcpFlags.ACK);
  seq.s2c++;
  send('c2s', new Uint8Array(0), TcpFlags.ACK);
  send(
    'c2s',
    enc.encode(
      `GET /chat HTTP/1.1\r\nHost: ${SERVER}:${DEFLATE_BOMB_PORT}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n`,
    ),
  );
  const accept = createHash('sha1').update(KEY + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  send(
    's2c',
    enc.encode(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n`),
  );
  const dir = options.dir ?? 's2c';
  for (let i = 0; i < count; i++) send(dir, frame(big, dir === 'c2s', options.opcode ?? 1));
  if (options.after ?? true) {
    send('s2c', frame(compressed(enc.encode('after s2c')), false));
    send('c2s', frame(compressed(enc.encode('after c2s')), true));
  }
  send('c2s', new Uint8Array(0), TcpFlags.FIN | TcpFlags.ACK);
  seq.c2s++;
  send('s2c', new Uint8Array(0), TcpFlags.FIN | TcpFlags.ACK);
  return pcapFile(1, records);
}

/** Deflated with Z_SYNC_FLUSH, the `00 00 ff ff` tail removed (RFC 7692 §7.2.1). */
function compressed(data: Uint8Array): Uint8Array {
  const d = deflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH, level: 9 });
  return d.subarray(0, d.length - 4);
}

/** One final text frame with RSV1 set (RFC 7692 §6); masked when the client sends it (RFC 6455 §5.3). */
function frame(payload: Uint8Array, masked: boolean, opcode = 1): Uint8Array {
  const n = payload.length;
  const lenBytes = n < 126 ? 0 : n < 0x10000 ? 2 : 8;
  const head = new Uint8Array(2 + lenBytes + (masked ? 4 : 0));
  head[0] = 0x80 | 0x40 | opcode;
  head[1] = (masked ? 0x80 : 0) | (lenBytes === 0 ? n : lenBytes === 2 ? 126 : 127);
  const dv = new DataView(head.buffer);
  if (lenBytes === 2) dv.setUint16(2, n);
  else if (lenBytes === 8) dv.setUint32(6, n);
  if (!masked) return concat(head, payload);
  const key = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);
  head.set(key, 2 + lenBytes);
  const body = payload.map((b, i) => b ^ key[i & 3]!);
  return concat(head, body);
}
