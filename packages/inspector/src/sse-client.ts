import type { ServerResponse } from 'node:http';
import type { InspectorStore } from './inspector-store.js';

/** Most messages in one `msgs` event, and most characters of message JSON in one. */
const BATCH_MESSAGES = 5000;
const BATCH_CHARS = 512 * 1024;
/** Most characters queued for one page (in its socket's buffer) before waiting for it. */
const MAX_QUEUED = 4 * 1024 * 1024;
/** Least time between two `conn` events to one page, in ms. */
export const CONN_INTERVAL = 250;

/**
 * One page's server-sent event stream. The client holds no queue of its own beyond its socket's
 * buffer: it keeps a cursor into the store's ring and sends from there while less than
 * `MAX_QUEUED` waits in the socket. When more waits (a slow or stalled browser) it stops until
 * `drain` and the capture goes on regardless; if the ring evicts past its cursor meanwhile, it
 * sends `reset` (how many it skipped) and resumes at the oldest kept message. So a browser costs
 * at most a few MB of buffered output, never the capture's pace.
 *
 * Events: `hello` (once), `conn` (connections changed since the last), `msgs` (`{first, m}`: the
 * messages from `seq` `first` on, as JSON lines or capped previews; its `id` is the last `seq`, so
 * `Last-Event-ID` resumes after it), `reset` (`{from, to}`: messages evicted before they were sent),
 * `status` (totals and the source's state).
 */
export class SseClient {
  /** `seq` of the next message to send. */
  cursor: number;
  private connRev = 0;
  private connSentAt = 0;
  private lastStatus = '';
  private blocked = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly store: InspectorStore,
    from: number,
    private readonly wake: () => void,
  ) {
    this.cursor = from;
    res.on('drain', () => {
      this.blocked = false;
      this.wake();
    });
  }

  /** Whether the client has nothing left to send (or cannot take more now). */
  get idle(): boolean {
    return this.blocked || this.res.destroyed || (this.cursor >= this.store.ring.next && this.status() === this.lastStatus);
  }

  /** Whether connection changes wait for their turn (see `CONN_INTERVAL`). */
  get connPending(): boolean {
    return !this.res.destroyed && this.store.connections.rev > this.connRev;
  }

  /** Writes an event. */
  send(event: string, data: string, id?: number): boolean {
    this.res.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${data}\n\n`);
    // The page's queue: what the socket has not taken yet, bounded; past it, wait for `drain`.
    if (this.res.writableLength >= MAX_QUEUED) this.blocked = true;
    return !this.blocked;
  }

  /** Writes a comment line (keeps proxies and the browser from timing out an idle stream). */
  ping(): void {
    if (!this.blocked && !this.res.destroyed) this.res.write(': keepalive\n\n');
  }

  /** Sends what is new, up to about `budget` characters of messages; returns how many it sent. */
  pump(budget: number): number {
    if (this.blocked || this.res.destroyed) return 0;
    const ring = this.store.ring;
    let sent = 0;
    if (this.cursor < ring.first) {
      if (!this.send('reset', `{"from":${this.cursor},"to":${ring.first}}`)) return 0;
      this.cursor = ring.first;
    }
    // Connections change with every message (their counters): send them at most every
    // CONN_INTERVAL ms, so they never crowd out the messages.
    const rev = this.store.connections.rev;
    const now = Date.now();
    if (rev > this.connRev && now - this.connSentAt >= CONN_INTERVAL) {
      const data = this.store.connections.changedJson(this.connRev);
      this.connRev = rev;
      this.connSentAt = now;
      if (!this.send('conn', data)) return 0;
    }
    // Totals before the messages, so a page catching up shows how much there is.
    const status = this.status();
    if (status !== this.lastStatus) {
      this.lastStatus = status;
      if (!this.send('status', status)) return 0;
    }
    while (this.cursor < ring.next && sent < budget) {
      const first = this.cursor;
      const parts: string[] = [];
      let chars = 0;
      while (this.cursor < ring.next && parts.length < BATCH_MESSAGES && chars < BATCH_CHARS) {
        const s = ring.shipped(this.cursor++)!;
        parts.push(s);
        chars += s.length;
      }
      sent += chars;
      if (!this.send('msgs', `{"first":${first},"m":[${parts.join(',')}]}`, this.cursor - 1)) return sent;
    }
    return sent;
  }

  private status(): string {
    const s = this.store;
    return JSON.stringify({
      total: s.ring.next,
      evicted: s.ring.first,
      connections: s.connections.size,
      forgottenConnections: s.connections.forgotten,
      source: s.source,
    });
  }
}
