/**
 * Conformance: the HTTP messages netrx finds in real captures, against answers netrx did not
 * write. `s6_http_keepalive_upgrade.pcap`'s truth file lists every HTTP message as the receiving
 * application parsed it (node's http server for requests, a Python client for responses) and the
 * WebSocket bytes after the 101; for the public captures, every message's head must be found at
 * its offset in the reassembled stream, and every response must pair with a request.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { from, lastValueFrom, tap, toArray } from 'rxjs';
import { corePlugin, createRegistry, definePlugin, dissect, formatEndpoint, type AppEvent, type Direction, type StreamDissectorFactory } from '@netrx/core';
import { dissectStreams, reassembleTcp, tcpPlugin } from '@netrx/dissector-tcp';
import { fromCaptureFile } from '@netrx/source-file';
import { corpusDir, noteIfCorpusMissing, readJsonLines } from '../../../../test-support/corpus.js';
import { poisonViews } from '../../../../test-support/poison.js';
import { httpPlugin } from '../http-plugin.js';
import { httpTransactions } from '../http-transactions.js';
import type { HttpRequest, HttpResponse, HttpUpgrade } from '../types.js';

const skip = noteIfCorpusMissing('dissector-http corpus tests');

/** Stands in for the WebSocket dissector: keeps what it is handed after a 101, per connection. */
function upgradeRecorder() {
  const got = new Map<string, { init: HttpUpgrade; bytes: Record<Direction, Buffer[]> }>();
  const factory: StreamDissectorFactory = {
    name: 'upgrade-recorder',
    resumesAfterGap: false,
    create(ctx, init) {
      const rec = { init: init as HttpUpgrade, bytes: { c2s: [] as Buffer[], s2c: [] as Buffer[] } };
      got.set(`${formatEndpoint(ctx.connection.client)}>${formatEndpoint(ctx.connection.server)}`, rec);
      return { data: (dir, b) => void rec.bytes[dir].push(Buffer.from(b)), gap() {}, end() {} };
    },
  };
  const plugin = definePlugin({ name: 'upgrade-recorder', coreVersion: '^0.1.0', dependencies: ['http'], handoff: (r) => void r.table('http.upgrade').add('websocket', factory) });
  return { got, plugin };
}

/** Runs the pipeline; also keeps each direction's reassembled bytes (gaps as zeros) to check offsets against. */
async function dissectFile(path: string) {
  const recorder = upgradeRecorder();
  const registry = createRegistry([corePlugin, tcpPlugin, httpPlugin, recorder.plugin]);
  const streams = new Map<string, Buffer[]>();
  const events: AppEvent[] = [];
  let readError: Error | undefined;
  await new Promise<void>((resolve) => {
    fromCaptureFile(path).pipe(
      // Each frame's bytes poisoned once the whole pipeline had it, each data event's once the
      // dissectors had it: what they keep across packets must be their own copies.
      poisonViews((f) => f.data),
      dissect(registry),
      reassembleTcp(registry),
      poisonViews((ev) => (ev.type === 'data' ? ev.bytes : undefined)),
      tap((ev) => {
        if (ev.type !== 'data' && ev.type !== 'gap') return;
        const key = `${ev.connection.id}/${ev.dir}`;
        let parts = streams.get(key);
        if (!parts) streams.set(key, (parts = []));
        parts.push(ev.type === 'data' ? Buffer.from(ev.bytes) : Buffer.alloc(ev.length));
      }),
      dissectStreams(registry),
    ).subscribe({
      next: (e) => void events.push(e),
      // A capture cut short ends with the reader's error; the messages before it still count.
      error: (err: Error) => {
        readError = err;
        resolve();
      },
      complete: resolve,
    });
  });
  const stream = (id: number, dir: Direction): Buffer => Buffer.concat(streams.get(`${id}/${dir}`) ?? []);
  return { events, stream, upgrades: recorder.got, readError };
}

const isHttp = (e: AppEvent): e is HttpRequest | HttpResponse => e.type === 'http.request' || e.type === 'http.response';
const connKey = (e: AppEvent): string => `${formatEndpoint(e.connection.client)}>${formatEndpoint(e.connection.server)}`;
const startLine = (m: HttpRequest | HttpResponse): string =>
  m.type === 'http.request' ? `${m.method} ${m.target} ${m.version}` : `${m.version} ${m.status} ${m.reason}`;

interface TruthRecord {
  level: string;
  event?: string;
  conn?: string;
  dir?: Direction;
  start_line?: string;
  raw_headers?: [string, string][];
  raw_utf8?: string;
  body?: { len: number } | null;
  trailers?: [string, string][] | string;
  bytes?: number;
  sha256?: string;
}

