import type { IncomingMessage, ServerResponse } from 'node:http';
import { connectionHar } from './har.js';
import type { InspectorStore } from './inspector-store.js';
import { CONN_INTERVAL, SseClient } from './sse-client.js';
import type { PageFiles } from './static-files.js';
import { tokenMatches } from './token.js';

/** Most bytes of a request body (a list of message numbers to export). */
const MAX_BODY = 16 * 1024 * 1024;
/** Most characters of message JSON sent to all pages per turn of the event loop. */
const TURN_BUDGET = 4 * 1024 * 1024;

const COMMON_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Settings of {@link InspectorHandler}. */
export interface InspectorHandlerOptions {
  readonly token: string;
  /** Shown as the page's title (the capture file, or the device and filter). */
  readonly title?: string;
}

/**
 * The inspector's HTTP routes, all below `/<token>/` (a request without the token gets 403, so
 * a link into the page carries the token and relative URLs keep it):
 *
 * - `GET /` the page; `GET static/…`, `GET vendor/…` its modules and style;
 * - `GET events` server-sent events (`hello`, `conn`, `msgs`, `reset`, `status`), resuming after
 *   `Last-Event-ID`; each page has a cursor into the ring and a bounded queue;
 * - `GET api/messages/<seq>` one message's whole JSON line (410 once evicted);
 * - `POST api/messages` with ranges (`0-99,105,200-299`) in the body: those messages' lines as
 *   NDJSON, the `netrx ws --format jsonl` contract (`?download` makes it an attachment);
 * - `POST api/match?q=…` with ranges in the body: the ranges of those messages whose whole
 *   payload contains `q`, ignoring case (the page's substring filter, for messages it only has a
 *   preview of);
 * - `GET api/connections` the connection list; `GET api/connections/<id>/har` one as HAR;
 * - `GET api/status` totals and the source's state.
 */
export class InspectorHandler {
  private readonly clients = new Set<SseClient>();
  private scheduled = false;
  private readonly keepalive: NodeJS.Timeout;

  constructor(
    private readonly store: InspectorStore,
    private readonly page: PageFiles,
    private readonly options: InspectorHandlerOptions,
  ) {
    store.onChange = () => this.schedule();
    this.keepalive = setInterval(() => {
      for (const c of this.clients) c.ping();
    }, 15_000);
    this.keepalive.unref();
  }

  /** Pages connected now. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** Handles one request. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://inspector');
    const path = url.pathname;
    const slash = path.indexOf('/', 1);
    const given = path.slice(1, slash < 0 ? undefined : slash);
    if (!tokenMatches(this.options.token, given)) {
      send(res, 403, 'text/plain; charset=utf-8', 'Forbidden: open the inspector with the URL netrx printed (it carries an access token).\n');
      return;
    }
    if (slash < 0) {
      // `/<token>` → `/<token>/`, so the page's relative URLs stay below the token.
      res.writeHead(308, { ...COMMON_HEADERS, Location: `${path}/` }).end();
      return;
    }
    const route = path.slice(slash + 1);
    try {
      this.route(req, res, route, url.searchParams);
    } catch (err) {
      send(res, 500, 'text/plain; charset=utf-8', `${err instanceof Error ? err.message : String(err)}\n`);
    }
  }

  /** Ends every event stream. */
  close(): void {
    clearInterval(this.keepalive);
    this.store.onChange = undefined;
    this.clients.clear();
  }

