import { lastValueFrom, toArray } from 'rxjs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { websocketMessageJson } from '@netrx/dissector-websocket';
import type { StreamClose } from '@netrx/core';
import { InspectorStore, previewLine } from '../inspector-store.js';
import { CHAT, connection, fileEvents, httpRequest, httpResponse, netrxWsJsonl, wsMessage } from './harness.js';

describe('InspectorStore on the chat capture', () => {
  it('keeps every message as its netrx ws --format jsonl line, and both connections with their handshakes', async () => {
    const events = await lastValueFrom(fileEvents(CHAT).pipe(toArray()));
    const store = new InspectorStore();
    for (const e of events) store.add(e);
    store.end();
    const expected = await netrxWsJsonl(CHAT);
    expect(store.ring.next).toBe(expected.length);
    expect(expected.length).toBe(32);
    for (let seq = 0; seq < expected.length; seq++) expect(store.ring.line(seq)).toBe(expected[seq]);
    // Long messages (the 70 KB texts, the 256-byte binaries as hex) go to the page as capped previews.
    const long = expected.map((l, seq) => [l, store.ring.shipped(seq)!] as const).filter(([l]) => l.length > 600);
    expect(long.length).toBe(5);
    expect(expected.map((_, seq) => store.ring.isCapped(seq)).filter(Boolean)).toHaveLength(5);
    for (const [l, s] of long) {
      const full = JSON.parse(l) as { text?: string; hex?: string; length: number };
      const p = JSON.parse(s) as { capped: boolean; text?: string; hex?: string; length: number };
      expect(p.capped).toBe(true);
      expect(p.length).toBe(full.length);
      if (full.text !== undefined) expect(full.text.startsWith(p.text!) && p.text!.length > 150).toBe(true);
      else expect(p.hex).toBe(full.hex!.slice(0, 200));
    }
    for (let seq = 0; seq < expected.length; seq++) if (expected[seq]!.length <= 600) expect(store.ring.shipped(seq)).toBe(expected[seq]);
    const conns = [...store.connections.all()];
    expect(conns.map((c) => c.id)).toEqual([0, 1]);
    for (const c of conns) {
      expect(c.path).toBe('/');
      expect(c.host).toBe('127.0.0.1:7272');
      expect(c.extensions).toBe('permessage-deflate');
      expect(c.state).toBe('closed');
      expect(c.tcpClose).toBe('fin');
      expect(c.closeCode).toBe(1000);
      expect(c.closeReason).toBe('bye');
      expect(c.closedBy).toBe('c2s');
      expect(c.request?.startLine).toBe('GET / HTTP/1.1');
      expect(c.response?.startLine).toBe('HTTP/1.1 101 Switching Protocols');
      expect(c.request?.headers).toContainEqual(['Upgrade', 'websocket']);
      expect(Number(c.opened)).toBeLessThan(Number(c.closed));
      const lines = expected.map((l) => JSON.parse(l) as { stream: number; dir: string; length: number }).filter((m) => m.stream === c.id);
      for (const dir of ['c2s', 's2c'] as const) {
        const mine = lines.filter((m) => m.dir === dir);
        expect(c.messages[dir]).toBe(mine.length);
        expect(c.bytes[dir]).toBe(mine.reduce((a, m) => a + m.length, 0));
      }
    }
    expect(conns[1]!.client).toBe('127.0.0.1:55432');
    expect(store.source).toEqual({ state: 'done' });
  });
});

