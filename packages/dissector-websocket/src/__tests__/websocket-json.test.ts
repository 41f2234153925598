// The jsonl contract (DESIGN.md "The command") is written once, by writeWebSocketMessageJson; the
// string form is made from it. Both are checked here against the contract written the plain way,
// as an object given to JSON.stringify, on messages as the dissector makes them.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { appEventJsonHead, type Diagnostic } from '@netrx/core';
import type { WebSocketMessage } from '../types.js';
import { websocketMessageJson, writeWebSocketMessageJson } from '../websocket-json.js';
import { concat, drive, encodeFrame, upgrade } from './frames.js';
import { byteSink } from './json-sink.js';

/** The contract as an object: the order and the fields of DESIGN.md's example. */
function contract(m: WebSocketMessage): string {
  const o: Record<string, unknown> = { ...appEventJsonHead(m), type: m.kind, length: m.payload.length };
  if (m.undecodable !== undefined) o.undecodable = m.undecodable;
  else if (m.kind === 'text') o.text = m.text ?? '';
  else o.hex = Buffer.from(m.payload).toString('hex');
  if (m.kind === 'close' && m.closeCode !== undefined) {
    o.code = m.closeCode;
    o.reason = m.closeReason ?? '';
  }
  o.compressed = m.compressed;
  o.frames = m.frames;
  if (m.decoded !== undefined) o.decoded = m.decoded;
  if (m.warnings.length > 0) o.warnings = m.warnings.map((w: Diagnostic) => (w.offset === undefined ? { code: w.code, message: w.message } : { code: w.code, message: w.message, offset: w.offset }));
  return JSON.stringify(o);
}

function expectContract(m: WebSocketMessage): void {
  const want = contract(m);
  expect(websocketMessageJson(m)).toBe(want);
  const sink = byteSink();
  writeWebSocketMessageJson(m, sink);
  expect(sink.line()).toBe(want);
}

const M = 0x0badf00d;
const TEXTS = ['', 'hi, all ！', 'tab\there "quoted" back\\slash', '\u0000\u0001\u001f\u007f', 'line\u2028sep\u2029', '🙂 e\u0301 ﷽', '\ufeffbom', '</script>'];

