import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { LinkType } from '@netrx/core';
import { acceptKey } from '@netrx/dissector-websocket';
import { corpusCaptures, corpusDir, noteIfCorpusMissing } from '../../../../test-support/corpus.js';
import { concat, ethernet, ipv4, ipv6, pcapFile, tcp, TcpFlags, type PcapRecord } from '../../../../test-support/packets.js';
import { run } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'netrx-ws-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = 1_700_000_000_000_000_000n;
let clock = 0n;
const seqs = new Map<string, number>();

/** The next segment of `src:sport → dst:dport`, its sequence number carried on per direction. */
function seg(src: string, sport: number, dst: string, dport: number, payload: Uint8Array | string, flags = TcpFlags.ACK | TcpFlags.PSH): PcapRecord {
  const key = `${src}:${sport}`;
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
  const seq = seqs.get(key) ?? 1000;
  seqs.set(key, seq + bytes.length + (flags & (TcpFlags.SYN | TcpFlags.FIN) ? 1 : 0));
  const t = tcp(bytes, { srcPort: sport, dstPort: dport, seq, flags }, src, dst);
  clock += 1_000_000n;
  return { ts: T0 + clock, data: src.includes(':') ? ethernet(ipv6(t, { src, dst }), 0x86dd) : ethernet(ipv4(t, { src, dst })) };
}

/** One frame; masked with `mask` when given (RFC 6455 §5.2-5.3). */
function frame(opcode: number, payload: Uint8Array | string, o: { mask?: number; rsv1?: boolean; fin?: boolean } = {}): Uint8Array {
  const p = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const head = [((o.fin ?? true) ? 0x80 : 0) | (o.rsv1 ? 0x40 : 0) | opcode];
  const m = o.mask;
  if (p.length < 126) head.push((m !== undefined ? 0x80 : 0) | p.length);
  else head.push((m !== undefined ? 0x80 : 0) | 126, p.length >> 8, p.length & 0xff);
  const key = m === undefined ? [] : [m >>> 24, (m >>> 16) & 0xff, (m >>> 8) & 0xff, m & 0xff];
  return concat(Uint8Array.from([...head, ...key]), Uint8Array.from(p, (b, i) => (m === undefined ? b : b ^ key[i & 3]!)));
}

