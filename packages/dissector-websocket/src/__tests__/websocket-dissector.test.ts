import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { WebSocketMessage } from '../types.js';
import { chatFrames, concat, connection, drive, encodeFrame, keyOf, midstream, upgrade } from './frames.js';
import { deflateAlone, deflateTakeover } from './deflate.js';
import { randomBytes } from 'node:crypto';
import { findFrameChain } from '../frame-chain-search.js';
import { SECURITY_BITS_HEURISTIC, SECURITY_BITS_RESYNC } from '../frame-evidence.js';
import { prng } from './deflate-sequences.js';

const codes = (m: WebSocketMessage | undefined) => m?.warnings.map((w) => w.code);
const M = 0x5a6b7c8d; // a masking key

describe('WebSocket dissector: messages', () => {
  it('joins fragments, passes control frames between them, and decodes UTF-8 split across frames', () => {
    const t = drive(upgrade());
    const euro = new TextEncoder().encode('price: 5€'); // € is 3 bytes: split it between frames
    t.c2s(
      concat(
        encodeFrame({ opcode: 1, fin: false, payload: euro.subarray(0, 9), mask: M }),
        encodeFrame({ opcode: 9, payload: 'are you there', mask: M }),
        encodeFrame({ opcode: 0, fin: false, payload: euro.subarray(9, 10), mask: M }),
      ),
      encodeFrame({ opcode: 0, payload: euro.subarray(10), mask: M }),
    );
    const ms = t.messages();
    expect(ms.map((m) => [m.kind, m.text ?? Buffer.from(m.payload).toString(), m.frames])).toEqual([
      ['ping', 'are you there', 1],
      ['text', 'price: 5€', 3],
    ]);
    expect(ms[1]!.warnings).toEqual([]);
    expect(ms[1]!.firstFrame).toBe(1);
    expect(ms[1]!.lastFrame).toBe(2);
  });

  it('reads several fragmented messages from one segment', () => {
    const t = drive(upgrade());
    t.s2c(
      concat(
        encodeFrame({ opcode: 2, fin: false, payload: Uint8Array.of(1, 2) }),
        encodeFrame({ opcode: 0, payload: Uint8Array.of(3) }),
        encodeFrame({ opcode: 1, fin: false, payload: 'a' }),
        encodeFrame({ opcode: 0, fin: false, payload: 'b' }),
        encodeFrame({ opcode: 0, payload: 'c' }),
        encodeFrame({ opcode: 8, payload: concat(Uint8Array.of(0x03, 0xe8), new TextEncoder().encode('bye')) }),
      ),
    );
    expect(t.messages().map((m) => [m.kind, m.text ?? Buffer.from(m.payload).toString('hex'), m.frames, m.closeCode, m.closeReason])).toEqual([
      ['binary', '010203', 2, undefined, undefined],
      ['text', 'abc', 3, undefined, undefined],
      ['close', '03e8627965', 1, 1000, 'bye'],
    ]);
  });

  it('inflates permessage-deflate with context takeover, fragmented compressed messages and empty ones', async () => {
    const t = drive(upgrade({ extensions: 'permessage-deflate' }));
    const [a, b, empty, c] = await deflateTakeover(['{"type":"login","name":"mynick"}', '{"type":"login","name":"mynick2"}', '', 'x'.repeat(3000)]);
    t.s2c(encodeFrame({ opcode: 1, rsv: 4, payload: a! }));
    // Fragmented: RSV1 only on the first frame (RFC 7692 §6.1), the compressed bytes split anywhere.
    t.s2c(concat(encodeFrame({ opcode: 1, rsv: 4, fin: false, payload: b!.subarray(0, 5) }), encodeFrame({ opcode: 0, fin: false, payload: b!.subarray(5, 9) })));
    t.s2c(encodeFrame({ opcode: 0, payload: b!.subarray(9) }));
    t.s2c(encodeFrame({ opcode: 1, rsv: 4, payload: empty! }));
    t.s2c(encodeFrame({ opcode: 2, rsv: 4, payload: c! }));
    const ms = t.messages();
    expect(ms.map((m) => [m.kind, m.compressed, m.frames, m.payload.length, m.undecodable])).toEqual([
      ['text', true, 1, 32, undefined],
      ['text', true, 3, 33, undefined],
      ['text', true, 1, 0, undefined],
      ['binary', true, 1, 3000, undefined],
    ]);
    expect(ms[1]!.text).toBe('{"type":"login","name":"mynick2"}');
    expect(ms[2]!.text).toBe('');
    expect(ms.flatMap((m) => m.warnings)).toEqual([]);
  });

  it('keeps a context per direction; no_context_takeover peers inflate message by message', async () => {
    const t = drive(upgrade({ extensions: 'permessage-deflate; server_no_context_takeover' }));
    const [c1, c2] = await deflateTakeover(['client says hello', 'client says hello again']);
    t.c2s(encodeFrame({ opcode: 1, rsv: 4, payload: c1!, mask: M }));
    t.s2c(encodeFrame({ opcode: 1, rsv: 4, payload: deflateAlone('server one') }));
    t.s2c(encodeFrame({ opcode: 1, rsv: 4, payload: deflateAlone('server two') }));
    t.c2s(encodeFrame({ opcode: 1, rsv: 4, payload: c2!, mask: M }));
    expect(t.messages().map((m) => [m.dir, m.text])).toEqual([
      ['c2s', 'client says hello'],
      ['s2c', 'server one'],
      ['s2c', 'server two'],
      ['c2s', 'client says hello again'],
    ]);
  });

  it('keeps no context between the messages of a no_context_takeover peer: one that refers back anyway is undecodable, not wrong', async () => {
    const t = drive(upgrade({ extensions: 'permessage-deflate; client_no_context_takeover; client_max_window_bits=10' }));
    const [c1, c2] = await deflateTakeover(['client says hello', 'client says hello again']);
    t.c2s(encodeFrame({ opcode: 1, rsv: 4, payload: c1!, mask: M }));
    t.c2s(encodeFrame({ opcode: 1, rsv: 4, payload: deflateAlone('alone'), mask: M }));
    t.c2s(encodeFrame({ opcode: 1, rsv: 4, payload: c2!, mask: M }));
    t.c2s(encodeFrame({ opcode: 1, rsv: 4, payload: deflateAlone('alone again'), mask: M }));
    expect(t.messages().map((m) => [m.text, m.undecodable])).toEqual([
      ['client says hello', undefined],
      ['alone', undefined],
      [undefined, expect.stringMatching(/too far back/)],
      ['alone again', undefined],
    ]);
  });

  it('reports a deflate bomb as undecodable instead of inflating it', () => {
    const t = drive(upgrade({ extensions: 'permessage-deflate' }), { maxMessageSize: 1 << 20 });
    t.s2c(encodeFrame({ opcode: 2, rsv: 4, payload: deflateAlone(new Uint8Array(8 << 20)) }));
    const [m] = t.messages();
    expect(m!.undecodable).toMatch(/cap/);
    expect(m!.payload.length).toBe(0);
  });

  it('after a gap with context takeover, says which messages it cannot inflate, and shows no wrong text', async () => {
    const t = drive(upgrade({ extensions: 'permessage-deflate' }));
    const texts = ['the first message of the stream', 'the second message of the stream', 'the third message of the stream', 'zzzz'];
    for (let i = 0; i < 12; i++) texts.push(`message ${i} of the stream`);
    const c = await deflateTakeover(texts);
    t.s2c(encodeFrame({ opcode: 1, rsv: 4, payload: c[0]! }));
    const lost = encodeFrame({ opcode: 1, rsv: 4, payload: c[1]! });
    t.dissector.gap('s2c', lost.length, 9n, 9);
    t.s2c(concat(...c.slice(2).map((p) => encodeFrame({ opcode: 1, rsv: 4, payload: p }))));
    t.dissector.end(99n, 99);
    const ms = t.messages();
    expect(ms[0]!.text).toBe(texts[0]);
    // Compressed frames say little about themselves: several are needed before frames are
    // believed again. Whatever is shown is what was sent; what needs lost history is not shown.
    expect(ms.length).toBeGreaterThan(3);
    for (const m of ms.slice(1)) {
      if (m.undecodable === undefined && !m.partial) expect(texts).toContain(m.text);
    }
    expect(ms.slice(1).some((m) => m.undecodable !== undefined || m.partial)).toBe(true);
    expect(codes(ms[1])).toContain('WARN_WS_GAP');
  });
});

