import type { ConnectionView, HandshakeView } from './connection-view.js';
import type { MessageRing } from './message-ring.js';

/** The package's version, written as the HAR's creator. */
const VERSION = '0.1.0';

/** Where {@link connectionHar} reads messages from (the inspector's message ring). */
export interface MessageLines {
  readonly first: number;
  readonly next: number;
  line(seq: number): string | undefined;
  connection(seq: number): number;
}

/** One entry of Chrome's `_webSocketMessages` HAR extension. */
export interface HarWebSocketMessage {
  readonly type: 'send' | 'receive';
  /** Seconds since the epoch. */
  readonly time: number;
  /** 1 text (data is the text), 2 binary (data is base64). */
  readonly opcode: number;
  readonly data: string;
}

/**
 * A connection as a HAR 1.2 log with one entry: its handshake as request and response, and its
 * text and binary messages in Chrome's `_webSocketMessages` extension (`type` send/receive,
 * `time` in epoch seconds, `opcode`, `data`: text, or base64 for binary), which Chrome DevTools
 * and other HAR tools import. Control frames are not listed (Chrome does not record them);
 * messages evicted from the ring or undecodable are counted in the entry's `comment`.
 */
export function connectionHar(c: ConnectionView, ring: MessageLines): object {
  const messages: HarWebSocketMessage[] = [];
  let undecodable = 0;
  for (let seq = ring.first; seq < ring.next; seq++) {
    if (ring.connection(seq) !== c.id) continue;
    const m = JSON.parse(ring.line(seq)!) as { ts: string; dir: string; type: string; text?: string; hex?: string; undecodable?: string };
    if (m.type !== 'text' && m.type !== 'binary') continue;
    if (m.undecodable !== undefined) {
      undecodable++;
      continue;
    }
    messages.push({
      type: m.dir === 'c2s' ? 'send' : 'receive',
      time: Number(m.ts),
      opcode: m.type === 'text' ? 1 : 2,
      data: m.type === 'text' ? (m.text ?? '') : Buffer.from(m.hex ?? '', 'hex').toString('base64'),
    });
  }
  const kept = messages.length + undecodable;
  const total = count(c, 'c2s') + count(c, 's2c');
  const notes = [`netrx connection #${c.id} ${c.client} → ${c.server}`];
  if (c.midstream) notes.push('no handshake captured: request and response are placeholders');
  if (undecodable > 0) notes.push(`${undecodable} undecodable messages left out`);
  const started = c.request?.ts ?? c.opened ?? c.response?.ts;
  const wait = c.request && c.response ? Math.max(0, (Number(c.response.ts) - Number(c.request.ts)) * 1000) : 0;
  const scheme = c.tls === undefined ? 'ws' : 'wss';
  const entry = {
    startedDateTime: started === undefined ? new Date(0).toISOString() : new Date(Number(started) * 1000).toISOString(),
    time: wait,
    request: {
      method: c.request?.startLine.split(' ')[0] ?? 'GET',
      url: `${scheme}://${c.host ?? c.server}${c.path ?? '/'}`,
      httpVersion: c.request?.startLine.split(' ').at(-1) ?? 'HTTP/1.1',
      cookies: [],
      headers: harHeaders(c.request),
      queryString: queryString(c.path),
      headersSize: -1,
      bodySize: 0,
    },
    response: {
      status: c.response ? Number(c.response.startLine.split(' ')[1]) : 101,
      statusText: c.response?.startLine.split(' ').slice(2).join(' ') ?? 'Switching Protocols',
      httpVersion: c.response?.startLine.split(' ')[0] ?? 'HTTP/1.1',
      cookies: [],
      headers: harHeaders(c.response),
      content: { size: 0, mimeType: 'x-unknown' },
      redirectURL: '',
      headersSize: -1,
      bodySize: 0,
    },
    cache: {},
    timings: { blocked: -1, dns: -1, connect: -1, ssl: -1, send: 0, wait, receive: 0 },
    serverIPAddress: c.server.replace(/:\d+$/, '').replace(/^\[|\]$/g, ''),
    connection: String(c.id),
    _resourceType: 'websocket',
    _webSocketMessages: messages,
    comment: notes.join('; ') + (kept < total ? `; ${total - kept} messages not included (control frames, or evicted from the inspector's memory)` : ''),
  };
  return { log: { version: '1.2', creator: { name: 'netrx', version: VERSION }, pages: [], entries: [entry] } };
}

function count(c: ConnectionView, dir: 'c2s' | 's2c'): number {
  return c.messages[dir];
}

function harHeaders(h: HandshakeView | undefined): { name: string; value: string }[] {
  return h === undefined ? [] : h.headers.map(([name, value]) => ({ name, value }));
}

function queryString(path: string | undefined): { name: string; value: string }[] {
  const q = path?.indexOf('?') ?? -1;
  if (path === undefined || q < 0) return [];
  return [...new URLSearchParams(path.slice(q + 1))].map(([name, value]) => ({ name, value }));
}
