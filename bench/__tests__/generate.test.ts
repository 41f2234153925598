import { createDecipheriv, createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, inflateRawSync } from 'node:zlib';
import pcapp from 'pcap-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { lastValueFrom, toArray } from 'rxjs';
import { websocketMessages } from '@netrx/dissector-websocket';
import type { TlsConnectionEvent } from '@netrx/dissector-tls';
import { createPipeline } from '@netrx/pipeline';
import { inetChecksum } from '../../test-support/packets.js';
import { generateCapture } from '../generate.js';
import { VARIANTS, emptyExpected, type Expected } from '../ws-connection.js';

const dir = mkdtempSync(join(tmpdir(), 'netrx-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function readPcap(file: string): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const frames: Buffer[] = [];
    const p = pcapp.parse(file);
    p.on('packet', (pkt: { data: Buffer }) => frames.push(pkt.data));
    p.on('end', () => resolve(frames));
    p.on('error', reject);
  });
}

/** One direction of a connection, rebuilt by sequence number: every byte must be the same each time it is sent. */
interface Half {
  isn: number;
  bytes: number[];
  /** Stream offset up to which bytes arrived without a hole, and whether the FIN came. */
  contiguous: number;
  fin: boolean;
}

function addData(h: Half, off: number, data: Buffer): void {
  for (let i = 0; i < data.length; i++) {
    const had = h.bytes[off + i];
    if (had !== undefined) expect(had).toBe(data[i]);
    h.bytes[off + i] = data[i]!;
  }
  while (h.bytes[h.contiguous] !== undefined) h.contiguous++;
}

