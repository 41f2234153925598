import { request, type IncomingMessage } from 'node:http';
import { Subject } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { serveInspector, type Inspector, type InspectorInput } from '@netrx/inspector';
import { parseRanges } from '../inspector-handler.js';
import { payloadText } from '../inspector-store.js';
import { CHAT, connection, eventually, fileEvents, httpRequest, httpResponse, netrxWsJsonl, wsMessage } from './harness.js';

const open: Inspector[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((i) => i.close()));
});

async function serve(events$ = new Subject<InspectorInput>(), options = {}): Promise<Inspector> {
  const i = await serveInspector(events$, options);
  open.push(i);
  return i;
}

function get(url: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let b = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (b += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: b }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/** Reads a server-sent event stream; `events` fills as they come. */
function sse(url: string, headers: Record<string, string> = {}, paused = false) {
  const events: SseEvent[] = [];
  let res: IncomingMessage | undefined;
  let buf = '';
  const req = request(url, { headers }, (r) => {
    res = r;
    r.setEncoding('utf8');
    if (paused) r.pause();
    r.on('data', (c: string) => {
      buf += c;
      let end;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const e: SseEvent = { event: 'message', data: '' };
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) e.event = line.slice(7);
          else if (line.startsWith('data: ')) e.data = line.slice(6);
          else if (line.startsWith('id: ')) e.id = line.slice(4);
        }
        if (block.startsWith(':') || block.startsWith('retry')) continue;
        events.push(e);
      }
    });
  });
  req.end();
  return {
    events,
    resume: () => res?.resume(),
    close: () => req.destroy(),
    messages: () => events.filter((e) => e.event === 'msgs').flatMap((e) => (JSON.parse(e.data) as { first: number; m: unknown[] }).m),
  };
}

