// A small WebSocket frame encoder and drivers for the tests: frames are built here, by rule, so a
// test's bytes can be read off the call that made them.
import { concatBytes, corePlugin, createRegistry, type AppEvent, type Connection, type MemoryBudget, type Registry, type StreamContext } from '@netrx/core';
import { tcpPlugin } from '@netrx/dissector-tcp';
import { httpPlugin, type HttpHeader, type HttpUpgrade } from '@netrx/dissector-http';
import { createWebSocketPlugin } from '../websocket-plugin.js';
import type { WebSocketFrame, WebSocketMessage, WebSocketOptions } from '../types.js';
import { WebSocketStreamDissector } from '../websocket-dissector.js';
import type { FrameSink, ParsedFrame } from '../websocket-frame-parser.js';
import type { Diagnostic } from '@netrx/core';
import { POISON, withPoisonedChunk } from '../../../../test-support/poison.js';

// The shared poisoning helper, under the names this package's tests use.
export { POISON, withPoisonedChunk };

export interface FrameSpec {
  opcode: number;
  payload?: Uint8Array | string;
  fin?: boolean;
  rsv?: number;
  /** Masking key; undefined: not masked. */
  mask?: number;
  /** Force a length encoding (7, 16 or 64 bits) instead of the shortest. */
  lengthBits?: 7 | 16 | 64;
}

export const bytes = (s: string | Uint8Array): Uint8Array => (typeof s === 'string' ? new TextEncoder().encode(s) : s);

/** Encodes one frame (RFC 6455 §5.2), masking the payload when a key is given. */
export function encodeFrame(f: FrameSpec): Uint8Array {
  const payload = bytes(f.payload ?? new Uint8Array(0));
  const n = payload.length;
  const bits = f.lengthBits ?? (n < 126 ? 7 : n < 0x10000 ? 16 : 64);
  const ext = bits === 7 ? 0 : bits === 16 ? 2 : 8;
  const masked = f.mask !== undefined;
  const out = new Uint8Array(2 + ext + (masked ? 4 : 0) + n);
  out[0] = ((f.fin ?? true) ? 0x80 : 0) | ((f.rsv ?? 0) << 4) | f.opcode;
  out[1] = (masked ? 0x80 : 0) | (bits === 7 ? n : bits === 16 ? 126 : 127);
  const dv = new DataView(out.buffer);
  if (bits === 16) dv.setUint16(2, n);
  if (bits === 64) dv.setBigUint64(2, BigInt(n));
  let p = 2 + ext;
  if (masked) {
    dv.setUint32(p, f.mask! >>> 0);
    p += 4;
  }
  const key = [(f.mask! >>> 24) & 0xff, (f.mask! >>> 16) & 0xff, (f.mask! >>> 8) & 0xff, f.mask! & 0xff];
  for (let i = 0; i < n; i++) out[p + i] = masked ? payload[i]! ^ key[i & 3]! : payload[i]!;
  return out;
}

/** The parts joined (the one part itself when there is one). */
/** A masking key for frame `i` of a test: distinct, spread like a peer's random keys (RFC 6455 §5.3). */
export const keyOf = (i: number): number => (Math.imul(i + 1, 0x9e3779b1) ^ 0x5bd1e995) >>> 0;

/**
 * `n` text frames of a chat, as a peer sends them (masked with keys from {@link keyOf} when
 * `masked`): enough evidence for a resynchronisation to believe them.
 */
export function chatFrames(n: number, masked: boolean, prefix = 'chat'): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => encodeFrame({ opcode: 1, payload: `${prefix} message ${i}: how are you today?`, mask: masked ? keyOf(i + 100) : undefined }));
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(parts);
}

/** `parser.write(chunk, ts, frame)`, with the chunk poisoned after the call (test-support's `withPoisonedChunk`). */
export function writePoisoned(parser: { write(chunk: Uint8Array, ts: bigint, frame: number): void }, chunk: Uint8Array, ts: bigint, frame: number): void {
  withPoisonedChunk(chunk, (view) => parser.write(view, ts, frame));
}