/** Independent WebSocket decoding of one direction's reassembled bytes (after the HTTP head). */
function decodeWs(stream: Buffer, expected: Expected, compressed: Buffer[], plain: Buffer[]): void {
  let i = 0;
  let msg: { op: number; rsv1: boolean; parts: Buffer[] } | null = null;
  while (i < stream.length) {
    const b0 = stream[i]!;
    const b1 = stream[i + 1]!;
    let len = b1 & 0x7f;
    let j = i + 2;
    if (len === 126) (len = stream.readUInt16BE(j)), (j += 2);
    else if (len === 127) (len = Number(stream.readBigUInt64BE(j))), (j += 8);
    let payload = stream.subarray(j + (b1 & 0x80 ? 4 : 0), j + (b1 & 0x80 ? 4 : 0) + len);
    if (b1 & 0x80) {
      const key = stream.subarray(j, j + 4);
      payload = Buffer.from(payload.map((x, k) => x ^ key[k & 3]!));
    }
    i = j + (b1 & 0x80 ? 4 : 0) + len;
    const op = b0 & 0x0f;
    if (op === 0) msg!.parts.push(payload);
    else msg = { op, rsv1: (b0 & 0x40) !== 0, parts: [payload] };
    if (!(b0 & 0x80)) continue;
    const body = Buffer.concat(msg!.parts);
    const kind = ({ 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' } as const)[msg!.op as 1 | 2 | 8 | 9 | 10];
    expect(kind).toBeDefined();
    expected[kind]++;
    expected.messages++;
    if (msg!.rsv1) {
      expected.compressed++;
      compressed.push(body, Buffer.from([0, 0, 0xff, 0xff]));
    } else {
      expected.payloadBytes += body.length;
      if (msg!.op === 1) expect(new TextDecoder('utf-8', { fatal: true }).decode(body)).toMatch(/^\{"type":"say"/);
    }
    if (msg!.op <= 2) plain.push(body);
    msg = null;
  }
  expect(i).toBe(stream.length);
}


/** HKDF-Expand-Label with SHA-256 for up to 32 bytes (RFC 8446 §7.1), written out again here. */
function expandLabel(secret: Buffer, label: string, length: number): Buffer {
  const l = Buffer.from(`tls13 ${label}`);
  return createHmac('sha256', secret).update(Buffer.concat([Buffer.from([0, length, l.length]), l, Buffer.from([0, 1])])).digest().subarray(0, length);
}

/**
 * The application data of one direction of a generated TLS 1.3 connection: its records walked,
 * the ClientHello's random looked up in the key log, the handshake records opened with the
 * handshake keys and the rest with the application keys (RFC 8446 §5.2, §7.3). Every protected
 * record must authenticate.
 */
function tlsPlaintext(stream: Buffer, keyLog: Map<string, Map<string, Buffer>>, random: string, c2s: boolean): Buffer {
  const secrets = keyLog.get(random)!;
  expect(secrets, random).toBeDefined();
  const keys = (label: string) => {
    const secret = secrets.get(label)!;
    return { key: expandLabel(secret, 'key', 16), iv: expandLabel(secret, 'iv', 12), seq: 0 };
  };
  let k = keys(c2s ? 'CLIENT_HANDSHAKE_TRAFFIC_SECRET' : 'SERVER_HANDSHAKE_TRAFFIC_SECRET');
  let handshakeDone = false;
  const out: Buffer[] = [];
  for (let at = 0; at < stream.length; ) {
    const type = stream[at]!;
    const length = stream.readUInt16BE(at + 3);
    const fragment = stream.subarray(at + 5, at + 5 + length);
    const header = stream.subarray(at, at + 5);
    at += 5 + length;
    if (type !== 23) continue; // ClientHello, ServerHello, compatibility ChangeCipherSpec
    const nonce = Buffer.from(k.iv);
    nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ k.seq++) >>> 0, 8);
    const d = createDecipheriv('aes-128-gcm', k.key, nonce);
    d.setAAD(header);
    d.setAuthTag(fragment.subarray(length - 16));
    const inner = Buffer.concat([d.update(fragment.subarray(0, length - 16)), d.final()]);
    const innerType = inner[inner.length - 1]!;
    if (!handshakeDone) {
      // The handshake record ends with Finished (type 20): then the application keys.
      expect(innerType).toBe(22);
      handshakeDone = true;
      k = keys(c2s ? 'CLIENT_TRAFFIC_SECRET_0' : 'SERVER_TRAFFIC_SECRET_0');
      continue;
    }
    expect(innerType).toBe(23);
    out.push(inner.subarray(0, inner.length - 1));
  }
  return Buffer.concat(out);
}

describe('generateCapture', () => {
  for (const variant of VARIANTS) {
    it(`${variant}: valid frames, honest ACKs, and exactly the messages it counted`, async () => {
      const meta = generateCapture({ packets: 3000, variant, connections: 6, concurrency: 3, seed: 11 }, join(dir, `${variant}.pcap`));
      const frames = await readPcap(meta.file);
      expect(frames.length).toBe(meta.packets);
      const halves = new Map<string, Half>();
      for (const f of frames) {
        expect(f.readUInt16BE(12)).toBe(0x0800);
        const ip = f.subarray(14, 34);
        expect(inetChecksum(ip)).toBe(0);
        const seg = f.subarray(34);
        const pseudo = Buffer.alloc(12);
        ip.copy(pseudo, 0, 12, 20);
        pseudo[9] = 6;
        pseudo.writeUInt16BE(seg.length, 10);
        expect(inetChecksum(pseudo, seg)).toBe(0);
        const key = `${ip.readUInt32BE(12)}:${seg.readUInt16BE(0)}>${ip.readUInt32BE(16)}:${seg.readUInt16BE(2)}`;
        const back = `${ip.readUInt32BE(16)}:${seg.readUInt16BE(2)}>${ip.readUInt32BE(12)}:${seg.readUInt16BE(0)}`;
        const flags = seg[13]!;
        const seq = seg.readUInt32BE(4);
        if (flags & 0x02) {
          halves.set(key, { isn: seq, bytes: [], contiguous: 0, fin: false });
          continue;
        }
        const h = halves.get(key)!;
        const off = (seq - h.isn - 1) >>> 0;
        const data = seg.subarray(20);
        if (data.length) addData(h, off, data);
        if (flags & 0x01) h.fin = true;
        if (flags & 0x10) {
          // Never acknowledge what the other side has not (visibly) received.
          const o = halves.get(back)!;
          const acked = (seg.readUInt32BE(8) - o.isn - 1) >>> 0;
          expect(acked).toBeLessThanOrEqual(o.contiguous + (o.fin ? 1 : 0));
        }
      }
      const seen = emptyExpected();
      const tls = variant === 'tls';
      const keyLog = new Map<string, Map<string, Buffer>>();
      if (tls) {
        for (const line of readFileSync(meta.keyLog!, 'utf8').split('\n').filter(Boolean)) {
          const [label, random, secret] = line.split(' ');
          if (!keyLog.has(random!)) keyLog.set(random!, new Map());
          keyLog.get(random!)!.set(label!, Buffer.from(secret!, 'hex'));
        }
        expect(keyLog.size).toBe(meta.connections);
      }
      for (const [key, h] of halves) {
        expect(h.bytes.length).toBe(h.contiguous);
        expect(h.fin).toBe(true);
        const wire = Buffer.from(h.bytes);
        const c2s = key.includes(tls ? '>167772161:443' : '>167772161:7272');
        if (c2s) seen.c2sBytes += wire.length;
        else seen.s2cBytes += wire.length;
        // TLS: the client random is in the ClientHello (record 5 + handshake 4 + version 2 bytes in).
        const clientHello = c2s ? wire : Buffer.from(halves.get(key.split('>').reverse().join('>'))!.bytes);
        const stream = tls ? tlsPlaintext(wire, keyLog, clientHello.subarray(11, 43).toString('hex'), c2s) : wire;
        const head = stream.indexOf('\r\n\r\n') + 4;
        const http = stream.subarray(0, head).toString();
        if (c2s) {
          const wsKey = /Sec-WebSocket-Key: (\S+)/.exec(http)![1]!;
          const back = Buffer.from(halves.get(key.split('>').reverse().join('>'))!.bytes);
          const accept = /Sec-WebSocket-Accept: (\S+)/.exec((tls ? tlsPlaintext(back, keyLog, wire.subarray(11, 43).toString('hex'), false) : back).toString())![1];
          expect(accept).toBe(createHash('sha1').update(wsKey + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64'));
        }
        const compressed: Buffer[] = [];
        const plain: Buffer[] = [];
        decodeWs(stream.subarray(head), seen, compressed, plain);
        if (compressed.length) {
          // Context takeover: one inflater over the direction's messages, in order.
          const inflated = inflateRawSync(Buffer.concat(compressed), { finishFlush: constants.Z_SYNC_FLUSH });
          seen.payloadBytes += inflated.length;
        }
      }
      const e = meta.expected;
      expect(halves.size).toBe(2 * meta.connections);
      expect({ ...seen, retransmitted: 0, reordered: 0, fragmentedMessages: 0 }).toEqual({ ...e, retransmitted: 0, reordered: 0, fragmentedMessages: 0 });
      if (variant === 'reorder') {
        expect(e.retransmitted).toBeGreaterThan(0);
        expect(e.reordered).toBeGreaterThan(0);
      }
      if (variant === 'deflate') expect(e.compressed).toBe(e.text + e.binary);
    });
  }

  it('tls: netrx decrypts every connection with the key log beside the capture and reads every message it counted', async () => {
    const meta = generateCapture({ packets: 4000, variant: 'tls', connections: 8, concurrency: 4, seed: 3 }, join(dir, 'tls-netrx.pcap'));
    const pipeline = createPipeline({ file: meta.file, keylog: meta.keyLog });
    const events = await lastValueFrom(pipeline.capture().pipe(toArray()));
    const tls = events.filter((e): e is TlsConnectionEvent => e.type === 'tls.connection');
    expect(tls.map((e) => [e.decrypted, e.version, e.suite, e.sni, e.alpn])).toEqual(Array(8).fill([true, 'TLSv1.3', 'TLS_AES_128_GCM_SHA256', 'chat.example', 'http/1.1']));
    expect(tls.every((e) => e.warningCount === 0)).toBe(true);
    const messages = await lastValueFrom(pipeline.capture().pipe(websocketMessages(), toArray()));
    const e = meta.expected;
    const count = (k: string) => messages.filter((m) => m.kind === k && m.undecodable === undefined).length;
    expect({ messages: messages.length, text: count('text'), binary: count('binary'), ping: count('ping'), pong: count('pong'), close: count('close') }).toEqual({
      messages: e.messages,
      text: e.text,
      binary: e.binary,
      ping: e.ping,
      pong: e.pong,
      close: e.close,
    });
    expect(messages.reduce((n, m) => n + m.payload.length, 0)).toBe(e.payloadBytes);
    expect(messages.every((m) => m.connection.via?.['tls'] !== undefined && m.warnings.length === 0)).toBe(true);
  });

  it('is deterministic: the same options give the same capture', async () => {
    const a = generateCapture({ packets: 1000, variant: 'deflate', seed: 5 }, join(dir, 'a.pcap'));
    const b = generateCapture({ packets: 1000, variant: 'deflate', seed: 5 }, join(dir, 'b.pcap'));
    expect(Buffer.concat(await readPcap(a.file))).toEqual(Buffer.concat(await readPcap(b.file)));
  });
});
