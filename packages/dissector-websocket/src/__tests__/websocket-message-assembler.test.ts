// The message assembler alone, fed frames as the parser hands them: a payload that is a view of
// the caller's chunk (`owned: false`) is poisoned once `onFrame` returns, as the chunk would be.
import { describe, expect, it } from 'vitest';
import type { AppEvent, Diagnostic, Direction } from '@netrx/core';
import type { WebSocketFrame, WebSocketMessage } from '../types.js';
import { WebSocketMessageAssembler, type AssemblerOptions, type AssemblerOwner } from '../websocket-message-assembler.js';
import type { ParsedFrame } from '../websocket-frame-parser.js';
import { bytes, concat, connection, withPoisonedChunk } from './frames.js';
import { deflateAlone, deflateTakeover } from './deflate.js';

interface FrameInput {
  opcode: number;
  payload?: Uint8Array | string;
  fin?: boolean;
  rsv?: number;
  masked?: boolean;
  incomplete?: string;
}

function assembler(options: Partial<AssemblerOptions> = {}, dir: Direction = 's2c') {
  const messages: WebSocketMessage[] = [];
  const events: AppEvent[] = [];
  const masking: boolean[] = [];
  const owner: AssemblerOwner = {
    connection,
    noteMasking: (_a, masked) => void masking.push(masked),
    emitMessage: (m) => void messages.push(m),
    emit: (e) => void events.push(e),
  };
  const a = new WebSocketMessageAssembler(owner, dir, { compression: 'none', maxMessageSize: 1 << 20, frames: false, fromStart: true, ...options });
  let offset = 0;
  let n = 0;
  /** Hands a frame over; an unmasked payload comes as a view of a chunk that is poisoned afterwards. */
  const frame = (f: FrameInput): void => {
    const payload = bytes(f.payload ?? new Uint8Array(0));
    n++;
    const header = { fin: f.fin ?? true, rsv: f.rsv ?? 0, opcode: f.opcode, masked: f.masked ?? false, maskKey: f.masked ? 0x01020304 : 0, payloadLength: payload.length, headerLength: 2 };
    const tags = { streamOffset: offset, firstTs: BigInt(n * 10), firstFrame: n, lastTs: BigInt(n * 10 + 1), lastFrame: n, incomplete: f.incomplete };
    offset += 2 + payload.length;
    if (header.masked) a.onFrame({ ...header, ...tags, payload: Uint8Array.from(payload), owned: true } satisfies ParsedFrame);
    else withPoisonedChunk(payload, (view) => a.onFrame({ ...header, ...tags, payload: view, owned: false } satisfies ParsedFrame));
  };
  const summary = () => messages.map((m) => [m.kind, m.text ?? Buffer.from(m.payload).toString('hex'), m.frames, m.undecodable ?? null, m.warnings.map((w) => w.code)]);
  return { a, messages, events, masking, frame, summary };
}

const code = (d: Diagnostic) => d.code;

