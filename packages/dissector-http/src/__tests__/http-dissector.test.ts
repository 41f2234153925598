import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Registry,
  createRegistry,
  definePlugin,
  type AppEvent,
  type Connection,
  type Direction,
  type StreamContext,
  type StreamDissector,
  type StreamDissectorFactory,
} from '@netrx/core';
import { createHttpDissectorFactory, httpDissector, type HttpDissectorOptions } from '../http-dissector.js';
import { httpPlugin } from '../http-plugin.js';
import { httpClientDecider, probeStartLine } from '../http-start-line.js';
import type { HttpRequest, HttpResponse, HttpUpgrade } from '../types.js';
import { ascii, fed, POISON, POISONING, text } from './helpers.js';

const connection: Connection = {
  id: 7,
  family: 4,
  client: { address: '10.0.0.1', port: 40000 },
  server: { address: '10.0.0.2', port: 7360 },
  clientBy: 'syn',
};

/** What a fake next dissector received. */
interface Taken {
  init: HttpUpgrade;
  bytes: Record<Direction, Uint8Array[]>;
}

/**
 * A dispatcher stand-in: feeds one dissector and routes to the one it switches to, as
 * `dissectStreams` does. With `poison`, every chunk is overwritten with 0xEE once `data()` returns
 * (see `fed`): what the dissector keeps across calls must be its own copy.
 */
function makeHarness(opts: { withWebSocket?: boolean; options?: HttpDissectorOptions; clientBy?: Connection['clientBy']; poison?: boolean } = {}) {
  const registry = new Registry();
  const upgrades = registry.addTable('http.upgrade');
  const events: AppEvent[] = [];
  let taken: Taken | undefined;
  const wsFactory: StreamDissectorFactory = {
    name: 'websocket',
    resumesAfterGap: false,
    create(_ctx, init): StreamDissector {
      const t: Taken = { init: init as HttpUpgrade, bytes: { c2s: [], s2c: [] } };
      taken = t;
      return { data: (dir, b) => void t.bytes[dir].push(b.slice()), gap() {}, end() {} };
    },
  };
  if (opts.withWebSocket !== false) upgrades.add('websocket', wsFactory);
  let current: StreamDissector;
  const ctx: StreamContext = {
    connection: opts.clientBy ? { ...connection, clientBy: opts.clientBy } : connection,
    registry,
    emit: (e) => void events.push(e),
    switchTo(factory, init, leftover) {
      current = factory.create(ctx, init);
      // Leftover goes first, in the order the dispatcher documents: client, then server.
      if (leftover?.c2s) current.data('c2s', leftover.c2s, 0n, 0);
      if (leftover?.s2c) current.data('s2c', leftover.s2c, 0n, 0);
    },
  };
  current = (opts.options ? createHttpDissectorFactory(opts.options) : httpDissector).create(ctx);
  let frame = 0;
  return {
    events,
    get taken() {
      return taken;
    },
    send(dir: Direction, s: string | Uint8Array) {
      frame++;
      fed(typeof s === 'string' ? ascii(s) : s, opts.poison ?? false, (chunk) => current.data(dir, chunk, BigInt(frame) * 1000n, frame));
    },
    gap(dir: Direction, length: number) {
      frame++;
      current.gap(dir, length, BigInt(frame) * 1000n, frame);
    },
    end() {
      current.end(BigInt(++frame) * 1000n, frame);
    },
    requests: () => events.filter((e): e is HttpRequest => e.type === 'http.request'),
    responses: () => events.filter((e): e is HttpResponse => e.type === 'http.response'),
  };
}

const UPGRADE = 'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
const SWITCH = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';
const WS_SERVER = '\x81\x05hello\x82\x02\x01\x02';
const WS_CLIENT = '\x81\x82\x01\x02\x03\x04\x69\x6b';

