import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { looksLikeMaskedWebSocketFrame, websocketClientDecider } from '../websocket-client-decider.js';

describe('masked WebSocket frame check (who is the client)', () => {
  test('masked WebSocket frame headers (RFC 6455 §5.2)', () => {
    const yes = [
      [0x81, 0x85, 1, 2, 3, 4], // text, masked, 5 bytes
      [0xc1, 0x80, 1, 2, 3, 4], // compressed text (RSV1), empty
      [0x82, 0xfe, 0x01, 0x00, 1, 2, 3, 4], // binary, 16-bit length 256
      [0x88, 0x82, 1, 2, 3, 4], // close
    ];
    const no = [
      [0x81, 0x05, 1, 2, 3, 4], // not masked (a server frame)
      [0x83, 0x85, 1, 2, 3, 4], // reserved opcode
      [0xa1, 0x85, 1, 2, 3, 4], // RSV2
      [0x09, 0x80, 1, 2, 3, 4], // fragmented ping
      [0x89, 0xfe, 0, 200, 1, 2, 3, 4], // ping over 125 bytes
      [0x82, 0xfe, 0x00, 0x7d, 1, 2, 3, 4], // 16-bit length that fits in 7 bits
      [0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4], // 64-bit length with the top bit set
      [0x40, 0x80, 1, 2, 3, 4], // RSV1 on a continuation
    ];
    for (const b of yes) expect(looksLikeMaskedWebSocketFrame(Uint8Array.from(b)), String(b)).toBe(true);
    for (const b of no) expect(looksLikeMaskedWebSocketFrame(Uint8Array.from(b)), String(b)).toBe(false);
  });

  test('the tcp.client entry names the sender of masked frames', () => {
    expect(websocketClientDecider.decide(Uint8Array.from([0x81, 0x85, 1, 2, 3, 4]))).toBe('sender');
    expect(websocketClientDecider.decide(Uint8Array.from([0x81, 0x05, 1, 2, 3, 4]))).toBeUndefined();
  });

  test('property: never throw on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        expect(typeof looksLikeMaskedWebSocketFrame(b)).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});