describe('WebSocketMessageAssembler', () => {
  it('makes one message of one frame, with the frame’s times, the direction and the subprotocol', () => {
    const t = assembler({ protocol: 'chat.v1' });
    t.frame({ opcode: 1, payload: 'hello' });
    expect(t.messages).toHaveLength(1);
    expect(t.messages[0]).toMatchObject({
      type: 'ws.message', connection, dir: 's2c', kind: 'text', text: 'hello', frames: 1, compressed: false,
      firstTs: 10n, lastTs: 11n, firstFrame: 1, lastFrame: 1, warnings: [], protocol: 'chat.v1', undecodable: undefined,
    });
    expect(t.masking).toEqual([false]);
  });

  it('joins fragments and emits control frames that come between them first (RFC 6455 §5.4, §5.5)', () => {
    const t = assembler();
    t.frame({ opcode: 1, fin: false, payload: 'hel' });
    t.frame({ opcode: 9, payload: 'ping?' });
    t.frame({ opcode: 0, fin: false, payload: 'lo' });
    t.frame({ opcode: 10, payload: 'pong!' });
    t.frame({ opcode: 0, payload: ' world' });
    expect(t.summary()).toEqual([
      ['ping', Buffer.from('ping?').toString('hex'), 1, null, []],
      ['pong', Buffer.from('pong!').toString('hex'), 1, null, []],
      ['text', 'hello world', 3, null, []],
    ]);
    const text = t.messages[2]!;
    expect([text.firstTs, text.lastTs, text.firstFrame, text.lastFrame]).toEqual([10n, 51n, 1, 5]);
    expect(Buffer.from(text.payload).toString()).toBe('hello world');
  });

  it('decodes UTF-8 over the whole message, a character split across fragments, and warns on invalid UTF-8', () => {
    const euro = bytes('€'); // e2 82 ac
    const t = assembler();
    t.frame({ opcode: 1, fin: false, payload: euro.subarray(0, 1) });
    t.frame({ opcode: 0, fin: false, payload: euro.subarray(1, 2) });
    t.frame({ opcode: 0, payload: euro.subarray(2) });
    t.frame({ opcode: 1, fin: false, payload: euro.subarray(0, 2) });
    t.frame({ opcode: 0, payload: 'x' }); // the character never ends
    expect(t.summary()).toEqual([
      ['text', '€', 3, null, []],
      ['text', '\ufffdx', 2, null, ['WARN_WS_INVALID_UTF8']],
    ]);
  });

  it('reads the close code and reason, and checks them (§5.5.1, §7.4)', () => {
    const t = assembler();
    t.frame({ opcode: 8, payload: concat(Uint8Array.of(0x03, 0xe8), bytes('bye ✓')) });
    t.frame({ opcode: 8 });
    t.frame({ opcode: 8, payload: Uint8Array.of(0x03) });
    t.frame({ opcode: 8, payload: Uint8Array.of(0x03, 0xee) }); // 1006: never sent
    t.frame({ opcode: 8, payload: Uint8Array.of(0x0b, 0xb8, 0xc3) }); // 3000, a cut character
    expect(t.messages.map((m) => [m.closeCode, m.closeReason, m.warnings.map(code)])).toEqual([
      [1000, 'bye ✓', []],
      [undefined, undefined, []],
      [undefined, undefined, ['WARN_WS_CLOSE_PAYLOAD']],
      [1006, '', ['WARN_WS_CLOSE_CODE']],
      [3000, '\ufffd', ['WARN_WS_INVALID_UTF8']],
    ]);
  });

  it('inflates compressed messages, fragmented anywhere, with context takeover (RFC 7692)', async () => {
    const texts = ['{"type":"say","content":"hello hello hello"}', '{"type":"say","content":"hello hello hello!"}'];
    const [a, b] = await deflateTakeover(texts);
    const t = assembler({ compression: 'negotiated' });
    t.frame({ opcode: 1, rsv: 4, payload: a! });
    t.frame({ opcode: 1, rsv: 4, fin: false, payload: b!.subarray(0, 3) });
    t.frame({ opcode: 9, payload: 'between' });
    t.frame({ opcode: 0, fin: false, payload: b!.subarray(3, 4) });
    t.frame({ opcode: 0, payload: b!.subarray(4) });
    t.frame({ opcode: 2, rsv: 4, payload: deflateAlone('') });
    expect(t.summary()).toEqual([
      ['text', texts[0], 1, null, []],
      ['ping', Buffer.from('between').toString('hex'), 1, null, []],
      ['text', texts[1], 3, null, []],
      ['binary', '', 1, null, []],
    ]);
    expect(t.messages.map((m) => m.compressed)).toEqual([true, false, true, true]);
  });

  it('does not show compressed bytes as text: RSV1 without the extension, or history it never saw', async () => {
    const none = assembler({ compression: 'none' });
    none.frame({ opcode: 1, rsv: 4, payload: deflateAlone('squeezed') });
    expect(none.summary()).toEqual([['text', '', 1, 'RSV1 (compressed) set, but no extension was negotiated in the handshake', ['WARN_WS_RSV']]]);
    const [, second] = await deflateTakeover(['the first message, before the capture', 'the first message, in the capture']);
    const midstream = assembler({ compression: 'unknown', fromStart: false });
    midstream.frame({ opcode: 1, rsv: 4, payload: second! });
    midstream.frame({ opcode: 1, rsv: 4, payload: deflateAlone('standalone') });
    // What the first copies from before the capture is unknown: U+FFFD in the text, 0 in the payload.
    const [first, alone] = midstream.messages;
    expect(first!.partial).toBe(true);
    expect(first!.unknownBytes).toBeGreaterThan(0);
    expect([...first!.text!].filter((ch) => ch === '\ufffd').length).toBe(first!.unknownBytes);
    const want = 'the first message, in the capture';
    expect([...first!.text!].every((ch, i) => ch === '\ufffd' || ch === want[i])).toBe(true);
    expect(first!.warnings).toEqual([]);
    expect([alone!.text, alone!.partial]).toEqual(['standalone', undefined]);
  });

  it('warns on frames that break the rules of their side, with the frame’s stream offset (§5.1, §5.2, §5.5, RFC 7692 §6.1)', () => {
    const client = assembler({ compression: 'negotiated' }, 'c2s');
    client.frame({ opcode: 1, payload: 'not masked' });
    client.frame({ opcode: 9, rsv: 4, payload: 'p', masked: true });
    client.frame({ opcode: 9, payload: 'x'.repeat(126), masked: true });
    client.frame({ opcode: 10, fin: false, masked: true });
    client.frame({ opcode: 2, rsv: 1, payload: 'r', masked: true });
    expect(client.messages.map((m) => m.warnings.map((w) => [w.code, w.offset]))).toEqual([
      [['WARN_WS_CLIENT_UNMASKED', 0]],
      [['WARN_WS_RSV', 12]],
      [['WARN_WS_CONTROL_TOO_LONG', 15]],
      [['WARN_WS_CONTROL_FRAGMENTED', 143]],
      [['WARN_WS_RSV', 145]],
    ]);
    const server = assembler();
    server.frame({ opcode: 1, payload: 'masked', masked: true });
    server.frame({ opcode: 1, fin: false, payload: 'a' });
    server.frame({ opcode: 0, rsv: 4, payload: 'b' });
    expect(server.messages.map((m) => m.warnings.map(code))).toEqual([['WARN_WS_SERVER_MASKED'], ['WARN_WS_RSV']]);
  });

  it('reports a continuation with no message to continue: a violation when everything was seen, a lost start otherwise', () => {
    const seen = assembler();
    seen.frame({ opcode: 0, payload: 'orphan' });
    expect(seen.summary()).toEqual([['binary', '', 1, 'continuation frame with no message to continue (RFC 6455 §5.4)', ['WARN_WS_UNEXPECTED_CONTINUATION']]]);
    const midstream = assembler({ fromStart: false });
    midstream.frame({ opcode: 0, fin: false, payload: 'tail' });
    midstream.frame({ opcode: 0, payload: 'end' });
    midstream.frame({ opcode: 1, payload: 'next' });
    expect(midstream.summary()).toEqual([
      ['binary', '', 2, 'the message began before the capture or a gap: its first fragment is missing', []],
      ['text', 'next', 1, null, []],
    ]);
  });

  it('reports a message interrupted by another, and the other as it is (§5.4)', () => {
    const t = assembler();
    t.frame({ opcode: 1, fin: false, payload: 'unfinished' });
    t.frame({ opcode: 2, payload: Uint8Array.of(7) });
    expect(t.summary()).toEqual([
      ['text', '', 1, 'a new message began before this one ended', ['WARN_WS_INTERRUPTED_MESSAGE']],
      ['binary', '07', 1, null, []],
    ]);
  });

  it('reports a message over the size cap, and a frame the parser marked incomplete, as undecodable', () => {
    const t = assembler({ maxMessageSize: 10 });
    t.frame({ opcode: 2, fin: false, payload: new Uint8Array(6) });
    t.frame({ opcode: 0, payload: new Uint8Array(6) });
    t.frame({ opcode: 2, payload: new Uint8Array(4), incomplete: '3 bytes of the frame were not captured' });
    t.frame({ opcode: 2, payload: new Uint8Array(10) });
    expect(t.summary()).toEqual([
      ['binary', '', 2, 'message is over the 10-byte cap', []],
      ['binary', '', 1, '3 bytes of the frame were not captured', []],
      ['binary', '00'.repeat(10), 1, null, []],
    ]);
  });

  it('after lost sync: the open message is reported, the finding rides on it, then on the next message', () => {
    const t = assembler();
    t.frame({ opcode: 1, fin: false, payload: 'cut' });
    t.a.onLostSync({ code: 'WARN_WS_GAP', severity: 'warning', message: 'gap', offset: 5 });
    t.a.onResync(12);
    t.a.onResync(0);
    t.frame({ opcode: 1, payload: 'again' });
    expect(t.summary()).toEqual([
      ['text', '', 1, 'bytes of the message were not captured', ['WARN_WS_GAP']],
      ['text', 'again', 1, null, ['WARN_WS_RESYNC']],
    ]);
    // Carried findings come before the message's own.
    t.a.carry({ code: 'WARN_WS_EXTENSION', severity: 'warning', message: 'x' });
    t.frame({ opcode: 1, payload: Uint8Array.of(0xff), masked: true });
    expect(t.messages[2]!.warnings.map(code)).toEqual(['WARN_WS_EXTENSION', 'WARN_WS_SERVER_MASKED', 'WARN_WS_INVALID_UTF8']);
  });

  it('at the end, reports the message still waiting for its final fragment', () => {
    const t = assembler();
    t.frame({ opcode: 2, fin: false, payload: 'a' });
    t.frame({ opcode: 0, fin: false, payload: 'b' });
    t.a.end();
    t.a.end();
    expect(t.summary()).toEqual([['binary', '', 2, 'the connection ended before the final fragment', []]]);
    expect([t.messages[0]!.lastTs, t.messages[0]!.lastFrame]).toEqual([10n, 1]);
  });

  it('emits ws.frame events with payloads of their own when asked, and follows a swapped direction', () => {
    const t = assembler({ frames: true });
    t.frame({ opcode: 2, fin: false, payload: 'ab' });
    t.a.dir = 'c2s';
    t.frame({ opcode: 0, payload: 'c', masked: true });
    const frames = t.events as WebSocketFrame[];
    expect(frames.map((f) => [f.type, f.dir, f.opcode, f.fin, Buffer.from(f.payload).toString(), f.streamOffset])).toEqual([
      ['ws.frame', 's2c', 2, false, 'ab', 0],
      ['ws.frame', 'c2s', 0, true, 'c', 4],
    ]);
    expect(t.messages.map((m) => [m.dir, Buffer.from(m.payload).toString()])).toEqual([['c2s', 'abc']]);
  });
});