describe('WebSocket dissector: RFC violations are warnings on the message', () => {
  it('client frame not masked, server frame masked', () => {
    const t = drive(upgrade());
    t.c2s(encodeFrame({ opcode: 1, payload: 'plain' }));
    t.s2c(encodeFrame({ opcode: 1, payload: 'hidden', mask: M }));
    expect(t.messages().map((m) => [m.text, codes(m)])).toEqual([
      ['plain', ['WARN_WS_CLIENT_UNMASKED']],
      ['hidden', ['WARN_WS_SERVER_MASKED']],
    ]);
  });

  it('control frame over 125 bytes, fragmented control frame', () => {
    const t = drive(upgrade());
    t.s2c(encodeFrame({ opcode: 9, payload: 'x'.repeat(126) }), encodeFrame({ opcode: 10, fin: false, payload: 'p' }));
    expect(t.messages().map(codes)).toEqual([['WARN_WS_CONTROL_TOO_LONG'], ['WARN_WS_CONTROL_FRAGMENTED']]);
  });

  it('RSV bits without a negotiated extension: warned, and a "compressed" payload is not shown as text', () => {
    const t = drive(upgrade());
    t.s2c(encodeFrame({ opcode: 1, rsv: 4, payload: deflateAlone('squeezed') }), encodeFrame({ opcode: 2, rsv: 2, payload: 'r' }));
    const [a, b] = t.messages();
    expect(codes(a)).toEqual(['WARN_WS_RSV']);
    expect(a!.undecodable).toMatch(/no extension was negotiated/);
    expect(a!.text).toBeUndefined();
    expect(codes(b)).toEqual(['WARN_WS_RSV']);
  });

  it('close codes that may not be sent, a 1-byte close payload, invalid UTF-8', () => {
    const t = drive(upgrade());
    t.s2c(
      encodeFrame({ opcode: 8, payload: Uint8Array.of(0x03, 0xed) }), // 1005
      encodeFrame({ opcode: 8, payload: Uint8Array.of(0x03) }),
      encodeFrame({ opcode: 1, payload: Uint8Array.of(0x68, 0xc3, 0x28) }),
      encodeFrame({ opcode: 8, payload: Uint8Array.of(0x0f, 0xa0) }), // 4000: fine
    );
    const ms = t.messages();
    expect(ms.map(codes)).toEqual([['WARN_WS_CLOSE_CODE'], ['WARN_WS_CLOSE_PAYLOAD'], ['WARN_WS_INVALID_UTF8'], []]);
    expect(ms[0]!.closeCode).toBe(1005);
    expect(ms[3]!.closeCode).toBe(4000);
  });

  it('Sec-WebSocket-Accept that does not match the key', () => {
    const ok = drive(upgrade());
    ok.s2c(encodeFrame({ opcode: 1, payload: 'a' }));
    expect(codes(ok.messages()[0])).toEqual([]);
    const bad = drive(upgrade({ accept: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' }));
    bad.c2s(encodeFrame({ opcode: 1, payload: 'a', mask: M }));
    expect(codes(bad.messages()[0])).toEqual([]);
    expect(bad.events.filter((e) => e.type === 'ws.warning').map((w) => w.warnings.map((d) => d.code))).toEqual([['WARN_WS_ACCEPT_MISMATCH']]);
  });

  it('a message cut by the end of the connection is reported, not dropped', () => {
    const t = drive(upgrade());
    t.s2c(encodeFrame({ opcode: 1, fin: false, payload: 'half' }));
    t.dissector.end(9n, 9);
    expect(t.messages().map((m) => [m.kind, m.undecodable])).toEqual([['text', 'the connection ended before the final fragment']]);
    const cut = drive(upgrade());
    cut.s2c(encodeFrame({ opcode: 2, payload: new Uint8Array(50) }).subarray(0, 20));
    cut.dissector.end(9n, 9);
    expect(cut.messages().map((m) => [m.kind, m.undecodable])).toEqual([['binary', 'the connection ended 32 bytes before the end of the frame']]);
  });
});

describe('WebSocket dissector: findings that belong to no message', () => {
  it('emits a wrong Sec-WebSocket-Accept as a ws.warning at once, stamped with the 101 response, before any message', () => {
    const t = drive(upgrade({ accept: 'bm90IHRoZSByaWdodCBrZXk=' }));
    // Nothing else has happened yet: the record does not wait for a message or the end.
    const warnings = t.events.filter((e) => e.type === 'ws.warning');
    expect(warnings.map((w) => [w.dir, w.warnings.map((d) => d.code)])).toEqual([['c2s', ['WARN_WS_ACCEPT_MISMATCH']]]);
    t.c2s(encodeFrame({ opcode: 1, payload: 'hi', mask: M }));
    t.dissector.end(5n, 5);
    expect(codes(t.messages()[0])).toEqual([]);
    expect(t.events.filter((e) => e.type === 'ws.warning')).toHaveLength(1);
  });

  it('emits a frame header with an impossible length as a ws.warning at once, with the bytes it skipped at the end', () => {
    const t = drive(upgrade({}));
    t.s2c(encodeFrame({ opcode: 1, payload: 'before' }));
    // 2^63 - 1 and a length with the MSB set: no peer may send either (RFC 6455 §5.2).
    t.s2c(Uint8Array.of(0x82, 0x7f, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3));
    const now = t.events.filter((e) => e.type === 'ws.warning');
    expect(now.map((w) => w.warnings.map((d) => d.code))).toEqual([['WARN_WS_BAD_HEADER']]);
    t.dissector.end(5n, 5);
    expect(t.events.filter((e) => e.type === 'ws.warning').map((w) => w.warnings.map((d) => d.code))).toEqual([['WARN_WS_BAD_HEADER'], ['WARN_WS_UNPARSED']]);
    const msb = drive(upgrade({}));
    msb.c2s(Uint8Array.of(0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 9, 9, 9, 9));
    expect(msb.events.filter((e) => e.type === 'ws.warning').map((w) => [w.dir, w.warnings[0]!.code])).toEqual([['c2s', 'WARN_WS_BAD_HEADER']]);
  });

  it('reports bytes searched in vain, with no message after them, as a ws.warning', () => {
    const t = drive(undefined, {}, midstream);
    t.c2s(new Uint8Array(500).fill(0x70));
    t.dissector.end(5n, 5);
    expect(t.events.filter((e) => e.type === 'ws.warning').map((w) => w.warnings.map((d) => d.code))).toEqual([['WARN_WS_UNPARSED']]);
  });
});

describe('WebSocket dissector: without a handshake', () => {
  it('tells the client by its masking when the roles were only guessed', () => {
    const guessed = { ...connection, client: connection.server, server: connection.client, clientBy: 'port' as const };
    const t = drive(undefined, {}, guessed);
    // The guessed client (port 7272) sends unmasked frames: it is the server.
    t.c2s(concat(...chatFrames(2, false, 'from server')));
    t.s2c(concat(...chatFrames(2, true, 'from client'), encodeFrame({ opcode: 9, mask: M })));
    const ms = t.messages();
    expect(ms.map((m) => [m.dir, m.text ?? m.kind, m.connection.client.port])).toEqual([
      ['s2c', 'from server message 0: how are you today?', 50000],
      ['s2c', 'from server message 1: how are you today?', 50000],
      ['c2s', 'from client message 0: how are you today?', 50000],
      ['c2s', 'from client message 1: how are you today?', 50000],
      ['c2s', 'ping', 50000],
    ]);
    expect(ms[0]!.connection.clientBy).toBe('ws-mask');
    expect(ms.flatMap((m) => m.warnings)).toEqual([]);
  });

  it('takes the server from a decode-as rule: it names the server’s port, whatever the reassembler guessed', () => {
    // 10.0.0.2:7272 is the server; the reassembler, with no SYN, guessed the other way round.
    const guessed = { ...connection, client: connection.server, server: connection.client, clientBy: 'ws-mask' as const };
    const t = drive(undefined, {}, guessed, (r) => r.addDecodeAs('tcp.port==7272,websocket'));
    // Wire c2s is 7272 → 50000: the server's, unmasked.
    t.c2s(concat(...chatFrames(3, false, 'server says')));
    t.s2c(concat(...chatFrames(3, true, 'client says')));
    const ms = t.messages();
    expect(ms.map((m) => [m.dir, m.connection.server.port, m.connection.clientBy])).toEqual([
      ['s2c', 7272, 'decode-as'],
      ['s2c', 7272, 'decode-as'],
      ['s2c', 7272, 'decode-as'],
      ['c2s', 7272, 'decode-as'],
      ['c2s', 7272, 'decode-as'],
      ['c2s', 7272, 'decode-as'],
    ]);
    expect(ms.flatMap((m) => m.warnings.map((w) => w.code)).filter((c) => c !== 'WARN_WS_RESYNC')).toEqual([]);
    // The server's side is searched only for unmasked frames: masked ones there are not believed.
    const wrong = drive(undefined, {}, guessed, (r) => r.addDecodeAs('tcp.port==7272,websocket'));
    wrong.c2s(concat(...chatFrames(3, true)));
    wrong.dissector.end(1n, 1);
    expect(wrong.messages()).toEqual([]);
  });

  it('lets masking settle roles the reassembler guessed from a first header', () => {
    const guessed = { ...connection, client: connection.server, server: connection.client, clientBy: 'ws-mask' as const };
    const t = drive(undefined, {}, guessed);
    t.c2s(concat(...chatFrames(3, false)));
    // Unmasked frames alone do not confirm WebSocket: held until the other side's masked frames are proven.
    expect(t.messages()).toEqual([]);
    t.s2c(concat(...chatFrames(3, true)));
    expect(t.messages().map((m) => [m.dir, m.connection.server.port, m.connection.clientBy])[0]).toEqual(['s2c', 7272, 'ws-mask']);
    expect(t.messages()).toHaveLength(6);
  });

  it('never shows unmasked frames of a connection no masked frames confirm, and says so', () => {
    const t = drive(undefined, {}, midstream);
    // Proven unmasked frames on one side (length-prefixed records can read so, as MQTT SUBSCRIBEs
    // do: see the lp-mqtt fixtures), and no masked frames on the other.
    t.s2c(concat(new Uint8Array(7).fill(0x70), ...chatFrames(4, false)));
    t.c2s(new TextEncoder().encode('0\x1f\x00\x1bsensors/floor3/room1/temperature{"t":21}'));
    t.dissector.end(9n, 9);
    expect(t.messages()).toEqual([]);
    const w = t.events.filter((e) => e.type === 'ws.warning').flatMap((e) => e.warnings.map((d) => [d.code, d.message]));
    expect(w).toContainEqual(['WARN_WS_UNCONFIRMED', expect.stringMatching(/^4 messages of unmasked frames were not shown/)]);
  });

  it('lets unmasked frames settle neither the roles nor the evidence: only proven masked frames do', () => {
    // Masked binary frames of random payload, a stray byte before them (searched from any byte):
    // enough evidence for a connection known to be WebSocket (S = 20), not for one that is not (S = 32).
    const r = prng(7);
    const masked = (n: number) => Array.from({ length: n }, (_, i) => encodeFrame({ opcode: 2, payload: randomBytes(30 + Math.floor(r() * 60)), mask: keyOf(i + 300) }));
    let few: Uint8Array | undefined;
    for (let n = 2; n < 40 && few === undefined; n++) {
      const b = concat(Uint8Array.of(0x42), ...masked(n));
      if (findFrameChain(b, { masked: true, rsv1: true, continuationFirst: true }, { securityBits: SECURITY_BITS_RESYNC }).kind === 'match') few = b;
    }
    expect(few).toBeDefined();
    expect(findFrameChain(few!, { masked: true, rsv1: true, continuationFirst: true }, { securityBits: SECURITY_BITS_HEURISTIC }).kind).not.toBe('match');
    // The guessed client (by port) sends unmasked "frames" (length-prefixed records read so): the
    // roles stay as guessed and the other side still needs the heuristic's evidence.
    const t = drive(undefined, {}, midstream);
    t.c2s(concat(Uint8Array.of(0x42), ...chatFrames(4, false)));
    t.s2c(few!);
    t.dissector.end(9n, 9);
    expect(t.messages()).toEqual([]);
    const w = t.events.filter((e) => e.type === 'ws.warning');
    expect(w.map((e) => [e.connection.client.port, e.connection.clientBy])).toContainEqual([50000, 'port']);
    expect(w.every((e) => e.connection.client.port === 50000)).toBe(true);
    expect(w.flatMap((e) => e.warnings.map((d) => d.code))).toContain('WARN_WS_UNCONFIRMED');
    // Masked frames proven on the other side confirm it: the unmasked messages held go out, named
    // by the roles the masking settled (the guessed client was the server).
    const u = drive(undefined, {}, midstream);
    u.c2s(concat(Uint8Array.of(0x42), ...chatFrames(4, false)));
    u.s2c(concat(Uint8Array.of(0x42), ...chatFrames(4, true, 'masked')));
    expect(u.messages().map((m) => [m.dir, m.connection.client.port, m.connection.clientBy])).toEqual([
      ...Array(4).fill(['s2c', 7272, 'ws-mask']),
      ...Array(4).fill(['c2s', 7272, 'ws-mask']),
    ]);
  });

  it('starts inside a frame, finds the frames, and shows nothing whose start is not proven', () => {
    const t = drive(undefined, {}, midstream);
    const cut = encodeFrame({ opcode: 1, payload: 'x'.repeat(300), mask: M }).subarray(100);
    t.c2s(concat(cut, ...chatFrames(2, true), encodeFrame({ opcode: 1, fin: false, payload: 'AB', mask: keyOf(1) }), encodeFrame({ opcode: 0, payload: 'C', mask: keyOf(2) })));
    t.s2c(concat(encodeFrame({ opcode: 0, payload: 'the tail of an earlier message, fragmented' }), ...chatFrames(2, false, 'whole')));
    const ms = t.messages();
    expect(ms.map((m) => [m.dir, m.text, m.undecodable])).toEqual([
      ['c2s', 'chat message 0: how are you today?', undefined],
      ['c2s', 'chat message 1: how are you today?', undefined],
      ['c2s', 'ABC', undefined],
      // The continuation first in s2c proves too little about itself to be believed a frame
      // (frame-evidence.ts, "Where the chain starts"): its bytes are skipped.
      ['s2c', 'whole message 0: how are you today?', undefined],
      ['s2c', 'whole message 1: how are you today?', undefined],
    ]);
    expect(codes(ms[0])).toEqual(['WARN_WS_RESYNC']);
  });

  it('inflates compressed messages it can prove right, and reports the ones that need lost history', async () => {
    const texts = ['before the capture: the quick brown fox', 'in the capture: the quick brown fox', 'standalone'];
    const c = await deflateTakeover(texts.slice(0, 2));
    const t = drive(undefined, {}, midstream);
    t.c2s(concat(...chatFrames(3, true)));
    t.s2c(concat(...chatFrames(3, false), encodeFrame({ opcode: 1, rsv: 4, payload: c[1]! }), encodeFrame({ opcode: 1, rsv: 4, payload: deflateAlone(texts[2]!) })));
    const ms = t.messages().slice(6);
    expect(ms[0]!.undecodable ?? (ms[0]!.partial ? 'partial' : ms[0]!.text)).toMatch(/handshake was not captured.*not captured|partial/);
    expect(ms[1]!.text).toBe('standalone');
  });
});

describe('WebSocket dissector: payload dissectors and frames', () => {
  it('hands messages to the payload dissector of the server port; without a match, text stays text', () => {
    const chat = { name: 'chat', decode: (m: WebSocketMessage) => (m.text?.startsWith('{') ? JSON.parse(m.text) : undefined) };
    const t = drive(upgrade(), {}, connection, (r) => r.table('ws.port').add(7272, chat));
    t.s2c(concat(encodeFrame({ opcode: 1, payload: '{"type":"say"}' }), encodeFrame({ opcode: 1, payload: 'plain' })));
    expect(t.messages().map((m) => [m.text, m.decoded])).toEqual([
      ['{"type":"say"}', { protocol: 'chat', value: { type: 'say' } }],
      ['plain', undefined],
    ]);
  });

  it("keeps the payload dissector's summary; one that throws or is not a string gives none", () => {
    const decode = (m: WebSocketMessage) => m.text;
    const summarize = (v: unknown): string => (v === 'boom' ? (() => { throw new Error('boom'); })() : v === 'odd' ? (7 as unknown as string) : `said ${String(v)}`);
    const t = drive(upgrade(), {}, connection, (r) => r.table('ws.port').add(7272, { name: 'talk', decode, summarize }));
    t.s2c(concat(encodeFrame({ opcode: 1, payload: 'hi' }), encodeFrame({ opcode: 1, payload: 'boom' }), encodeFrame({ opcode: 1, payload: 'odd' })));
    expect(t.messages().map((m) => m.decoded)).toEqual([
      { protocol: 'talk', value: 'hi', summary: 'said hi' },
      { protocol: 'talk', value: 'boom' },
      { protocol: 'talk', value: 'odd' },
    ]);
  });

  it('chooses by the negotiated subprotocol first, then tries the ws heuristics', () => {
    const stomp = { name: 'stomp', decode: (m: WebSocketMessage) => m.text?.split('\n')[0] };
    const guess = { name: 'guess', decode: () => 'guessed' };
    const t = drive(upgrade({ protocol: 'v12.stomp' }), {}, connection, (r) => {
      r.table('ws.protocol').add('v12.stomp', stomp);
      r.heuristics('ws').add(guess);
    });
    t.s2c(encodeFrame({ opcode: 1, payload: 'CONNECTED\nversion:1.2' }));
    const h = drive(upgrade(), {}, connection, (r) => r.heuristics('ws').add(guess));
    h.s2c(encodeFrame({ opcode: 1, payload: 'x' }));
    expect([t.messages()[0]!.decoded, t.messages()[0]!.protocol, h.messages()[0]!.decoded]).toEqual([
      { protocol: 'stomp', value: 'CONNECTED' },
      'v12.stomp',
      { protocol: 'guess', value: 'guessed' },
    ]);
  });

  it('emits ws.frame events when asked', () => {
    const t = drive(upgrade(), { frames: true });
    t.s2c(encodeFrame({ opcode: 2, fin: false, payload: 'ab' }), encodeFrame({ opcode: 0, payload: 'c' }));
    expect(t.frames().map((f) => [f.opcode, f.fin, Buffer.from(f.payload).toString(), f.streamOffset])).toEqual([[2, false, 'ab', 0], [0, true, 'c', 4]]);
    const quiet = drive(upgrade());
    quiet.s2c(encodeFrame({ opcode: 2, payload: 'ab' }));
    expect([quiet.frames().length, quiet.messages().length]).toEqual([0, 1]);
  });

  it('property: random bytes in both directions never throw, with or without a handshake', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.tuple(fc.boolean(), fc.uint8Array({ maxLength: 200 })), { maxLength: 8 }), (hs, chunks) => {
        const t = drive(hs ? upgrade({ extensions: 'permessage-deflate' }) : undefined, { maxMessageSize: 4096, maxFramePayload: 4096 });
        for (const [c2s, b] of chunks) (c2s ? t.c2s : t.s2c)(b);
        t.dissector.end(0n, 0);
        for (const m of t.messages()) expect(m.payload.length).toBeLessThanOrEqual(4096);
      }),
      { numRuns: 300 },
    );
  });
});

