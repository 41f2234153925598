// Test helpers for the live-capture tests: a real `ws` session on loopback, and an independent
// (deliberately minimal) TCP reassembly of captured Ethernet/IPv4 frames to check that every
// byte the sockets wrote was captured.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { CapturedFrame } from '@netrx/core';

/** A message as an application sent or received it (the fields the tests compare). */
export interface SentMessage {
  readonly dir: 'c2s' | 's2c';
  readonly type: 'text' | 'binary' | 'close';
  readonly payload: Buffer;
  readonly code?: number;
  readonly reason?: string;
  /** Frames it was sent in (1 unless the session fragmented it). */
  readonly frames: number;
}

/** What the session did: endpoints, messages in order per direction, bytes per direction. */
export interface SessionRecord {
  readonly serverPort: number;
  readonly clientPort: number;
  readonly messages: SentMessage[];
  /** Bytes the client socket wrote (request + frames) and read (101 response + frames). */
  readonly c2sBytes: number;
  readonly s2cBytes: number;
}

const once = <T>(emitter: { once(ev: string, fn: (...a: any[]) => void): unknown }, ev: string, ms = 10_000): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${ev}`)), ms);
    emitter.once(ev, (v: T) => {
      clearTimeout(t);
      resolve(v);
    });
  });

/**
 * A `ws` server and client with permessage-deflate (threshold 0: everything compressed) exchange
 * text (`hi, all ！`), binary, a 3-frame fragmented text, a large (> 64 KiB) incompressible
 * binary, a large compressible text, and close 1000 'bye'. The server echoes every message.
 */
export async function runWsSession(port = 0): Promise<SessionRecord> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: { threshold: 0 } });
  await once(wss, 'listening');
  const serverPort = (wss.address() as AddressInfo).port;
  wss.on('connection', (ws) => {
    ws.on('message', (data: Buffer, isBinary) => ws.send(data, { binary: isBinary }));
  });
  const client = new WebSocket(`ws://127.0.0.1:${serverPort}/chat`, { perMessageDeflate: { threshold: 0 } });
  await once(client, 'open');
  const messages: SentMessage[] = [];
  const received: Buffer[] = [];
  client.on('message', (data: Buffer, isBinary) => {
    received.push(data);
    messages.push({ dir: 's2c', type: isBinary ? 'binary' : 'text', payload: data, frames: 1 });
  });
  const echo = async (payload: Buffer, binary: boolean, fragments = 1): Promise<void> => {
    const before = received.length;
    messages.push({ dir: 'c2s', type: binary ? 'binary' : 'text', payload, frames: fragments });
    const step = Math.ceil(payload.length / fragments);
    for (let i = 0; i < fragments; i++) client.send(payload.subarray(i * step, (i + 1) * step), { binary, fin: i === fragments - 1 });
    const deadline = Date.now() + 10_000;
    while (received.length === before) {
      if (Date.now() > deadline) throw new Error('no echo');
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  await echo(Buffer.from('hi, all ！'), false);
  await echo(Buffer.from(Array.from({ length: 256 }, (_, i) => i)), true);
  await echo(Buffer.from('a text in three frames, split inside ！ a character'), false, 3);
  await echo(randomBytes(100 * 1024), true);
  await echo(Buffer.from('large and compressible '.repeat(4000)), false);
  const clientPort = (client as unknown as { _socket: { localPort: number } })._socket.localPort;
  const socket = (client as unknown as { _socket: { bytesWritten: number; bytesRead: number } })._socket;
  messages.push({ dir: 'c2s', type: 'close', payload: Buffer.alloc(0), code: 1000, reason: 'bye', frames: 1 });
  client.close(1000, 'bye');
  const [code, reason] = await new Promise<[number, Buffer]>((resolve) => client.once('close', (c: number, r: Buffer) => resolve([c, r])));
  messages.push({ dir: 's2c', type: 'close', payload: Buffer.alloc(0), code, reason: reason.toString(), frames: 1 });
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  return { serverPort, clientPort, messages, c2sBytes: socket.bytesWritten, s2cBytes: socket.bytesRead };
}

/** One direction of a TCP connection rebuilt from captured segments. */
export interface RebuiltStream {
  readonly bytes: Buffer;
  /** Bytes between segments that were never captured. */
  readonly holes: number;
  readonly sawSyn: boolean;
  readonly sawFin: boolean;
}

/**
 * Rebuilds both directions of the TCP connection between `clientPort` and `serverPort` from
 * Ethernet/IPv4 (or Linux SLL/SLL2) frames: segments placed by sequence number from the SYN,
 * retransmitted copies ignored.
 */
export function rebuildTcp(frames: readonly CapturedFrame[], clientPort: number, serverPort: number): { c2s: RebuiltStream; s2c: RebuiltStream } {
  const dirs = { c2s: new Map<number, Buffer>(), s2c: new Map<number, Buffer>() };
  const isn: Record<'c2s' | 's2c', number | undefined> = { c2s: undefined, s2c: undefined };
  const fin = { c2s: false, s2c: false };
  for (const f of frames) {
    const d = Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength);
    const ipOff = f.linkType === 1 ? 14 : f.linkType === 113 ? 16 : f.linkType === 276 ? 20 : -1;
    if (ipOff < 0 || d.length < ipOff + 20 || d[ipOff]! >> 4 !== 4 || d[ipOff + 9] !== 6) continue;
    const ihl = (d[ipOff]! & 15) * 4;
    const total = d.readUInt16BE(ipOff + 2);
    const t = ipOff + ihl;
    const sport = d.readUInt16BE(t);
    const dport = d.readUInt16BE(t + 2);
    const dir = sport === clientPort && dport === serverPort ? 'c2s' : sport === serverPort && dport === clientPort ? 's2c' : undefined;
    if (!dir) continue;
    const seq = d.readUInt32BE(t + 4);
    const flags = d[t + 13]!;
    const payload = d.subarray(t + (d[t + 12]! >> 4) * 4, ipOff + total);
    if (flags & 0x02) isn[dir] = seq;
    if (flags & 0x01) fin[dir] = true;
    if (payload.length > 0 && !dirs[dir].has(seq)) dirs[dir].set(seq, Buffer.from(payload));
  }
  const rebuild = (dir: 'c2s' | 's2c'): RebuiltStream => {
    const start = isn[dir];
    if (start === undefined) return { bytes: Buffer.alloc(0), holes: -1, sawSyn: false, sawFin: fin[dir] };
    // Relative offsets (sequence numbers wrap at 2^32).
    const segs = [...dirs[dir]].map(([seq, p]) => [(seq - start - 1) >>> 0, p] as const).sort((a, b) => a[0] - b[0]);
    const out: Buffer[] = [];
    let next = 0;
    let holes = 0;
    for (const [off, p] of segs) {
      if (off + p.length <= next) continue;
      if (off > next) holes += off - next;
      out.push(p.subarray(Math.max(0, next - off)));
      next = off + p.length;
    }
    return { bytes: Buffer.concat(out), holes, sawSyn: true, sawFin: fin[dir] };
  };
  return { c2s: rebuild('c2s'), s2c: rebuild('s2c') };
}