describe('the inspector server', () => {
  it('listens on 127.0.0.1 on a free port by default, and serves the page at the URL with its token', async () => {
    const i = await serve();
    expect(i.host).toBe('127.0.0.1');
    expect(i.port).toBeGreaterThan(0);
    expect(i.url).toBe(`http://127.0.0.1:${i.port}/${i.token}/`);
    expect(i.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const page = await get(i.url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<script type="importmap">');
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    for (const path of ['static/app.js', 'static/style.css', 'vendor/preact.mjs', 'vendor/hooks.mjs', 'vendor/htm.mjs']) {
      const r = await get(i.url + path);
      expect(r.status, path).toBe(200);
    }
    expect((await get(i.url.slice(0, -1))).status).toBe(308);
  });

  it('answers 403 to a request without the token, or with a wrong one, whatever the path', async () => {
    const i = await serve();
    const base = `http://127.0.0.1:${i.port}`;
    const wrong = i.token.slice(0, -1) + (i.token.endsWith('A') ? 'B' : 'A');
    for (const path of ['/', '/events', '/api/status', '/static/app.js', `/${wrong}/`, `/${wrong}/api/messages/0`, `/${i.token.slice(0, 10)}/`, `/${i.token}x/`]) {
      const r = await get(base + path);
      expect(r.status, path).toBe(403);
      expect(r.body).not.toContain(i.token);
    }
    expect((await get(`${base}/x`, {}, 'POST', '0-9')).status).toBe(403);
  });

  it('listens where it is told to (--host)', async () => {
    const i = await serve(undefined, { host: '::1' });
    expect(i.url).toBe(`http://[::1]:${i.port}/${i.token}/`);
    expect((await get(i.url + 'api/status')).status).toBe(200);
  });

  it('streams hello, connections, messages and status, and resumes after Last-Event-ID', async () => {
    const events$ = new Subject<InspectorInput>();
    const i = await serve(events$, { title: 'test' });
    const c = connection(1);
    const req = httpRequest(c, '/chat');
    events$.next(req);
    events$.next(httpResponse(req, 101, 'Switching Protocols', [['Upgrade', 'websocket']]));
    for (let n = 0; n < 10; n++) events$.next(wsMessage(c, n % 2 ? 's2c' : 'c2s', 'text', `message ${n}`));
    const a = sse(i.url + 'events');
    await eventually(() => a.messages().length === 10, 'ten messages');
    expect(a.events[0]).toEqual({ event: 'hello', data: '{"title":"test","maxMessages":1000000}' });
    const conns = a.events.filter((e) => e.event === 'conn').flatMap((e) => JSON.parse(e.data) as { id: number; path: string; state: string }[]);
    expect(conns[0]).toMatchObject({ id: 1, path: '/chat', state: 'open' });
    const last = a.events.filter((e) => e.event === 'msgs').at(-1)!;
    expect(last.id).toBe('9');
    expect((a.messages() as { text: string }[]).map((m) => m.text)).toEqual(Array.from({ length: 10 }, (_, n) => `message ${n}`));
    await eventually(() => a.events.some((e) => e.event === 'status' && JSON.parse(e.data).total === 10), 'status');
    // More arrive live.
    events$.next(wsMessage(c, 'c2s', 'text', 'live one'));
    await eventually(() => a.messages().length === 11, 'the live message');
    a.close();
    // A reconnecting page says what it has: it gets only the rest.
    events$.next(wsMessage(c, 'c2s', 'text', 'while away'));
    const b = sse(i.url + 'events', { 'Last-Event-ID': '10' });
    await eventually(() => b.messages().length === 1, 'the resumed message');
    expect((b.messages()[0] as { text: string }).text).toBe('while away');
    expect(b.events.find((e) => e.event === 'msgs')!.data).toMatch(/^\{"first":11,/);
    events$.complete();
    await eventually(() => b.events.some((e) => e.event === 'status' && JSON.parse(e.data).source.state === 'done'), 'done status');
    b.close();
  });

  it('never lets a stalled page slow the capture: it drops and resyncs the page instead', async () => {
    const events$ = new Subject<InspectorInput>();
    const i = await serve(events$, { maxMessages: 2000 });
    const c = connection(1);
    const stalled = sse(i.url + 'events', {}, true);
    await eventually(() => i.pages === 1, 'the page to connect');
    const big = 'x'.repeat(1000);
    const t0 = Date.now();
    // 20 MB of messages while the page reads nothing: the sink takes every one at once.
    for (let n = 0; n < 20_000; n++) events$.next(wsMessage(c, 'c2s', 'text', `${n} ${big}`));
    expect(i.store.ring.next).toBe(20_000);
    expect(i.store.ring.first).toBe(18_000);
    // Let the server try to send (it writes until the socket is full, then waits for drain).
    await new Promise((r) => setTimeout(r, 300));
    for (let n = 20_000; n < 25_000; n++) events$.next(wsMessage(c, 'c2s', 'text', `${n} ${big}`));
    expect(Date.now() - t0).toBeLessThan(60_000);
    stalled.resume();
    await eventually(() => stalled.events.some((e) => e.event === 'msgs' && JSON.parse(e.data).first + JSON.parse(e.data).m.length === 25_000), 'the page to catch up', 30_000);
    const resets = stalled.events.filter((e) => e.event === 'reset').map((e) => JSON.parse(e.data) as { from: number; to: number });
    expect(resets.length).toBeGreaterThan(0);
    // What it got plus what it was told it missed is everything, each message once, in order.
    const got = stalled.events.filter((e) => e.event === 'msgs').map((e) => JSON.parse(e.data) as { first: number; m: unknown[] });
    let next = 0;
    const timeline = [...got.map((g) => ({ at: g.first, n: g.m.length, kind: 'msgs' })), ...resets.map((r) => ({ at: r.from, n: r.to - r.from, kind: 'reset' }))].sort((x, y) => x.at - y.at);
    for (const t of timeline) {
      expect(t.at).toBe(next);
      next += t.n;
    }
    expect(next).toBe(25_000);
    stalled.close();
  }, 60_000);

  it('exports messages by number as NDJSON, equal to netrx ws --format jsonl', async () => {
    const i = await serve(fileEvents(CHAT));
    await i.sourceDone;
    const expected = await netrxWsJsonl(CHAT);
    const all = await get(i.url + 'api/messages', {}, 'POST', `0-${expected.length - 1}`);
    expect(all.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    expect(all.body).toBe(expected.join('\n') + '\n');
    const some = await get(i.url + 'api/messages?download', { 'Content-Type': 'application/x-www-form-urlencoded' }, 'POST', 'ranges=' + encodeURIComponent('1,3-4,31,40-50'));
    expect(some.headers['content-disposition']).toBe('attachment; filename="netrx-messages.jsonl"');
    expect(some.body).toBe([1, 3, 4, 31].map((n) => expected[n]).join('\n') + '\n');
    const keyed = JSON.parse((await get(i.url + 'api/messages?keyed', {}, 'POST', '2,5')).body) as Record<string, unknown>;
    expect(keyed).toEqual({ 2: JSON.parse(expected[2]!), 5: JSON.parse(expected[5]!) });
    expect((await get(i.url + 'api/messages', {}, 'POST', 'zero')).status).toBe(400);
    const one = await get(i.url + 'api/messages/20');
    expect(one.body).toBe(expected[20]);
    expect((await get(i.url + 'api/messages/99')).status).toBe(410);
  });

  it('exports a connection as HAR with Chrome’s _webSocketMessages', async () => {
    const i = await serve(fileEvents(CHAT));
    await i.sourceDone;
    const r = await get(i.url + 'api/connections/1/har');
    expect(r.headers['content-disposition']).toBe('attachment; filename="netrx-connection-1.har"');
    const har = JSON.parse(r.body) as { log: { version: string; entries: { request: { url: string; headers: unknown[] }; response: { status: number }; _resourceType: string; _webSocketMessages: { type: string; time: number; opcode: number; data: string }[] }[] } };
    expect(har.log.version).toBe('1.2');
    const [e] = har.log.entries;
    expect(e!._resourceType).toBe('websocket');
    expect(e!.request.url).toBe('ws://127.0.0.1:7272/');
    expect(e!.response.status).toBe(101);
    const lines = (await netrxWsJsonl(CHAT)).map((l) => JSON.parse(l) as { stream: number; type: string; dir: string; text?: string; hex?: string; ts: string }).filter((m) => m.stream === 1 && (m.type === 'text' || m.type === 'binary'));
    expect(e!._webSocketMessages).toEqual(
      lines.map((m) => ({ type: m.dir === 'c2s' ? 'send' : 'receive', time: Number(m.ts), opcode: m.type === 'text' ? 1 : 2, data: m.type === 'text' ? m.text : Buffer.from(m.hex!, 'hex').toString('base64') })),
    );
    expect((await get(i.url + 'api/connections/7/har')).status).toBe(404);
  });

  it('says when the source failed, keeping what came before', async () => {
    const events$ = new Subject<InspectorInput>();
    const i = await serve(events$);
    events$.next(wsMessage(connection(1), 'c2s', 'text', 'before'));
    events$.error(new Error('capture file truncated at byte 1234'));
    expect(await i.sourceDone).toEqual({ state: 'error', error: 'capture file truncated at byte 1234' });
    const status = JSON.parse((await get(i.url + 'api/status')).body) as { total: number; source: unknown };
    expect(status.total).toBe(1);
    expect(status.source).toEqual({ state: 'error', error: 'capture file truncated at byte 1234' });
  });

  it('closes: stops reading the source and ends the page streams', async () => {
    const events$ = new Subject<InspectorInput>();
    const i = await serveInspector(events$);
    const page = sse(i.url + 'events');
    await eventually(() => i.pages === 1, 'the page');
    await i.close();
    expect(events$.observed).toBe(false);
    await expect(get(i.url)).rejects.toThrow();
    page.close();
  });
});

describe('payload search', () => {
  it('answers which messages’ whole payloads contain a substring, ignoring case', async () => {
    const events$ = new Subject<InspectorInput>();
    const i = await serve(events$);
    const c = connection(1);
    events$.next(wsMessage(c, 'c2s', 'text', 'x'.repeat(5000) + 'The "Needle" \\ here'));
    events$.next(wsMessage(c, 'c2s', 'text', 'no'));
    events$.next(wsMessage(c, 's2c', 'binary', Buffer.from('needle')));
    events$.next(wsMessage(c, 's2c', 'close', Buffer.from([3, 232, 0x4e]), { closeCode: 1000, closeReason: 'N"eedle' }));
    const match = async (q: string, body = '0-9') => (await get(`${i.url}api/match?q=${encodeURIComponent(q)}`, {}, 'POST', body)).body;
    expect(await match('"needle" \\')).toBe('0');
    expect(await match('6e656564')).toBe('2');
    expect(await match('1000 n"eedle')).toBe('3');
    expect(await match('e', '1-3')).toBe('2-3');
    expect(await match('zzz')).toBe('');
  });

  it('reads a line’s payload as the page’s filter does', () => {
    expect(payloadText('{"ts":"1.0","stream":0,"client":"a:1","server":"b:2","dir":"c2s","type":"text","length":3,"text":"a\\"b","compressed":false,"frames":1}')).toBe('a"b');
    expect(payloadText('{"ts":"1.0","stream":0,"dir":"s2c","type":"close","length":5,"hex":"03e8627965","code":1000,"reason":"bye","compressed":false,"frames":1}')).toBe('1000 bye 03e8627965');
    expect(payloadText('{"ts":"1.0","type":"binary","undecodable":"x","compressed":true}')).toBe('');
  });
});

describe('parseRanges', () => {
  it('reads ranges and single numbers, and rejects anything else', () => {
    expect(parseRanges('0-2,5, 7-7')).toEqual([[0, 2], [5, 5], [7, 7]]);
    expect(parseRanges('')).toEqual([]);
    expect(parseRanges('3-1')).toBeUndefined();
    expect(parseRanges('1;2')).toBeUndefined();
  });
});