describe('InspectorStore connection states', () => {
  it('follows a handshake, messages, close frames and the TCP close', () => {
    const store = new InspectorStore();
    const c = connection(5);
    const req = httpRequest(c, '/chat?room=1', [['Host', 'chat.test'], ['Upgrade', 'WebSocket'], ['Sec-WebSocket-Protocol', 'chat.v2, chat.v1']]);
    store.add(req);
    expect(store.connections.get(5)?.state).toBe('handshake');
    store.add(httpResponse(req, 101, 'Switching Protocols', [['Upgrade', 'websocket'], ['Sec-WebSocket-Protocol', 'chat.v2'], ['Sec-WebSocket-Extensions', 'permessage-deflate; server_no_context_takeover']]));
    let v = store.connections.get(5)!;
    expect(v.state).toBe('open');
    expect(v.protocol).toBe('chat.v2');
    expect(v.extensions).toBe('permessage-deflate; server_no_context_takeover');
    store.add(wsMessage(c, 'c2s', 'text', 'hello'));
    store.add(wsMessage(c, 's2c', 'close', Buffer.from([0x03, 0xe9, 0x67, 0x6f]), { closeCode: 1001, closeReason: 'go' }));
    v = store.connections.get(5)!;
    expect(v.state).toBe('closing');
    expect([v.closeCode, v.closeReason, v.closedBy]).toEqual([1001, 'go', 's2c']);
    store.add(wsMessage(c, 'c2s', 'close', Buffer.from([0x03, 0xe9]), { closeCode: 1001 }));
    expect(store.connections.get(5)!.state).toBe('closed');
    const close: StreamClose = { type: 'close', connection: c, ts: 1_800_000_000_000_000_000n, frame: 9, reason: 'rst', stats: {} as StreamClose['stats'] };
    store.add(close);
    expect(store.connections.get(5)!.tcpClose).toBe('rst');
    expect(store.connections.get(5)!.messages).toEqual({ c2s: 2, s2c: 1 });
  });

  it('shows a failed upgrade, and tracks no plain HTTP', () => {
    const store = new InspectorStore();
    const c = connection(1);
    const req = httpRequest(c, '/ws');
    store.add(req);
    store.add(httpResponse(req, 403, 'Forbidden', [['Content-Length', '0']]));
    const v = store.connections.get(1)!;
    expect(v.state).toBe('failed');
    expect(v.response?.startLine).toBe('HTTP/1.1 403 Forbidden');
    const plain = httpRequest(connection(2), '/index.html', [['Host', 'x']]);
    store.add(plain);
    store.add(httpResponse(plain, 200, 'OK', []));
    expect(store.connections.get(2)).toBeUndefined();
    expect(store.connections.size).toBe(1);
  });

  it('tracks a connection whose handshake was not captured from its first message', () => {
    const store = new InspectorStore();
    store.add(wsMessage(connection(3), 's2c', 'binary', new Uint8Array([1, 2, 3])));
    const v = store.connections.get(3)!;
    expect(v.midstream).toBe(true);
    expect(v.state).toBe('open');
    expect(v.request).toBeUndefined();
  });

  it('sends the page only connections changed since the revision it has', () => {
    const store = new InspectorStore();
    store.add(wsMessage(connection(1), 'c2s', 'text', 'a'));
    const r1 = store.connections.rev;
    store.add(wsMessage(connection(2), 'c2s', 'text', 'b'));
    expect((JSON.parse(store.connections.changedJson(r1)) as { id: number }[]).map((c) => c.id)).toEqual([2]);
    expect(JSON.parse(store.connections.changedJson(0))).toHaveLength(2);
    expect(store.connections.changedJson(store.connections.rev)).toBe('[]');
  });

  it('forgets the oldest closed connection past its cap, and counts it', () => {
    const store = new InspectorStore({ maxConnections: 2 });
    const a = connection(1);
    store.add(wsMessage(a, 'c2s', 'close', new Uint8Array(0)));
    store.add(wsMessage(a, 's2c', 'close', new Uint8Array(0)));
    store.add(wsMessage(connection(2), 'c2s', 'text', 'x'));
    store.add(wsMessage(connection(3), 'c2s', 'text', 'y'));
    expect([...store.connections.all()].map((c) => c.id)).toEqual([2, 3]);
    expect(store.connections.forgotten).toBe(1);
  });

  it('tells its listener once per batch of changes', () => {
    const store = new InspectorStore();
    let calls = 0;
    store.onChange = () => calls++;
    store.add(wsMessage(connection(1), 'c2s', 'text', 'a'));
    store.add(wsMessage(connection(1), 'c2s', 'text', 'b'));
    expect(calls).toBe(1);
    expect(store.takeChange()).toBe(true);
    store.add(wsMessage(connection(1), 'c2s', 'text', 'c'));
    expect(calls).toBe(2);
  });
});

