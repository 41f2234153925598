import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { probeWebSocket } from '../websocket-probe.js';
import { chatFrames, concat, connection, encodeFrame, keyOf } from './frames.js';

const midstream = { ...connection, clientBy: 'port' as const };
const probe = (b: Uint8Array | string, c = connection) => probeWebSocket(typeof b === 'string' ? new TextEncoder().encode(b) : b, 'c2s', c);
const M = 0x01020304;

describe('probeWebSocket (the tcp heuristic)', () => {
  it('matches a chain of frames whose evidence reaches the heuristic’s level, and never one or two headers', () => {
    expect(probe(concat(...chatFrames(3, true)))).toBe('match');
    // Server frames in the client's direction (the SYN was seen): not WebSocket.
    expect(probe(concat(...chatFrames(3, false)))).toBe('reject');
    const a = encodeFrame({ opcode: 1, payload: 'a', mask: M });
    const ping = encodeFrame({ opcode: 9, mask: keyOf(2) });
    expect(probe(concat(a, ping))).toBe('need-more');
    // Compressed frames say little each: a run of them does it.
    const z = (i: number) => encodeFrame({ opcode: 1, rsv: 4, payload: Uint8Array.of(0xf2, 0x48, 0x05, i, 0x00), mask: keyOf(i) });
    expect(probe(concat(z(1), z(2)))).toBe('need-more');
    expect(probe(concat(...Array.from({ length: 16 }, (_, i) => z(i))))).toBe('match');
  });

  it('asks for more while the run is too short to tell, or a frame is still arriving', () => {
    expect(probe(encodeFrame({ opcode: 2, payload: new Uint8Array(300), mask: M }))).toBe('need-more');
    expect(probe(encodeFrame({ opcode: 2, payload: new Uint8Array(300), mask: M }).subarray(0, 100))).toBe('need-more');
    expect(probe(Uint8Array.of(0x81))).toBe('need-more');
  });

  it('matches a midstream capture that starts inside a frame, either masking', () => {
    const cut = encodeFrame({ opcode: 1, payload: 'x'.repeat(200), mask: M }).subarray(37);
    expect(probe(concat(cut, ...chatFrames(4, true)), midstream)).toBe('match');
    expect(probe(concat(cut, ...chatFrames(4, false)), midstream)).toBe('match');
    // With the SYN seen the stream's first byte must start a frame.
    expect(probe(concat(cut, ...chatFrames(4, true)))).toBe('reject');
  });

  it('finds nothing in length-prefixed records (2-byte big-endian lengths read as frame headers)', () => {
    const records = concat(...Array.from({ length: 200 }, (_, i) => concat(Uint8Array.of(0, 20 + (i % 7)), new Uint8Array(20 + (i % 7)).fill(i))));
    expect(probe(records.subarray(0, 4096), midstream)).toBe('reject');
  });

  it('rejects HTTP, TLS and inconsistent frames', () => {
    expect(probe('GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n')).toBe('reject');
    expect(probe('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')).toBe('reject');
    expect(probe(Uint8Array.of(0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, ...new Uint8Array(60)))).toBe('reject');
    // Masked then unmasked in one direction, and a continuation after a final frame: not WebSocket.
    expect(probe(concat(encodeFrame({ opcode: 1, payload: 'a', mask: M }), encodeFrame({ opcode: 1, payload: 'b' }), new Uint8Array(4096)))).toBe('reject');
    expect(probe(concat(encodeFrame({ opcode: 1, payload: 'a', mask: M }), encodeFrame({ opcode: 0, payload: 'b', mask: M }), new Uint8Array(4096)))).toBe('reject');
  });

  it('property: never throws, whatever the bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 5000 }), fc.boolean(), (b, mid) => ['match', 'reject', 'need-more'].includes(probe(b, mid ? midstream : connection))), { numRuns: 300 });
  });
});
