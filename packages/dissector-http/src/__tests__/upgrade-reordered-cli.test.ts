/**
 * End to end: a capture in which the server's `101 Switching Protocols` was captured before the
 * client's upgrade request (the capture point saw the two directions out of order), and a client
 * segment that follows the request was captured before both. `netrx ws` must show every message.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { LinkType } from '@netrx/core';
import { main } from '@netrx/cli';
import { acceptKey } from '@netrx/dissector-websocket';
import { concat, ethernet, ipv4, pcapFile, tcp, TcpFlags, type PcapRecord } from '../../../../test-support/packets.js';

const dir = mkdtempSync(join(tmpdir(), 'netrx-http-reordered-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = 1_700_000_000_000_000_000n;
const C = '10.1.0.8';
const S = '10.0.0.1';
const CP = 32776;
const SP = 7272;
const KEY = 'H3LpzykYy3KULwJLcKXzcg==';

/** One frame, masked with `mask` when given (RFC 6455 §5.2-5.3). */
function frame(opcode: number, payload: string, mask?: number): Uint8Array {
  const p = Buffer.from(payload);
  const key = mask === undefined ? [] : [mask >>> 24, (mask >>> 16) & 0xff, (mask >>> 8) & 0xff, mask & 0xff];
  const head = [0x80 | opcode, (mask !== undefined ? 0x80 : 0) | p.length];
  return Uint8Array.from([...head, ...key, ...Uint8Array.from(p, (b, i) => (mask === undefined ? b : b ^ key[i & 3]!))]);
}

const REQUEST = `GET /chat HTTP/1.1\r\nHost: ${S}:${SP}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
const SWITCH = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(KEY)}\r\n\r\n`;
const ISN_C = 1000;
const ISN_S = 5000;

/** A segment at an explicit sequence number (the capture order below is not the sequence order). */
function seg(n: number, fromClient: boolean, seq: number, payload: Uint8Array | string, flags = TcpFlags.ACK | TcpFlags.PSH): PcapRecord {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
  const [src, dst, sport, dport] = fromClient ? [C, S, CP, SP] : [S, C, SP, CP];
  return { ts: T0 + BigInt(n) * 1_000_000n, data: ethernet(ipv4(tcp(bytes, { srcPort: sport, dstPort: dport, seq, flags }, src, dst), { src, dst })) };
}

const c1 = concat(frame(1, 'first from client', 0x11223344), frame(1, 'second from client', 0x55667788));
const s1 = frame(1, 'welcome');
const c2 = frame(1, 'third from client', 0x0a0b0c0d);
const s2 = frame(1, 'last from server');
const cClose = concat(Uint8Array.of(0x88, 0x82, 0, 0, 0, 0), Uint8Array.of(0x03, 0xe8));
const c = (off: number) => ISN_C + 1 + off;
const s = (off: number) => ISN_S + 1 + off;
const records: PcapRecord[] = [
  seg(1, true, ISN_C, '', TcpFlags.SYN),
  seg(2, false, ISN_S, '', TcpFlags.SYN | TcpFlags.ACK),
  seg(3, true, c(0), '', TcpFlags.ACK),
  // Captured first: client frames that come after the request in the client's stream.
  seg(4, true, c(REQUEST.length), c1),
  // The 101 with the server's first frame, before the request it answers.
  seg(5, false, s(0), concat(Buffer.from(SWITCH, 'latin1'), s1)),
  // The request, last of the three.
  seg(6, true, c(0), REQUEST),
  seg(7, true, c(REQUEST.length + c1.length), c2),
  seg(8, false, s(SWITCH.length + s1.length), s2),
  seg(9, true, c(REQUEST.length + c1.length + c2.length), cClose),
  seg(10, true, c(REQUEST.length + c1.length + c2.length + cClose.length), '', TcpFlags.FIN | TcpFlags.ACK),
  seg(11, false, s(SWITCH.length + s1.length + s2.length), '', TcpFlags.FIN | TcpFlags.ACK),
];
const file = join(dir, 'reordered.pcap');
writeFileSync(file, pcapFile(LinkType.ETHERNET, records));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (write: (t: string) => void) => new Writable({ write: (chunk, _e, cb) => (write(String(chunk)), cb()) });
  const code = await main(args, { stdout: sink((t) => (out += t)), stderr: sink((t) => (err += t)) });
  return { code, out, err };
}

describe('netrx ws on a capture where the 101 comes before its request', () => {
  it('shows every message of the connection, in each direction in order', async () => {
    const { code, out, err } = await run(['ws', '-r', file, '--format', 'jsonl']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const msgs = out.trim().split('\n').map((l) => JSON.parse(l));
    const who = { stream: 0, client: `${C}:${CP}`, server: `${S}:${SP}` };
    const ts = (n: number) => `1700000000.${String(n).padStart(3, '0')}000000`;
    const text = (n: number, dir: string, t: string) => ({ ts: ts(n), ...who, dir, type: 'text', length: Buffer.byteLength(t), text: t, compressed: false, frames: 1 });
    // The switch is made when the request arrives (frame 6): the server's frame held since the 101
    // goes first; the client segment captured early is delivered next, with its own time.
    expect(msgs).toEqual([
      text(6, 's2c', 'welcome'),
      text(4, 'c2s', 'first from client'),
      text(4, 'c2s', 'second from client'),
      text(7, 'c2s', 'third from client'),
      text(8, 's2c', 'last from server'),
      { ts: ts(9), ...who, dir: 'c2s', type: 'close', length: 2, hex: '03e8', code: 1000, reason: '', compressed: false, frames: 1 },
    ]);
  });

  it('netrx http pairs the 101 with the request that came after it, without warnings', async () => {
    const { code, out, err } = await run(['http', '-r', file, '--format', 'jsonl']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const msgs = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(msgs.map((m) => [m.dir, m.method ?? m.status, m.warnings])).toEqual([
      ['c2s', 'GET', undefined],
      ['s2c', 101, undefined],
    ]);
  });
});
