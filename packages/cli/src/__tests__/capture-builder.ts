// Small captures for the command tests, built from the project's packet builders: TCP segments
// with their sequence numbers carried on per direction, WebSocket frames, a handshake.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { LinkType } from '@netrx/core';
import { acceptKey } from '@netrx/dissector-websocket';
import { concat, ethernet, ipv4, ipv6, pcapFile, tcp, TcpFlags, type PcapRecord } from '../../../../test-support/packets.js';

export { TcpFlags };

/** 1700000000 s: 22:13:20 UTC on 2023-11-14. */
export const T0 = 1_700_000_000_000_000_000n;

/** Builds one capture: segments one millisecond apart. */
export class CaptureBuilder {
  readonly records: PcapRecord[] = [];
  private clock = 0n;
  private readonly seqs = new Map<string, number>();

  /** The next segment of `src:sport → dst:dport`. */
  seg(src: string, sport: number, dst: string, dport: number, payload: Uint8Array | string = '', flags = TcpFlags.ACK | TcpFlags.PSH): this {
    const key = `${src}:${sport}`;
    const bytes = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
    const seq = this.seqs.get(key) ?? 1000;
    this.seqs.set(key, seq + bytes.length + (flags & (TcpFlags.SYN | TcpFlags.FIN) ? 1 : 0));
    const t = tcp(bytes, { srcPort: sport, dstPort: dport, seq, flags }, src, dst);
    this.clock += 1_000_000n;
    this.records.push({ ts: T0 + this.clock, data: src.includes(':') ? ethernet(ipv6(t, { src, dst }), 0x86dd) : ethernet(ipv4(t, { src, dst })) });
    return this;
  }

  /** A TCP handshake, then an HTTP upgrade to WebSocket (with permessage-deflate when `deflate`). */
  websocket(c: string, cport: number, s: string, sport: number, deflate = false): this {
    const key = 'x3JJHMbDL1EzLkh9GBhXDw==';
    const ext = deflate ? 'Sec-WebSocket-Extensions: permessage-deflate\r\n' : '';
    return this.seg(c, cport, s, sport, '', TcpFlags.SYN)
      .seg(s, sport, c, cport, '', TcpFlags.SYN | TcpFlags.ACK)
      .seg(c, cport, s, sport, `GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${ext}\r\n`)
      .seg(s, sport, c, cport, `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n${ext}\r\n`);
  }

  /** The capture as a pcap file in `dir`. */
  write(dir: string, name: string): string {
    const path = join(dir, name);
    writeFileSync(path, pcapFile(LinkType.ETHERNET, this.records));
    return path;
  }
}

/** One WebSocket frame; masked with `mask` when given (RFC 6455 §5.2-5.3). */
export function frame(opcode: number, payload: Uint8Array | string, o: { mask?: number; rsv1?: boolean; fin?: boolean } = {}): Uint8Array {
  const p = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const head = [((o.fin ?? true) ? 0x80 : 0) | (o.rsv1 ? 0x40 : 0) | opcode];
  const m = o.mask;
  if (p.length < 126) head.push((m !== undefined ? 0x80 : 0) | p.length);
  else head.push((m !== undefined ? 0x80 : 0) | 126, p.length >> 8, p.length & 0xff);
  const key = m === undefined ? [] : [m >>> 24, (m >>> 16) & 0xff, (m >>> 8) & 0xff, m & 0xff];
  return concat(Uint8Array.from([...head, ...key]), Uint8Array.from(p, (b, i) => (m === undefined ? b : b ^ key[i & 3]!)));
}

/** `s` deflated as one permessage-deflate message (RFC 7692 §7.2.1: the 00 00 ff ff tail removed). */
export function deflated(s: string): Uint8Array {
  const c = zlib.deflateRawSync(Buffer.from(s), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return new Uint8Array(c.subarray(0, c.length - 4));
}

/** A temporary folder, and its removal. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