  private route(req: IncomingMessage, res: ServerResponse, route: string, query: URLSearchParams): void {
    const method = req.method ?? 'GET';
    if (method === 'GET' && route === '') {
      res.writeHead(200, { ...COMMON_HEADERS, 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': this.page.csp });
      res.end(this.page.index);
      return;
    }
    const file = method === 'GET' ? this.page.files.get(route) : undefined;
    if (file !== undefined) {
      send(res, 200, file.type, file.body);
      return;
    }
    if (method === 'GET' && route === 'events') return this.events(req, res, query);
    if (method === 'GET' && route === 'api/status') return send(res, 200, 'application/json', this.status());
    if (method === 'GET' && route === 'api/connections') {
      return send(res, 200, 'application/json', JSON.stringify([...this.store.connections.all()]));
    }
    let m = /^api\/messages\/(\d+)$/.exec(route);
    if (method === 'GET' && m) {
      const line = this.store.ring.line(Number(m[1]));
      if (line === undefined) return send(res, 410, 'text/plain; charset=utf-8', 'message evicted from the inspector’s memory (or never captured)\n');
      return send(res, 200, 'application/json', line);
    }
    if (method === 'POST' && route === 'api/messages') return void this.exportLines(req, res, query);
    if (method === 'POST' && route === 'api/match') return void this.match(req, res, query.get('q') ?? '');
    m = /^api\/connections\/(\d+)\/har$/.exec(route);
    if (method === 'GET' && m) {
      const c = this.store.connections.get(Number(m[1]));
      if (c === undefined) return send(res, 404, 'text/plain; charset=utf-8', 'no such connection\n');
      res.setHeader('Content-Disposition', `attachment; filename="netrx-connection-${c.id}.har"`);
      return send(res, 200, 'application/json', JSON.stringify(connectionHar(c, this.store.ring), null, 2));
    }
    send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  }

  private events(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void {
    const last = req.headers['last-event-id'] ?? query.get('after') ?? undefined;
    const after = last !== undefined && /^\d+$/.test(String(last)) ? Number(last) : -1;
    res.writeHead(200, { ...COMMON_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', 'X-Accel-Buffering': 'no' });
    res.write('retry: 1000\n\n');
    const client = new SseClient(res, this.store, Math.min(after + 1, this.store.ring.next), () => this.schedule());
    client.send('hello', JSON.stringify({ title: this.options.title ?? 'netrx', maxMessages: this.store.ring.limits.maxMessages }));
    this.clients.add(client);
    res.on('close', () => this.clients.delete(client));
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // A short delay gathers messages into batches; the pump itself never waits for a page.
    setTimeout(() => this.pump(), 25).unref();
  }

  private pump(): void {
    this.scheduled = false;
    this.store.takeChange();
    let budget = TURN_BUDGET;
    for (const c of this.clients) budget -= c.pump(Math.max(0, budget));
    // More than one turn's worth: go on after the capture and other I/O had their turn.
    for (const c of this.clients) {
      if (!c.idle) {
        this.scheduled = true;
        setImmediate(() => this.pump());
        return;
      }
    }
    // Connection changes not sent yet (they go at most every CONN_INTERVAL ms): come back for them.
    for (const c of this.clients) {
      if (c.connPending) {
        this.scheduled = true;
        setTimeout(() => this.pump(), CONN_INTERVAL).unref();
        return;
      }
    }
  }

  private status(): string {
    const s = this.store;
    return JSON.stringify({
      total: s.ring.next,
      evicted: s.ring.first,
      kept: s.ring.size,
      connections: s.connections.size,
      forgottenConnections: s.connections.forgotten,
      source: s.source,
      pages: this.clients.size,
    });
  }

  private async match(req: IncomingMessage, res: ServerResponse, q: string): Promise<void> {
    const body = await readBody(req);
    if (body === undefined) return send(res, 413, 'text/plain; charset=utf-8', 'too many ranges\n');
    const ranges = parseRanges(body);
    if (ranges === undefined) return send(res, 400, 'text/plain; charset=utf-8', 'body: ranges of message numbers, as 0-99,105\n');
    const needle = q.toLowerCase();
    const ring = this.store.ring;
    const found: number[] = [];
    let slice = performance.now();
    for (const [from, to] of ranges) {
      for (let seq = Math.max(from, ring.first); seq <= to && seq < ring.next; seq++) {
        const text = this.store.searchText(seq);
        if (text !== undefined && text.toLowerCase().includes(needle)) found.push(seq);
        // A long search gives the capture its turns (every ~20 ms).
        if (performance.now() - slice > 20) {
          await new Promise((r) => setImmediate(r));
          slice = performance.now();
          if (res.destroyed) return;
        }
      }
    }
    send(res, 200, 'text/plain; charset=utf-8', toRanges(found));
  }

  private async exportLines(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    let body = await readBody(req);
    if (body === undefined) return send(res, 413, 'text/plain; charset=utf-8', 'too many ranges\n');
    // The page's export is a form post (`ranges=…`); scripts may post the ranges as they are.
    if (String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) body = new URLSearchParams(body).get('ranges') ?? '';
    const ranges = parseRanges(body);
    if (ranges === undefined) return send(res, 400, 'text/plain; charset=utf-8', 'body: ranges of message numbers, as 0-99,105\n');
    const keyed = query.has('keyed');
    const headers: Record<string, string> = { ...COMMON_HEADERS, 'Content-Type': keyed ? 'application/json' : 'application/x-ndjson; charset=utf-8' };
    if (query.has('download')) headers['Content-Disposition'] = 'attachment; filename="netrx-messages.jsonl"';
    res.writeHead(200, headers);
    const ring = this.store.ring;
    // NDJSON: the lines. Keyed: one JSON object of the lines by seq (what the page's payload filter asks for).
    const sep = keyed ? ',' : '\n';
    let out = keyed ? '{' : '';
    let first = true;
    for (const [from, to] of ranges) {
      for (let seq = Math.max(from, ring.first); seq <= to && seq < ring.next; seq++) {
        // A live ring may have evicted it while this export waited for the socket.
        const line = ring.line(seq);
        if (line === undefined) continue;
        out += keyed ? `${first ? '' : sep}"${seq}":${line}` : line + sep;
        first = false;
        if (out.length >= 1024 * 1024) {
          const ok = res.write(out);
          out = '';
          // Wait for the socket, so a large export never piles up in memory.
          if (!ok) await new Promise((r) => (res.once('drain', r), res.once('close', r)));
          if (res.destroyed) return;
        }
      }
    }
    res.end(keyed ? out + '}' : out);
  }
}

/** A request's body, or undefined past MAX_BODY characters. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > MAX_BODY) return undefined;
  }
  return body;
}

/** Ascending numbers as ranges: [0, 1, 2, 5] → `0-2,5`. */
export function toRanges(seqs: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < seqs.length; i++) {
    const from = seqs[i]!;
    let to = from;
    while (i + 1 < seqs.length && seqs[i + 1] === to + 1) to = seqs[++i]!;
    parts.push(from === to ? `${from}` : `${from}-${to}`);
  }
  return parts.join(',');
}

/** `0-99,105,200-299` → [[0, 99], [105, 105], [200, 299]], or undefined when malformed. */
export function parseRanges(s: string): [number, number][] | undefined {
  const out: [number, number][] = [];
  const text = s.trim();
  if (text === '') return out;
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return undefined;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) return undefined;
    out.push([from, to]);
  }
  return out;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { ...COMMON_HEADERS, 'Content-Type': type });
  res.end(body);
}