/** A sink that keeps copies of what the parser delivers. */
export class CollectSink implements FrameSink {
  frames: (ParsedFrame & { copy: Uint8Array })[] = [];
  lost: Diagnostic[] = [];
  resyncs: number[] = [];
  onFrame(f: ParsedFrame): void {
    this.frames.push({ ...f, copy: Uint8Array.from(f.payload) });
  }
  onLostSync(d: Diagnostic): void {
    this.lost.push(d);
  }
  onResync(skipped: number): void {
    this.resyncs.push(skipped);
  }
}

export const connection: Connection = {
  id: 0,
  family: 4,
  client: { address: '10.0.0.1', port: 50000 },
  server: { address: '10.0.0.2', port: 7272 },
  clientBy: 'syn',
};

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='; // RFC 6455 §1.3's example

/** The `init` the HTTP dissector passes on a committed upgrade, with these response headers. */
/** The same connection picked up midstream: no SYN, roles guessed by port. */
export const midstream: Connection = { ...connection, clientBy: 'port' };

export function upgrade(opts: { extensions?: string; accept?: string; protocol?: string } = {}): HttpUpgrade {
  const reqHeaders: HttpHeader[] = [
    { name: 'Upgrade', value: 'websocket' },
    { name: 'Sec-WebSocket-Key', value: KEY },
  ];
  const resHeaders: HttpHeader[] = [
    { name: 'Upgrade', value: 'websocket' },
    { name: 'Sec-WebSocket-Accept', value: opts.accept ?? ACCEPT },
  ];
  if (opts.extensions !== undefined) resHeaders.push({ name: 'Sec-WebSocket-Extensions', value: opts.extensions });
  if (opts.protocol !== undefined) resHeaders.push({ name: 'Sec-WebSocket-Protocol', value: opts.protocol });
  const base = { connection, firstTs: 0n, lastTs: 0n, firstFrame: 1, lastFrame: 1, version: 'HTTP/1.1', rawHead: new Uint8Array(0), body: new Uint8Array(0), trailers: [], streamOffset: 0 };
  const request = { ...base, type: 'http.request' as const, dir: 'c2s' as const, method: 'GET', target: '/', headers: reqHeaders };
  const response = { ...base, type: 'http.response' as const, dir: 's2c' as const, status: 101, reason: 'Switching Protocols', headers: resHeaders, request };
  return { protocol: 'websocket', request, response };
}

/** The `init` for a captured handshake, from the raw request and response heads. */
export function upgradeFromHeads(requestHead: string, responseHead: string): HttpUpgrade {
  const headers = (head: string): HttpHeader[] =>
    head
      .split('\r\n')
      .slice(1)
      .filter((l) => l.includes(':'))
      .map((l) => ({ name: l.slice(0, l.indexOf(':')), value: l.slice(l.indexOf(':') + 1).trim() }));
  const u = upgrade();
  return {
    protocol: 'websocket',
    request: { ...u.request, headers: headers(requestHead) },
    response: { ...u.response, headers: headers(responseHead) },
  };
}

/** A WebSocket dissector on a fake connection, collecting what it emits. */
export function drive(init: unknown, options: WebSocketOptions = {}, conn: Connection = connection, setup?: (registry: Registry) => void, budget?: MemoryBudget) {
  const events: AppEvent[] = [];
  const registry = createRegistry([corePlugin, tcpPlugin, httpPlugin, createWebSocketPlugin(options)]);
  setup?.(registry);
  const ctx: StreamContext = { connection: conn, registry, emit: (e) => events.push(e), switchTo: () => {}, budget };
  const d = new WebSocketStreamDissector(ctx, init, options);
  let frame = 0;
  return {
    registry,
    events,
    dissector: d,
    messages: () => events.filter((e): e is WebSocketMessage => e.type === 'ws.message'),
    frames: () => events.filter((e): e is WebSocketFrame => e.type === 'ws.frame'),
    // Each chunk is poisoned once `data()` returns: what the dissector keeps must be its own.
    c2s: (...chunks: Uint8Array[]) => chunks.forEach((c) => withPoisonedChunk(c, (v) => d.data('c2s', v, BigInt(++frame), frame))),
    s2c: (...chunks: Uint8Array[]) => chunks.forEach((c) => withPoisonedChunk(c, (v) => d.data('s2c', v, BigInt(++frame), frame))),
  };
}

export const text = (m: WebSocketMessage | undefined): string | undefined => m?.text;