// Every test runs twice: with chunks left alone, and with each chunk poisoned once data() returns.
for (const poison of [false, true]) {
  const label = poison ? ' (chunks poisoned after each call)' : '';
  const harness = (opts: Parameters<typeof makeHarness>[0] = {}) => makeHarness({ poison, ...opts });

  describe(`http stream dissector${label}`, () => {
    it('emits requests and responses on a keep-alive connection, paired, with times and frames', () => {
      const h = harness();
      h.send('c2s', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      h.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\na');
      h.send('s2c', 'bc');
      h.send('c2s', 'HEAD / HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n');
      h.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n');
      h.end();
      const [r1, r2, r3] = h.requests();
      const [s1, s2, s3] = h.responses();
      expect(h.requests().map((r) => `${r.method} ${r.target}`)).toEqual(['GET /', 'HEAD /', 'GET /2']);
      expect(h.responses().map((r) => [r.status, text(r.body), r.request])).toEqual([
        [200, 'abc', r1],
        [200, '', r2],
        [204, '', r3],
      ]);
      expect(s1).toMatchObject({ connection, dir: 's2c', firstFrame: 2, lastFrame: 3, firstTs: 2000n, lastTs: 3000n, streamOffset: 0 });
      expect(r3).toMatchObject({ dir: 'c2s', firstFrame: 4, lastFrame: 4, streamOffset: 'GET / HTTP/1.1\r\nHost: x\r\n\r\nHEAD / HTTP/1.1\r\n\r\n'.length });
      expect(s2!.streamOffset).toBe(s1!.rawHead.length + 3);
      expect(s3!.bodyLength).toBe(0);
    });

    it('a 101 hands over exactly the bytes after it, wherever the segment boundaries fall', () => {
      const s2c = ascii(SWITCH + WS_SERVER);
      for (let k = 0; k <= s2c.length; k++) {
        const h = harness();
        h.send('c2s', UPGRADE + WS_CLIENT.slice(0, 3)); // client bytes right after the request: held
        h.send('c2s', WS_CLIENT.slice(3));
        h.send('s2c', s2c.subarray(0, k));
        h.send('s2c', s2c.subarray(k));
        h.send('c2s', '\x88\x80\x00\x00\x00\x00');
        const t = h.taken!;
        expect(t, `split at ${k}`).toBeDefined();
        expect(text(Buffer.concat(t.bytes.s2c))).toBe(WS_SERVER);
        expect(text(Buffer.concat(t.bytes.c2s))).toBe(WS_CLIENT + '\x88\x80\x00\x00\x00\x00');
        expect(t.init.protocol).toBe('websocket');
        expect(t.init.request.target).toBe('/ws');
        expect(t.init.response.status).toBe(101);
        expect(t.init.response.request).toBe(t.init.request);
        expect(h.events.map((e) => e.type)).toEqual(['http.request', 'http.response']);
      }
    });

    it('a refused upgrade (426, keep-alive) stays HTTP and the held request is parsed after the answer', () => {
      const h = harness();
      h.send('c2s', UPGRADE);
      h.send('c2s', 'GET /after HTTP/1.1\r\n\r\n'); // held until the 426
      expect(h.requests().map((r) => r.target)).toEqual(['/ws']);
      h.send('s2c', 'HTTP/1.1 426 Upgrade Required\r\nUpgrade: websocket\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nno!\r\n0\r\n\r\n');
      h.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      h.end();
      expect(h.taken).toBeUndefined();
      const [upgrade, after] = h.requests();
      expect(h.requests().map((r) => r.target)).toEqual(['/ws', '/after']);
      expect(after!.firstFrame).toBe(2); // its own arrival, not the 426's
      expect(h.responses().map((r) => [r.status, text(r.body), r.request])).toEqual([
        [426, 'no!', upgrade],
        [200, 'ok', after],
      ]);
    });

    it('client bytes lost while held (a gap) are told to HTTP when the upgrade is refused', () => {
      const h = harness();
      h.send('c2s', UPGRADE + 'GET /half');
      h.gap('c2s', 100);
      h.send('c2s', 'tail of something\r\nGET /next HTTP/1.1\r\n\r\n');
      h.send('s2c', 'HTTP/1.1 426 Upgrade Required\r\nContent-Length: 0\r\n\r\n');
      h.end();
      expect(h.requests().map((r) => [r.target, r.diagnostics?.map((d) => d.code)])).toEqual([
        ['/ws', undefined],
        ['/next', ['WARN_HTTP_RESYNC']],
      ]);
      expect(h.requests()[1]!.streamOffset).toBe(UPGRADE.length + 'GET /half'.length + 100 + 'tail of something\r\n'.length);
    });

    it('a 101 hands over the held client bytes only up to a hole among them', () => {
      const h = harness();
      h.send('c2s', UPGRADE + WS_CLIENT);
      h.gap('c2s', 10);
      h.send('c2s', 'after the hole');
      h.send('s2c', SWITCH);
      expect(text(Buffer.concat(h.taken!.bytes.c2s))).toBe(WS_CLIENT);
    });

    it('a refused upgrade answered 400 with Connection: close stays HTTP', () => {
      const h = harness();
      h.send('c2s', UPGRADE);
      h.send('s2c', 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 5\r\n\r\nnope!');
      h.end();
      expect(h.taken).toBeUndefined();
      expect(h.responses().map((r) => r.status)).toEqual([400]);
      expect(h.events.some((e) => e.type === 'stream.error')).toBe(false);
    });

    it('a 100 Continue does not decide an upgrade; the 101 after it does', () => {
      const h = harness();
      h.send('c2s', UPGRADE);
      h.send('s2c', 'HTTP/1.1 100 Continue\r\n\r\n');
      h.send('s2c', SWITCH + WS_SERVER);
      expect(h.responses().map((r) => r.status)).toEqual([100, 101]);
      expect(text(Buffer.concat(h.taken!.bytes.s2c))).toBe(WS_SERVER);
    });

    it('without a dissector for the token, a 101 ends HTTP without switching', () => {
      const h = harness({ withWebSocket: false });
      h.send('c2s', UPGRADE);
      h.send('s2c', SWITCH + WS_SERVER);
      h.send('s2c', 'HTTP/1.1 200 OK\r\n\r\n');
      h.end();
      expect(h.taken).toBeUndefined();
      expect(h.responses().map((r) => r.status)).toEqual([101]);
    });

    it('a 101 whose request was not seen ends HTTP with a warning, no stream.error: the bytes after it are not HTTP', () => {
      const h = harness();
      h.send('s2c', SWITCH + WS_SERVER);
      h.send('c2s', '\x81\x84\x00\x00\x00\x00\r\n\r\n'); // a frame that HTTP would take for a (bad) head
      expect(h.events.map((e) => e.type)).toEqual(['http.response']); // told as soon as the client's bytes show it
      h.end();
      expect(h.events.map((e) => e.type)).toEqual(['http.response']);
      const [r] = h.responses();
      expect(r).toMatchObject({ status: 101, request: undefined, firstFrame: 1, lastFrame: 1 });
      expect(r!.diagnostics?.map((d) => d.code)).toEqual(['WARN_HTTP_UPGRADE_UNPAIRED']);
      expect(h.taken).toBeUndefined();
    });

    it('an Upgrade header without Connection: upgrade is not an upgrade request', () => {
      const h = harness();
      h.send('c2s', 'GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\nGET /2 HTTP/1.1\r\n\r\n');
      expect(h.requests().map((r) => r.target)).toEqual(['/', '/2']);
    });

    it('a fatal violation becomes a stream.error and dissection of the connection stops', () => {
      const h = harness();
      h.send('c2s', 'GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n');
      h.send('c2s', 'GET /2 HTTP/1.1\r\n\r\n');
      h.send('s2c', 'HTTP/1.1 200 OK\r\n\r\n');
      h.end();
      expect(h.events).toHaveLength(1);
      expect(h.events[0]).toMatchObject({ type: 'stream.error', dissector: 'http', dir: 'c2s', diagnostic: { code: 'ERR_HTTP_CONTENT_LENGTH' } });
    });

    it('an HTTP/0.9 request is answered by the rest of the server stream', () => {
      const h = harness();
      h.send('c2s', 'GET /bad.html\r\n');
      h.send('s2c', '<html>\r\n\r\nHTTP/1.1 200 OK\r\n');
      h.end();
      expect(h.responses().map((r) => [r.version, r.status, text(r.body), r.request?.target])).toEqual([['HTTP/0.9', 0, '<html>\r\n\r\nHTTP/1.1 200 OK\r\n', '/bad.html']]);
    });

    it('a response body delimited by the close is emitted at the end', () => {
      const h = harness();
      h.send('c2s', 'GET / HTTP/1.0\r\n\r\n');
      h.send('s2c', 'HTTP/1.0 200 OK\r\n\r\nall of');
      h.send('s2c', ' this');
      expect(h.responses()).toHaveLength(0);
      h.end();
      expect(h.responses().map((r) => text(r.body))).toEqual(['all of this']);
    });

    it('probes for a request or status line', () => {
      const p = (s: string) => httpDissector.probe!(ascii(s), 'c2s', connection);
      expect(p('GET / HTTP/1.1\r\n')).toBe('match');
      expect(p('OPTIONS * HTTP/1.0\r\n')).toBe('match');
      expect(p('HTTP/1.1 200 OK\r\n')).toBe('match');
      expect(p('\r\nPOST /x HTTP/1.1\r\n')).toBe('match');
      expect(p('GE')).toBe('need-more');
      expect(p('GET /long/path')).toBe('need-more');
      expect(p('HTTP/1.')).toBe('need-more');
      expect(p('GET / HTTP/2.0\r\n')).toBe('reject');
      expect(p('PRI * HTTP/2.0\r\n')).toBe('reject');
      expect(p('SSH-2.0-OpenSSH_9.2\r\n')).toBe('reject');
      expect(p('\x16\x03\x01\x02\x00')).toBe('reject');
      expect(p('\x81\x85abcd')).toBe('reject');
      expect(p('HTTP/1.1 2000')).toBe('reject');
      expect(probeStartLine(ascii('GET / HTTP/1.1\r\n'), 'response')).toBe('reject');
      expect(probeStartLine(ascii('HTTP/1.1 200 OK\r\n'), 'request')).toBe('reject');
      expect(probeStartLine(ascii('HTTP/1.1 200 OK\r\n'), 'response')).toBe('match');
      expect(httpDissector).toMatchObject({ name: 'http', resumesAfterGap: true });
    });

    it('the plugin declares http.upgrade and attaches to ports 80, 8080, the tcp heuristics and tcp.client', () => {
      const fakeTcp = definePlugin({
        name: 'tcp',
        coreVersion: '^0.1.0',
        register(r) {
          r.addTable('tcp.port');
          r.addHeuristics('tcp');
          r.addHeuristics('tcp.client');
        },
      });
      const registry = createRegistry([httpPlugin, fakeTcp]);
      expect(registry.heuristics('tcp.client').active).toContain(httpClientDecider);
      expect(registry.hasTable('http.upgrade')).toBe(true);
      expect(registry.table('tcp.port').get(80)).toBe(httpDissector);
      expect(registry.table('tcp.port').get(8080)).toBe(httpDissector);
      expect(registry.heuristics('tcp').active).toContain(httpDissector);
      expect(registry.byName('http')).toBe(httpDissector);
      expect(() => createRegistry([httpPlugin])).toThrow(/depends on "tcp"/);
    });

    it('never throws on random traffic in both directions, with gaps, and emits only well-formed events', () => {
      const pieces = [UPGRADE, SWITCH, WS_SERVER, 'GET / HTTP/1.1\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc', 'HTTP/1.1 426 No\r\n\r\n', 'Transfer-Encoding: chunked\r\n', '\r\n', '5\r\n'];
      const step = fc.oneof(
        fc.record({ dir: fc.constantFrom<Direction>('c2s', 's2c'), bytes: fc.uint8Array({ maxLength: 64 }) }),
        fc.record({ dir: fc.constantFrom<Direction>('c2s', 's2c'), bytes: fc.constantFrom(...pieces).map(ascii) }),
        fc.record({ dir: fc.constantFrom<Direction>('c2s', 's2c'), gap: fc.integer({ min: 1, max: 100 }) }),
      );
      fc.assert(
        fc.property(fc.array(step, { maxLength: 30 }), fc.boolean(), (steps, syn) => {
          const registry = new Registry();
          registry.addTable('http.upgrade').add('websocket', { name: 'websocket', resumesAfterGap: true, create: () => ({ data() {}, gap() {}, end() {} }) });
          const events: AppEvent[] = [];
          let switched = 0;
          let current: StreamDissector;
          const ctx: StreamContext = {
            connection: { ...connection, clientBy: syn ? 'syn' : 'port' },
            registry,
            emit: (e) => void events.push(e),
            switchTo(factory, init) {
              switched++;
              current = factory.create(ctx, init);
            },
          };
          current = httpDissector.create(ctx);
          steps.forEach((s, i) => {
            if ('gap' in s) current.gap(s.dir, s.gap, BigInt(i), i);
            else fed(s.bytes, poison, (chunk) => current.data(s.dir, chunk, BigInt(i), i));
          });
          current.end(99n, 99);
          expect(switched).toBeLessThanOrEqual(1);
          for (const e of events) {
            expect(['http.request', 'http.response', 'stream.error']).toContain(e.type);
            if (e.type === 'http.request') expect(e.dir).toBe('c2s');
            if (e.type === 'http.response') expect(e.dir).toBe('s2c');
            expect(e.firstFrame).toBeLessThanOrEqual(e.lastFrame);
          }
        }),
        { numRuns: 1000 },
      );
    });
  });

  describe(`http stream dissector${label}: a 101 captured before its request`, () => {
    const CLIENT = UPGRADE + WS_CLIENT;
    const SERVER = SWITCH + WS_SERVER;

    /** The switch was made as if the request had come first: the next dissector has every byte. */
    function expectSwitched(h: ReturnType<typeof makeHarness>, what: string, client = WS_CLIENT) {
      const t = h.taken;
      expect(t, what).toBeDefined();
      expect(text(Buffer.concat(t!.bytes.s2c)), what).toBe(WS_SERVER);
      expect(text(Buffer.concat(t!.bytes.c2s)), what).toBe(client);
      expect(t!.init.protocol).toBe('websocket');
      expect(t!.init.request.target).toBe('/ws');
      expect(t!.init.response.status).toBe(101);
      expect(t!.init.response.request).toBe(t!.init.request);
      expect(t!.init.response.diagnostics).toBeUndefined();
      // The request is emitted before the response it pairs with.
      expect(h.events.map((e) => e.type), what).toEqual(['http.request', 'http.response']);
    }

    it('holds the 101 and the server bytes after it until the request, wherever the server stream is split', () => {
      const s2c = ascii(SERVER);
      for (let k = SWITCH.length; k <= s2c.length; k++) {
        const h = harness();
        h.send('s2c', s2c.subarray(0, k));
        h.send('s2c', s2c.subarray(k));
        expect(h.events).toHaveLength(0); // nothing to pair with yet, nothing lost
        h.send('c2s', CLIENT);
        expectSwitched(h, `server split at ${k}`);
        expect(h.responses()[0]).toMatchObject({ firstFrame: 1, lastFrame: 1, firstTs: 1000n });
        expect(h.requests()[0]).toMatchObject({ firstFrame: 3, lastFrame: 3 });
      }
    });

    it('pairs and switches wherever the client stream is split, with server bytes arriving in between', () => {
      const c2s = ascii(CLIENT);
      for (let j = 0; j <= c2s.length; j++) {
        const h = harness();
        h.send('s2c', SWITCH + WS_SERVER.slice(0, 4));
        h.send('c2s', c2s.subarray(0, j));
        h.send('s2c', WS_SERVER.slice(4));
        h.send('c2s', c2s.subarray(j));
        h.send('c2s', '\x88\x80\x00\x00\x00\x00'); // after the switch: the next dissector's directly
        expectSwitched(h, `client split at ${j}`, WS_CLIENT + '\x88\x80\x00\x00\x00\x00');
        // The request's first frame is the one its first byte came in (frame 2 unless that piece was empty).
        expect(h.requests()[0]!.firstFrame, `client split at ${j}`).toBe(j === 0 ? 4 : 2);
      }
    });

    it('pairs and switches with both streams delivered one byte at a time, interleaved', () => {
      const s2c = ascii(SERVER);
      const c2s = ascii(CLIENT);
      const h = harness();
      for (let i = 0; i < SWITCH.length; i++) h.send('s2c', s2c.subarray(i, i + 1));
      for (let i = 0; i < Math.max(s2c.length, c2s.length); i++) {
        if (SWITCH.length + i < s2c.length) h.send('s2c', s2c.subarray(SWITCH.length + i, SWITCH.length + i + 1));
        if (i < c2s.length) h.send('c2s', c2s.subarray(i, i + 1));
      }
      expectSwitched(h, 'byte by byte');
    });

    it('a capture picked up midstream (no SYN) still finds the request after client bytes it skips', () => {
      const h = harness({ clientBy: 'port' });
      h.send('s2c', SERVER);
      h.send('c2s', 'the end of something\r\n' + CLIENT);
      expectSwitched(h, 'midstream');
      expect(h.requests()[0]!.diagnostics?.map((d) => d.code)).toEqual(['WARN_HTTP_RESYNC']);
    });

    it('a refused upgrade seen before its request stays HTTP, as before', () => {
      const h = harness();
      h.send('s2c', 'HTTP/1.1 426 Upgrade Required\r\nContent-Length: 0\r\n\r\n');
      h.send('c2s', UPGRADE);
      h.send('c2s', 'GET /after HTTP/1.1\r\n\r\n');
      h.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      h.end();
      expect(h.taken).toBeUndefined();
      expect(h.events.some((e) => e.type === 'stream.error')).toBe(false);
      expect(h.responses().map((r) => r.status)).toEqual([426, 200]);
    });

    it('a connection that ends before any request: the 101 is emitted unpaired, with a warning', () => {
      const h = harness();
      h.send('s2c', SERVER);
      h.send('s2c', WS_SERVER);
      h.end();
      expect(h.taken).toBeUndefined();
      expect(h.responses().map((r) => [r.status, r.request, r.firstFrame, r.diagnostics?.map((d) => d.code)])).toEqual([[101, undefined, 1, ['WARN_HTTP_UPGRADE_UNPAIRED']]]);
    });

    it('server bytes past the cap: the 101 is emitted unpaired, with a warning, and HTTP stops', () => {
      const h = harness({ options: { maxHeldBytes: 16 } });
      h.send('s2c', SERVER); // 9 bytes after the 101: held
      expect(h.events).toHaveLength(0);
      h.send('s2c', 'x'.repeat(8));
      expect(h.responses().map((r) => r.diagnostics?.[0]?.message)).toEqual([expect.stringMatching(/server bytes .*cap/)]);
      h.send('c2s', CLIENT);
      h.end();
      expect(h.taken).toBeUndefined();
      expect(h.events.map((e) => e.type)).toEqual(['http.response']);
    });

    it('a midstream client that sends no request within the cap: the 101 is emitted unpaired, with a warning', () => {
      const h = harness({ clientBy: 'port', options: { maxHeldBytes: 64 } });
      h.send('s2c', SERVER);
      for (let i = 0; i < 5; i++) h.send('c2s', '\x81\x8a\x01\x02\x03\x04abcdefghij\r\n');
      expect(h.responses().map((r) => r.diagnostics?.map((d) => d.code))).toEqual([['WARN_HTTP_UPGRADE_UNPAIRED']]);
      expect(h.responses()[0]!.diagnostics![0]!.message).toMatch(/client bytes .* no complete request/);
      expect(h.taken).toBeUndefined();
    });

    it('a client request line longer than the probe looks at is not taken for one', () => {
      const h = harness();
      h.send('s2c', SERVER);
      h.send('c2s', 'GET /' + 'a'.repeat(5000));
      expect(h.responses().map((r) => r.diagnostics?.map((d) => d.code))).toEqual([['WARN_HTTP_UPGRADE_UNPAIRED']]);
    });

    it('client bytes missing where the request would be: the 101 is emitted unpaired, with a warning', () => {
      const h = harness();
      h.send('s2c', SERVER);
      h.gap('c2s', 200);
      h.send('c2s', WS_CLIENT);
      h.end();
      expect(h.taken).toBeUndefined();
      expect(h.responses().map((r) => r.diagnostics?.[0]?.message)).toEqual([expect.stringMatching(/200 client bytes were not captured/)]);
    });

    it('a hole among the held server bytes: the switch gets the bytes before it, and the loss is reported', () => {
      const h = harness();
      h.send('s2c', SERVER);
      h.gap('s2c', 10);
      h.send('s2c', 'after the hole');
      h.send('c2s', CLIENT);
      expect(text(Buffer.concat(h.taken!.bytes.s2c))).toBe(WS_SERVER);
      expect(text(Buffer.concat(h.taken!.bytes.c2s))).toBe(WS_CLIENT);
      const err = h.events.find((e) => e.type === 'stream.error');
      expect(err).toMatchObject({ dir: 's2c', dissector: 'http', diagnostic: { code: 'WARN_HTTP_UPGRADE_BYTES_LOST', severity: 'warning' } });
      expect(err!.type === 'stream.error' && err!.diagnostic.message).toMatch(/^24 bytes/);
    });

    it('a 101 answering a request that did not ask for an upgrade still ends HTTP, as before', () => {
      const h = harness();
      h.send('s2c', SERVER);
      h.send('c2s', 'GET / HTTP/1.1\r\n\r\n' + WS_CLIENT);
      h.end();
      expect(h.taken).toBeUndefined();
      expect(h.events.map((e) => e.type)).toEqual(['http.request', 'http.response']);
      expect(h.responses()[0]!.request).toBe(h.requests()[0]);
    });
  });
}

describe.skipIf(!POISONING)('chunk poisoning (the test helper)', () => {
  it('catches code that keeps a view of a chunk instead of a copy', () => {
    const bytes = ascii('GET / HTTP/1.1\r\n');
    let view: Uint8Array | undefined;
    let copy: Uint8Array | undefined;
    fed(bytes, true, (chunk) => {
      view = chunk;
      copy = chunk.slice();
    });
    expect(text(copy!)).toBe('GET / HTTP/1.1\r\n');
    expect(view!.every((b) => b === POISON)).toBe(true);
    expect(text(bytes)).toBe('GET / HTTP/1.1\r\n'); // the caller's bytes are not touched
  });
});
