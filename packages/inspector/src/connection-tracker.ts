import { formatEndpoint, formatTimestamp, type Connection, type StreamClose, type StreamErrorEvent } from '@netrx/core';
import { headerValue, type HttpRequest, type HttpResponse } from '@netrx/dissector-http';
import type { WebSocketMessage } from '@netrx/dissector-websocket';
import type { ConnectionView, HandshakeView } from './connection-view.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };

interface Tracked {
  view: Mutable<ConnectionView>;
  /** Revision of the last change; the page is sent what changed since the revision it has. */
  rev: number;
  /** The view as JSON, made when first asked after a change. */
  json?: string;
  /** Close frames seen, per direction. */
  closes: number;
}

/**
 * What the inspector knows about each WebSocket connection, built from the pipeline's events: the
 * upgrade request and its answer (a failed upgrade too), the messages (counts, bytes, close frames)
 * and the end of the TCP connection. Plain HTTP connections are never tracked. Bounded: past
 * `maxConnections` the oldest closed connection is forgotten (and counted).
 */
export class ConnectionTracker {
  /** Revision of the newest change. */
  rev = 0;
  /** Connections forgotten to stay under the cap. */
  forgotten = 0;
  private readonly byId = new Map<number, Tracked>();

  constructor(private readonly maxConnections = 100_000) {}

  /** Connections tracked. */
  get size(): number {
    return this.byId.size;
  }

  /** An HTTP request: tracked when it asks to upgrade to WebSocket (RFC 6455 §4.1). */
  request(r: HttpRequest): void {
    if (!/\bwebsocket\b/i.test(headerValue(r.headers, 'upgrade') ?? '')) return;
    const t = this.track(r.connection, true);
    const v = t.view;
    v.request = handshake(r.lastTs, `${r.method} ${r.target} ${r.version}`, r.headers);
    v.path = r.target;
    const host = headerValue(r.headers, 'host');
    if (host !== undefined) v.host = host;
    // A new attempt on a keep-alive connection after a failed one starts over.
    if (v.state === 'failed' || v.state === 'handshake') {
      v.state = 'handshake';
      delete v.response;
    }
    this.touch(t);
  }

  /** An HTTP response: the answer to a tracked upgrade request, or a 101 to WebSocket seen without one. */
  response(r: HttpResponse): void {
    let t = this.byId.get(r.connection.id);
    const isUpgrade = r.status === 101 && /\bwebsocket\b/i.test(headerValue(r.headers, 'upgrade') ?? '');
    if (t === undefined || t.view.request === undefined || t.view.response !== undefined) {
      // Only a 101 to WebSocket starts tracking here (its request may have been before the capture).
      if (!isUpgrade) return;
      t = this.track(r.connection, true);
    }
    const v = t.view;
    v.response = handshake(r.lastTs, `${r.version} ${r.status} ${r.reason}`.trimEnd(), r.headers);
    if (r.status === 101) {
      if (v.state === 'handshake') v.state = 'open';
      v.opened ??= formatTimestamp(r.lastTs);
      const protocol = headerValue(r.headers, 'sec-websocket-protocol');
      if (protocol !== undefined) v.protocol = protocol;
      const extensions = headerValue(r.headers, 'sec-websocket-extensions');
      if (extensions !== undefined) v.extensions = extensions;
    } else v.state = 'failed';
    this.touch(t);
  }

  /** A WebSocket message: counted on its connection (tracked from here when its handshake was not captured). */
  message(m: WebSocketMessage): void {
    let t = this.byId.get(m.connection.id);
    if (t === undefined) {
      t = this.track(m.connection, false);
      t.view.midstream = true;
    }
    const v = t.view;
    if (v.state === 'handshake' || v.state === 'failed') v.state = 'open';
    v.opened ??= formatTimestamp(m.firstTs);
    v.messages[m.dir]++;
    v.bytes[m.dir] += m.payload.length;
    if (m.protocol !== undefined) v.protocol ??= m.protocol;
    if (m.kind === 'close') {
      // RFC 6455 §7.1.5: the close code is the first close frame's; the connection is closed once
      // both sides have sent one (§1.4).
      if (t.closes === 0) {
        if (m.closeCode !== undefined) v.closeCode = m.closeCode;
        if (m.closeReason !== undefined) v.closeReason = m.closeReason;
        v.closedBy = m.dir;
      }
      t.closes |= m.dir === 'c2s' ? 1 : 2;
      if (t.closes === 3) {
        v.state = 'closed';
        v.closed ??= formatTimestamp(m.lastTs);
      } else if (v.state === 'open') v.state = 'closing';
    }
    this.touch(t);
  }

  /** The TCP connection ended (from {@link keepConnectionEvents}); `end` means the capture ended first. */
  close(c: StreamClose): void {
    const t = this.byId.get(c.connection.id);
    if (t === undefined) return;
    const v = t.view;
    v.tcpClose = c.reason;
    if (c.reason !== 'end') {
      v.state = 'closed';
      v.closed ??= formatTimestamp(c.ts);
    }
    this.touch(t);
  }

  /** A dissector stopped on a tracked connection. */
  error(e: StreamErrorEvent): void {
    const t = this.byId.get(e.connection.id);
    if (t === undefined) return;
    t.view.errors = [...(t.view.errors ?? []), { code: e.diagnostic.code, message: e.diagnostic.message }];
    this.touch(t);
  }

  /** A connection's view, or undefined. */
  get(id: number): ConnectionView | undefined {
    return this.byId.get(id)?.view;
  }

  /** Every tracked connection, oldest first. */
  *all(): IterableIterator<ConnectionView> {
    for (const t of this.byId.values()) yield t.view;
  }

  /** JSON of the connections changed after revision `since`, as one array (`[]` when none). */
  changedJson(since: number): string {
    if (since >= this.rev) return '[]';
    const parts: string[] = [];
    for (const t of this.byId.values()) if (t.rev > since) parts.push((t.json ??= JSON.stringify(t.view)));
    return `[${parts.join(',')}]`;
  }

  private track(c: Connection, handshakeSeen: boolean): Tracked {
    let t = this.byId.get(c.id);
    if (t !== undefined) return t;
    t = {
      view: {
        id: c.id,
        client: formatEndpoint(c.client),
        server: formatEndpoint(c.server),
        state: handshakeSeen ? 'handshake' : 'open',
        messages: { c2s: 0, s2c: 0 },
        bytes: { c2s: 0, s2c: 0 },
      },
      rev: 0,
      closes: 0,
    };
    // A connection's events all carry the layers it came through; TLS is the one the page shows.
    const tls = c.via?.['tls'];
    if (tls !== undefined) t.view.tls = tls;
    this.byId.set(c.id, t);
    if (this.byId.size > this.maxConnections) this.forgetOne();
    return t;
  }

  private forgetOne(): void {
    // The oldest closed one, else the oldest; Map iteration is insertion order.
    let victim: number | undefined;
    for (const [id, t] of this.byId) {
      if (t.view.state === 'closed' || t.view.state === 'failed') {
        victim = id;
        break;
      }
      victim ??= id;
    }
    if (victim !== undefined) {
      this.byId.delete(victim);
      this.forgotten++;
    }
  }

  private touch(t: Tracked): void {
    t.rev = ++this.rev;
    t.json = undefined;
  }
}

function handshake(ts: bigint, startLine: string, headers: readonly { name: string; value: string }[]): HandshakeView {
  return { ts: formatTimestamp(ts), startLine, headers: headers.map((h) => [h.name, h.value] as const) };
}