describe('WebSocket dissector: split at every offset, chunks poisoned after each call', () => {
  /** What a run produced, without what depends on the chunking (timestamps, frame numbers). */
  const outcome = (t: ReturnType<typeof drive>) => ({
    messages: t.messages().map((m) => [m.dir, m.kind, m.text ?? Buffer.from(m.payload).toString('hex'), m.frames, m.compressed, m.closeCode, m.closeReason, m.undecodable, codes(m)]),
    frames: t.frames().map((f) => [f.dir, f.opcode, f.fin, f.payloadLength, Buffer.from(f.payload).toString('hex')]),
  });

  /** Runs one direction's bytes through a new dissector as the given chunks. */
  function run(init: unknown, dir: 'c2s' | 's2c', chunks: Uint8Array[]) {
    // Without a handshake the capture started midstream (with the SYN seen, a frame starts at byte 0).
    const t = drive(init, { frames: true }, init === undefined ? midstream : connection);
    t[dir](...chunks); // drive() poisons each chunk once data() returns
    t.dissector.end(99n, 99);
    return outcome(t);
  }

  function expectSameAnySplit(init: unknown, dir: 'c2s' | 's2c', wire: Uint8Array, check: (o: ReturnType<typeof outcome>) => void): void {
    const whole = run(init, dir, [wire]);
    check(whole);
    for (let i = 1; i < wire.length; i++) expect(run(init, dir, [wire.subarray(0, i), wire.subarray(i)]), `split at ${i}`).toEqual(whole);
    expect(run(init, dir, [...wire].map((b) => Uint8Array.of(b))), 'byte by byte').toEqual(whole);
  }

  it('after a handshake with permessage-deflate: compressed fragments, UTF-8 across fragments, a ping between them, a close', async () => {
    const [a, b] = await deflateTakeover(['{"type":"say","content":"hello"}', '{"type":"say","content":"hello again"}']);
    const euro = new TextEncoder().encode('5€ ✓');
    const wire = concat(
      encodeFrame({ opcode: 1, rsv: 4, payload: a!, mask: M }),
      encodeFrame({ opcode: 1, rsv: 4, fin: false, payload: b!.subarray(0, 7), mask: M }),
      encodeFrame({ opcode: 9, payload: 'are you there', mask: M }),
      encodeFrame({ opcode: 0, payload: b!.subarray(7), mask: M }),
      encodeFrame({ opcode: 1, fin: false, payload: euro.subarray(0, 2), mask: M }),
      encodeFrame({ opcode: 0, payload: euro.subarray(2), mask: M }),
      encodeFrame({ opcode: 2, payload: Uint8Array.from({ length: 300 }, (_, i) => i & 0xff), mask: M }),
      encodeFrame({ opcode: 8, payload: concat(Uint8Array.of(0x03, 0xe8), new TextEncoder().encode('bye ✓')), mask: M }),
    );
    expectSameAnySplit(upgrade({ extensions: 'permessage-deflate' }), 'c2s', wire, (o) => {
      expect(o.messages.map((m) => m.slice(1, 3))).toEqual([
        ['text', '{"type":"say","content":"hello"}'],
        ['ping', Buffer.from('are you there').toString('hex')],
        ['text', '{"type":"say","content":"hello again"}'],
        ['text', '5€ ✓'],
        ['binary', Buffer.from(Uint8Array.from({ length: 300 }, (_, i) => i & 0xff)).toString('hex')],
        ['close', '03e862796520e29c93'],
      ]);
      expect(o.messages[5]!.slice(5, 7)).toEqual([1000, 'bye ✓']);
      expect(o.messages.flatMap((m) => m[8] as string[])).toEqual([]);
      expect(o.frames).toHaveLength(8);
    });
  });

  it('server frames, unmasked, no extension: fragments, controls, an unfinished message at the end', () => {
    const wire = concat(
      encodeFrame({ opcode: 1, payload: 'plain text' }),
      encodeFrame({ opcode: 2, fin: false, payload: Uint8Array.of(1, 2, 3) }),
      encodeFrame({ opcode: 10, payload: 'pong' }),
      encodeFrame({ opcode: 0, fin: false, payload: Uint8Array.of(4) }),
      encodeFrame({ opcode: 0, payload: Uint8Array.of(5, 6) }),
      encodeFrame({ opcode: 1, payload: 'x'.repeat(200) }),
      encodeFrame({ opcode: 8, payload: Uint8Array.of(0x03, 0xe9) }),
      encodeFrame({ opcode: 1, fin: false, payload: 'never finished' }),
    );
    expectSameAnySplit(upgrade(), 's2c', wire, (o) => {
      expect(o.messages.map((m) => [m[1], m[2], m[3], m[7]])).toEqual([
        ['text', 'plain text', 1, undefined],
        ['pong', Buffer.from('pong').toString('hex'), 1, undefined],
        ['binary', '010203040506', 3, undefined],
        ['text', 'x'.repeat(200), 1, undefined],
        ['close', '03e9', 1, undefined],
        ['text', '', 1, 'the connection ended before the final fragment'],
      ]);
    });
  });

  it('without a handshake, starting inside a frame', () => {
    const cut = encodeFrame({ opcode: 1, payload: 'y'.repeat(300), mask: M }).subarray(120);
    const wire = concat(
      cut,
      encodeFrame({ opcode: 1, payload: 'first whole, a message of some length', mask: keyOf(1) }),
      encodeFrame({ opcode: 1, payload: 'and another, to prove where frames start', mask: keyOf(2) }),
      encodeFrame({ opcode: 2, payload: Uint8Array.of(9, 8, 7), mask: keyOf(3) }),
      encodeFrame({ opcode: 1, fin: false, payload: 'sec', mask: keyOf(4) }),
      encodeFrame({ opcode: 0, payload: 'ond', mask: keyOf(5) }),
    );
    const run1 = run(undefined, 'c2s', [wire]);
    expect(run1.messages.map((m) => m[2])).toEqual(['first whole, a message of some length', 'and another, to prove where frames start', '090807', 'second']);
    // However the bytes are split, the same messages are found.
    for (let i = cut.length; i < wire.length; i++) {
      expect(run(undefined, 'c2s', [wire.subarray(0, i), wire.subarray(i)]).messages.map((m) => m[2]), `split at ${i}`).toEqual(run1.messages.map((m) => m[2]));
    }
  });
});