describe.skipIf(skip)('HTTP on the corpus', () => {
  it('s6: every request and response the applications received, in order per connection and direction', async () => {
    const capture = join(corpusDir!, 'captures/s6_http_keepalive_upgrade.pcap');
    const truth = readJsonLines<TruthRecord>(`${capture}.truth.jsonl`);
    const { events, upgrades, readError } = await dissectFile(capture);
    expect(readError).toBeUndefined();
    expect(events.filter((e) => e.type === 'stream.error')).toEqual([]);

    // What the receivers parsed; the 101 was logged only by its sender, as raw text.
    const expected = new Map<string, { start: string; headers: [string, string][]; bodyLength: number; trailers?: [string, string][] }[]>();
    for (const r of truth) {
      if (r.level !== 'http') continue;
      let m;
      if (r.event === 'recv' && r.start_line) {
        m = { start: r.start_line, headers: r.raw_headers!, bodyLength: r.body?.len ?? 0, trailers: Array.isArray(r.trailers) ? r.trailers : undefined };
      } else if (r.event === 'send' && r.dir === 's2c' && r.raw_utf8?.startsWith('HTTP/1.1 101 ')) {
        const [start, ...lines] = r.raw_utf8.split('\r\n\r\n')[0]!.split('\r\n');
        m = { start: start!, headers: lines.map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()] as [string, string]), bodyLength: 0 };
      } else continue;
      const key = `${r.conn}/${r.dir}`;
      if (!expected.has(key)) expected.set(key, []);
      expected.get(key)!.push(m);
    }
    expect(expected.size).toBeGreaterThanOrEqual(8); // four connections, both directions

    const found = new Map<string, typeof expected extends Map<string, infer V> ? V : never>();
    for (const e of events.filter(isHttp)) {
      const key = `${connKey(e)}/${e.dir}`;
      if (!found.has(key)) found.set(key, []);
      found.get(key)!.push({
        start: startLine(e),
        headers: e.headers.map((h) => [h.name, h.value]),
        bodyLength: e.bodyLength ?? e.body.length,
        ...(e.trailers.length ? { trailers: e.trailers.map((h) => [h.name, h.value] as [string, string]) } : {}),
      });
    }
    for (const [key, list] of expected) {
      expect(found.get(key)?.map((m) => ({ ...m, trailers: m.trailers ?? undefined })), key).toEqual(list.map((m) => ({ ...m, trailers: m.trailers?.length ? m.trailers : undefined })));
    }
    expect([...found.keys()].sort()).toEqual([...expected.keys()].sort());

    // Responses pair with their requests; HEAD's response has no body although it has a Content-Length.
    for (const res of events.filter((e): e is HttpResponse => e.type === 'http.response')) {
      expect(res.request, startLine(res)).toBeDefined();
      if (res.request!.method === 'HEAD') expect(res.body.length).toBe(0);
    }

    // Exactly the post-101 bytes went to the upgraded dissector; refused upgrades stayed HTTP.
    const streamsTruth = truth.filter((r) => r.level === 'stream');
    expect([...upgrades.keys()]).toEqual([...new Set(streamsTruth.map((r) => r.conn!))]);
    for (const r of streamsTruth) {
      const got = Buffer.concat(upgrades.get(r.conn!)!.bytes[r.dir!]);
      expect(got.length, `${r.conn} ${r.dir}`).toBe(r.bytes);
      expect(createHash('sha256').update(got).digest('hex')).toBe(r.sha256);
    }
    // Transactions: every request answered, request start to response end.
    const transactions = await lastValueFrom(from(events).pipe(httpTransactions(), toArray()));
    expect(transactions).toHaveLength(events.filter((e) => e.type === 'http.request').length);
    for (const t of transactions) {
      expect(t.response?.request).toBe(t.request);
      expect(t.duration).toBe(t.response!.lastTs - t.request!.firstTs);
      expect(t.duration > 0n).toBe(true);
    }

    const [upgrade] = [...upgrades.values()];
    expect(upgrade!.init.request.target).toBe('/ws');
    expect(upgrade!.init.response.status).toBe(101);
  });

  const publicHttp = [
    'zeek_zeek/pipelined-requests.pcap',
    'zeek_zeek/fragmented-http-reply.pcap',
    'zeek_zeek/docker-http-upgrade.pcap',
    'zeek_zeek/http-qinq-0.pcap',
    'zeek_zeek/get_nosyn.pcap',
    'zeek_zeek/websocket.pcap',
    'OISF_suricata-verify/http-gap-simple_input.pcap',
    'OISF_suricata-verify/http-start-from-response.pcap',
    'OISF_suricata-verify/http-mime-truncated_input.pcap',
    'OISF_suricata-verify/TLPW1-tcp-174.56.47.59-10.3.11.101-tcp-80-49309.pcap',
  ];
  it.each(publicHttp)('%s: each message head sits at its offset in the reassembled stream', async (file) => {
    const { events, stream, readError } = await dissectFile(join(corpusDir!, 'public', file));
    if (readError) expect(readError.message).toMatch(/file ends inside/);
    const messages = events.filter(isHttp);
    expect(events.filter((e) => e.type === 'stream.error')).toEqual([]);
    expect(messages.length).toBeGreaterThan(0);
    for (const m of messages) {
      const bytes = stream(m.connection.id, m.dir);
      expect(Buffer.from(bytes.subarray(m.streamOffset, m.streamOffset + m.rawHead.length)).equals(Buffer.from(m.rawHead)), `${file} ${startLine(m)}`).toBe(true);
    }
    // Once a connection's first request was seen, every response answers one sent before it.
    const seenRequest = new Set<number>();
    for (const m of messages) {
      if (m.type === 'http.request') seenRequest.add(m.connection.id);
      else if (seenRequest.has(m.connection.id)) {
        expect(m.request, `${file} ${startLine(m)} @${m.streamOffset}`).toBeDefined();
        expect(m.request!.firstTs <= m.firstTs).toBe(true);
      }
    }
  });
});