describe('previewLine', () => {
  const preview = (m: ReturnType<typeof wsMessage>, chars: number) => JSON.parse(previewLine(websocketMessageJson(m), chars)) as Record<string, unknown>;

  it('cuts text and hex, drops the endpoints, marks it capped, and keeps every other field', () => {
    const p = preview(wsMessage(connection(1), 'c2s', 'text', 'abcdefgh', { frames: 3, warnings: [{ code: 'W', message: 'm', severity: 'warning' } as never] }), 3);
    expect(p).toMatchObject({ stream: 1, dir: 'c2s', type: 'text', length: 8, text: 'abc', frames: 3, capped: true, warnings: [{ code: 'W', message: 'm' }] });
    expect(p).not.toHaveProperty('client');
    const b = preview(wsMessage(connection(1), 's2c', 'binary', new Uint8Array(100)), 9);
    expect(b['hex']).toBe('00000000');
    expect(b['length']).toBe(100);
  });

  it('keeps the layers the connection came through (tls, tunnel), dropping only the endpoints', () => {
    const via = { tls: { version: 'TLSv1.3', suite: 'TLS_AES_128_GCM_SHA256', sni: 'a"dir":b' }, tunnel: 'socks5 ,"dir":"x"' };
    const c = { ...connection(1), via };
    const text = preview(wsMessage(c, 's2c', 'text', 'abcdefgh'), 3);
    expect(text).toMatchObject({ stream: 1, ...via, dir: 's2c', type: 'text', text: 'abc', capped: true });
    expect(text).not.toHaveProperty('client');
    expect(text).not.toHaveProperty('server');
    const b = preview(wsMessage(c, 'c2s', 'binary', new Uint8Array(100)), 8);
    expect(b).toMatchObject({ ...via, dir: 'c2s', hex: '00000000', length: 100 });
    // IPv6 endpoints too.
    const v6 = { ...c, client: { address: 'fe80::1', port: 5 }, server: { address: '::1', port: 443 } };
    expect(Object.keys(preview(wsMessage(v6, 'c2s', 'text', 'abcdef'), 2))).toEqual(['ts', 'stream', 'tls', 'tunnel', 'dir', 'type', 'length', 'text', 'compressed', 'frames', 'capped']);
  });

  it('never cuts inside an escape sequence or a surrogate pair: a valid JSON prefix of the text, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '"', '\\', '\n', '\u0001', '😀', '！', 'é'), maxLength: 60 }), fc.integer({ min: 1, max: 40 }), (text, chars) => {
        const line = websocketMessageJson(wsMessage(connection(1), 'c2s', 'text', text));
        const p = JSON.parse(previewLine(line, chars)) as { text: string; capped: boolean };
        expect(text.startsWith(p.text)).toBe(true);
        expect(JSON.stringify(p.text).length - 2).toBeLessThanOrEqual(Math.max(chars, JSON.stringify(text).length - 2));
        expect(p.text).not.toMatch(/[\ud800-\udbff]$/);
        expect(p.capped).toBe(true);
      }),
    );
  });

  it('cuts a large decoded value', () => {
    const m = wsMessage(connection(1), 'c2s', 'text', 'x', { decoded: { protocol: 'p', value: 'v'.repeat(5000) } });
    expect(preview(m, 10)['decoded']).toBe('[too large for a preview]');
  });
});