describe('the jsonl contract, written once', () => {
  it('writes text (unicode, control characters, invalid UTF-8), binary, closes and pings as the contract says', () => {
    const chat = { name: 'chat', decode: (m: WebSocketMessage) => (m.text?.startsWith('{') ? JSON.parse(m.text) : m.kind === 'binary' ? 'bin ☃\u0000' : undefined) };
    const t = drive(upgrade({ accept: 'bad' }), {}, undefined, (r) => r.table('ws.port').add(7272, chat));
    for (const s of TEXTS) t.c2s(encodeFrame({ opcode: 1, payload: s, mask: M }));
    t.s2c(encodeFrame({ opcode: 1, payload: Uint8Array.of(0x61, 0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80) })); // invalid UTF-8
    t.s2c(encodeFrame({ opcode: 1, payload: '{"type":"say","content":"héllo \\"x\\" 🙂\\n"}' })); // decoded by the payload dissector
    t.s2c(encodeFrame({ opcode: 2, payload: Uint8Array.of(0, 1, 254, 255) }));
    t.s2c(encodeFrame({ opcode: 9, payload: 'ping' }), encodeFrame({ opcode: 10 }));
    const euro = new TextEncoder().encode('5€ "and" ✓');
    t.s2c(encodeFrame({ opcode: 1, fin: false, payload: euro.subarray(0, 2) }), encodeFrame({ opcode: 0, payload: euro.subarray(2) })); // UTF-8 across fragments
    t.s2c(encodeFrame({ opcode: 1, rsv: 4, payload: 'not really compressed' })); // undecodable, with a warning
    t.s2c(encodeFrame({ opcode: 1, payload: 'masked by the server', mask: M })); // a warning with an offset
    t.s2c(encodeFrame({ opcode: 8, payload: concat(Uint8Array.of(0x03, 0xe8), new TextEncoder().encode('bye "now" ✓\n')) }));
    t.s2c(encodeFrame({ opcode: 8, payload: Uint8Array.of(0x03, 0xed, 0xff) })); // 1005 and an invalid reason
    t.s2c(encodeFrame({ opcode: 8, payload: Uint8Array.of(0x03) }), encodeFrame({ opcode: 8 }));
    const ms = t.messages();
    expect(ms).toHaveLength(TEXTS.length + 12);
    // Every case the contract distinguishes is among them.
    expect(ms.some((m) => m.decoded !== undefined && m.kind === 'text')).toBe(true);
    expect(ms.some((m) => m.decoded !== undefined && m.kind === 'binary')).toBe(true);
    expect(ms.some((m) => m.undecodable !== undefined && m.warnings.length > 0)).toBe(true);
    expect(ms.some((m) => m.warnings.some((w) => w.offset !== undefined))).toBe(true);
    expect(ms.filter((m) => m.closeCode !== undefined)).toHaveLength(2);
    // The handshake's finding is a record of its own, emitted at once (it does not wait for a message).
    expect(ms[0]!.warnings).toEqual([]);
    expect(t.events.filter((e) => e.type === 'ws.warning').map((w) => w.warnings.map((d) => d.code))).toEqual([['WARN_WS_ACCEPT_MISMATCH']]);
    for (const m of ms) expectContract(m);
    expect(JSON.parse(websocketMessageJson(ms[1]!))).toEqual({
      ts: '0.000000002', stream: 0, client: '10.0.0.1:50000', server: '10.0.0.2:7272', dir: 'c2s', type: 'text', length: 11, text: 'hi, all ！', compressed: false, frames: 1,
    });
  });

  it('property: any frames, however split, give lines that follow the contract', () => {
    const payloadArb = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }).map((s) => new TextEncoder().encode(s)),
      fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', '\u2028', 'é', '🙂', 'a', '€'), maxLength: 30 }).map((s) => new TextEncoder().encode(s)),
      fc.uint8Array({ maxLength: 60 }),
    );
    const frameArb = fc.record({ opcode: fc.constantFrom(1, 2, 8, 9), payload: payloadArb, pieces: fc.integer({ min: 1, max: 3 }), masked: fc.boolean(), rsv: fc.constantFrom(0, 0, 0, 4, 2) });
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 6 }), fc.boolean(), (frames, decode) => {
        const dissector = { name: 'any', decode: (m: WebSocketMessage) => (m.text !== undefined && m.text.length % 2 === 0 ? { text: m.text, n: m.frames } : undefined) };
        const t = drive(upgrade(), {}, undefined, decode ? (r) => r.table('ws.port').add(7272, dissector) : undefined);
        for (const f of frames) {
          const control = f.opcode >= 8;
          const p = control ? f.payload.subarray(0, 125) : f.payload;
          const n = control ? 1 : f.pieces;
          const wire: Uint8Array[] = [];
          for (let i = 0; i < n; i++) {
            const part = p.subarray(Math.floor((i * p.length) / n), Math.floor(((i + 1) * p.length) / n));
            wire.push(encodeFrame({ opcode: i === 0 ? f.opcode : 0, fin: i === n - 1, rsv: i === 0 ? f.rsv : 0, payload: part, mask: f.masked ? M : undefined }));
          }
          t.s2c(concat(...wire));
        }
        for (const m of t.messages()) expectContract(m);
      }),
      { numRuns: 100 },
    );
  });

  it('property: any timestamp (seconds shared or not, before 1970 too) and any binary size, as the contract says', () => {
    const t = drive(upgrade(), {});
    t.s2c(encodeFrame({ opcode: 2, payload: Uint8Array.of(1) }), encodeFrame({ opcode: 1, payload: 'x' }));
    const [binary, text] = t.messages();
    const second = fc.bigInt({ min: -3n, max: 1n << 40n });
    const at = fc.tuple(second, fc.bigInt({ min: 0n, max: 999_999_999n })).map(([s, ns]) => s * 1_000_000_000n + ns);
    fc.assert(
      fc.property(fc.array(at, { minLength: 1, maxLength: 6 }), fc.uint8Array({ maxLength: 70_000 }), (times, payload) => {
        for (const lastTs of times) {
          expectContract({ ...text!, lastTs });
          expectContract({ ...binary!, lastTs, payload });
        }
      }),
      { numRuns: 60 },
    );
  });
});