const deflated = (s: string) => {
  const c = zlib.deflateRawSync(Buffer.from(s), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return new Uint8Array(c.subarray(0, c.length - 4));
};

const C = '127.0.0.1';
const S = '127.0.0.2';
const KEY = 'x3JJHMbDL1EzLkh9GBhXDw==';
const say = deflated('{"type":"say","content":"hi, all ！"}');
const hello = frame(1, say, { mask: 0x37fa213d, rsv1: true });
const long = 'y'.repeat(300);
const records: PcapRecord[] = [
  seg(C, 60653, S, 7272, '', TcpFlags.SYN),
  seg(S, 7272, C, 60653, '', TcpFlags.SYN | TcpFlags.ACK),
  seg(C, 60653, S, 7272, `GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n`),
  // The 101 and the server's first frame share a segment.
  seg(S, 7272, C, 60653, concat(Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(KEY)}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n`), frame(1, 'welcome'))),
  // A compressed, masked client message split across two segments.
  seg(C, 60653, S, 7272, hello.subarray(0, 7)),
  seg(C, 60653, S, 7272, hello.subarray(7)),
  seg(S, 7272, C, 60653, frame(2, Uint8Array.of(0xde, 0xad, 0xbe, 0xef))),
  seg(S, 7272, C, 60653, frame(1, long)),
  seg(C, 60653, S, 7272, frame(8, concat(Uint8Array.of(0x03, 0xe8), Buffer.from('bye')), { mask: 0x01020304 })),
  // A second connection over IPv6, picked up midstream: found by the frame heuristic.
  seg('::1', 51000, '::1', 7320, frame(1, 'midstream hello', { mask: 0x0badf00d })),
  seg('::1', 7320, '::1', 51000, frame(9, 'ping!')),
  seg('::1', 51000, '::1', 7320, frame(1, 'and more', { mask: 0x0badf00d })),
];
const file = join(dir, 'ws.pcap');
writeFileSync(file, pcapFile(LinkType.ETHERNET, records));


/** The timestamp of the n-th record (one per millisecond). */
const ts = (n: number) => `1700000000.${String(n).padStart(3, '0')}000000`;
/** The same instant as text output shows it: UTC time of day (1700000000 is 22:13:20). */
const timeOfDay = (n: number) => `22:13:20.${String(n).padStart(3, '0')}000000`;

describe('netrx ws', () => {
  it('writes the JSON contract, one message a line, in order', async () => {
    const { status, out, err } = await run('ws', '-r', file, '--format', 'jsonl');
    // The 7 bytes of WARN_WS_UNPARSED below: no message shows them.
    expect(err).toBe('netrx ws: dropped: 7 bytes skipped by resynchronisation\n');
    expect(status).toBe(0);
    const lines = out.trim().split('\n');
    const a = { stream: 0, client: '127.0.0.1:60653', server: '127.0.0.2:7272' };
    const b = { stream: 1, client: '[::1]:51000', server: '[::1]:7320' };
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { ts: ts(4), ...a, dir: 's2c', type: 'text', length: 7, text: 'welcome', compressed: false, frames: 1 },
      { ts: ts(6), ...a, dir: 'c2s', type: 'text', length: 38, text: '{"type":"say","content":"hi, all ！"}', compressed: true, frames: 1 },
      { ts: ts(7), ...a, dir: 's2c', type: 'binary', length: 4, hex: 'deadbeef', compressed: false, frames: 1 },
      { ts: ts(8), ...a, dir: 's2c', type: 'text', length: 300, text: long, compressed: false, frames: 1 },
      { ts: ts(9), ...a, dir: 'c2s', type: 'close', length: 5, hex: '03e8627965', code: 1000, reason: 'bye', compressed: false, frames: 1 },
      { ts: ts(10), ...b, dir: 'c2s', type: 'text', length: 15, text: 'midstream hello', compressed: false, frames: 1 },
      { ts: ts(12), ...b, dir: 'c2s', type: 'text', length: 8, text: 'and more', compressed: false, frames: 1 },
      // Midstream, a lone ping proves nothing about where frames start: it is not shown, and the
      // bytes searched in vain are a record of their own rather than lost.
      { ts: ts(12), ...b, dir: 's2c', type: 'warning', warnings: [{ code: 'WARN_WS_UNPARSED', message: '7 bytes were searched for frames and none was proven: no message is shown for them' }] },
    ]);
    // Field order is part of the contract.
    expect(Object.keys(JSON.parse(lines[4]!))).toEqual(['ts', 'stream', 'client', 'server', 'dir', 'type', 'length', 'hex', 'code', 'reason', 'compressed', 'frames']);
  });

  it('writes one line per message for people, shortening long payloads unless --full', async () => {
    const short = (await run('ws', '-r', file)).out.trim().split('\n');
    expect(short).toHaveLength(8);
    expect(short[7]).toBe(`${timeOfDay(12)} #1 [::1]:51000 ← [::1]:7320 warning [WARN_WS_UNPARSED] 7 bytes were searched for frames and none was proven: no message is shown for them`);
    expect(short[1]).toBe(`${timeOfDay(6)} #0 127.0.0.1:60653 → 127.0.0.2:7272 text 38B [deflate] {"type":"say","content":"hi, all ！"}`);
    expect(short[2]).toContain('← 127.0.0.2:7272 binary 4B deadbeef');
    expect(short[3]).toContain(`${'y'.repeat(120)}… (300 chars)`);
    expect(short[4]).toContain('close 5B 1000 bye');
    const full = (await run('ws', '-r', file, '--full')).out.trim().split('\n');
    expect(full[3]!.endsWith(` ${long}`)).toBe(true);
  });

  it('writes a finding no message took as a record of its own: a wrong Sec-WebSocket-Accept and no message after it', async () => {
    const upgradeOnly = join(dir, 'accept.pcap');
    writeFileSync(
      upgradeOnly,
      pcapFile(LinkType.ETHERNET, [
        seg(C, 40100, S, 7373, '', TcpFlags.SYN),
        seg(S, 7373, C, 40100, '', TcpFlags.SYN | TcpFlags.ACK),
        seg(C, 40100, S, 7373, `GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`),
        seg(S, 7373, C, 40100, `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bm90IHRoZSByaWdodCBrZXk=\r\n\r\n`),
        seg(C, 40100, S, 7373, '', TcpFlags.FIN | TcpFlags.ACK),
        seg(S, 7373, C, 40100, '', TcpFlags.FIN | TcpFlags.ACK),
      ]),
    );
    const { status, out } = await run('ws', '-r', upgradeOnly, '--format', 'jsonl');
    expect(status).toBe(0);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ client: '127.0.0.1:40100', server: '127.0.0.2:7373', type: 'warning', warnings: [{ code: 'WARN_WS_ACCEPT_MISMATCH' }] });
    expect((await run('ws', '-r', upgradeOnly)).out).toMatch(/warning \[WARN_WS_ACCEPT_MISMATCH\]/);
  });

  it('says what is wrong with a bad decode-as rule or a missing file', async () => {
    expect((await run('ws', '-r', file, '--decode-as', 'tcp.port==7272,nosuch')).status).toBe(1);
    const missing = await run('ws', '-r', join(dir, 'nope.pcap'));
    expect(missing.status).toBe(1);
    expect(missing.err).toMatch(/nope\.pcap/);
  });
});

noteIfCorpusMissing('netrx ws corpus scoring');
const checker = corpusDir ? join(corpusDir, '../tools/ws-truth-check') : '';
const python = (() => {
  try {
    execFileSync('python3', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!corpusDir || !existsSync(checker) || !python)('netrx ws on the corpus, scored by ws-truth-check', () => {
  for (const capture of corpusCaptures()) {
    it(basename(capture), async () => {
      const { status, out } = await run('ws', '-r', capture, '--format', 'jsonl');
      expect(status).toBe(0);
      const mine = join(dir, basename(capture) + '.jsonl');
      writeFileSync(mine, out);
      // The checker exits non-zero (and execFileSync throws) when a message is wrong or missing.
      const verdict = execFileSync(checker, [capture, mine], { encoding: 'utf8' });
      expect(verdict).toMatch(/wrong 0 missing 0 undecodable 0 unparsable-lines 0/);
    });
  }
});
