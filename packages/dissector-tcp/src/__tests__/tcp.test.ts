import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { TcpFlag, decodeTcp } from '@netrx/dissector-tcp';
import { TcpFlags, tcp } from '../../../../test-support/packets.js';

const opts = (...bytes: number[]) => Uint8Array.from(bytes);

describe('decodeTcp', () => {
  test('fixed header fields and payload view', () => {
    const seg = tcp(new TextEncoder().encode('hi'), { srcPort: 40000, dstPort: 80, seq: 0xfffffffe, ack: 7, flags: TcpFlags.SYN | TcpFlags.ACK, window: 1234 });
    const l = decodeTcp(seg, 34);
    expect(l.protocol).toBe('tcp');
    if (l.protocol !== 'tcp') return;
    expect(l).toMatchObject({ srcPort: 40000, dstPort: 80, seq: 0xfffffffe, ack: 7, window: 1234, headerLength: 20, offset: 34, truncatedBytes: 0 });
    expect(l.flags & TcpFlag.SYN && l.flags & TcpFlag.ACK).toBeTruthy();
    expect(l.options).toEqual({});
    expect(new TextDecoder().decode(l.payload)).toBe('hi');
    expect(l.payload.buffer).toBe(seg.buffer);
  });

  test('options: MSS, window scale, SACK permitted, SACK blocks, timestamps; unknown kinds skipped', () => {
    const o = opts(
      2, 4, 0x05, 0xb4, // MSS 1460
      1, 3, 3, 7, // NOP, window scale 7
      4, 2, // SACK permitted
      8, 10, 0, 0, 0, 1, 0, 0, 0, 2, // timestamps 1, 2
      254, 4, 0xaa, 0xbb, // unknown (experimental) kind, skipped by its length
      5, 10, 0, 0, 0, 10, 0, 0, 0, 20, // one SACK block (the 40-byte option space allows few more)
      0, // end of list
    );
    const l = decodeTcp(tcp(new Uint8Array(0), { srcPort: 1, dstPort: 2, seq: 0, options: o }));
    expect(l.protocol === 'tcp' && l.options).toEqual({
      mss: 1460,
      windowScale: 7,
      sackPermitted: true,
      timestamp: { value: 1, echo: 2 },
      sack: [{ left: 10, right: 20 }],
    });
    expect(l.diagnostics).toBeUndefined();
  });

  test('a malformed option is a diagnostic, not a failure', () => {
    for (const bad of [opts(2, 3, 0, 1), opts(8, 40, 0, 0), opts(5, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), opts(30, 1, 0, 0), opts(1, 1, 1, 7)]) {
      const l = decodeTcp(tcp(new Uint8Array(0), { srcPort: 1, dstPort: 2, seq: 0, options: bad }), 14);
      expect(l.protocol).toBe('tcp');
      expect(l.diagnostics?.[0]).toMatchObject({ code: 'WARN_TCP_BAD_OPTION', severity: 'warning' });
      expect(l.diagnostics![0]!.offset).toBeGreaterThanOrEqual(14 + 20);
    }
  });

  test('truncated header and bad data offsets are failure layers with codes and offsets', () => {
    expect(decodeTcp(new Uint8Array(19), 40)).toMatchObject({ protocol: 'failure', failedProtocol: 'tcp', code: 'ERR_TCP_TRUNCATED', offset: 40 });
    const seg = tcp(new Uint8Array(0), { srcPort: 1, dstPort: 2, seq: 0 });
    seg[12] = 4 << 4; // 16-byte header: under the minimum
    expect(decodeTcp(seg, 40)).toMatchObject({ code: 'ERR_TCP_BAD_DATA_OFFSET', offset: 52 });
    seg[12] = 15 << 4; // 60-byte header in 20 bytes
    expect(decodeTcp(seg)).toMatchObject({ code: 'ERR_TCP_BAD_DATA_OFFSET' });
  });

  test('property: random and mutated bytes never throw, and every view stays inside the input', () => {
    const valid = tcp(new Uint8Array(8), { srcPort: 1, dstPort: 2, seq: 3, options: opts(2, 4, 5, 180, 1, 3, 3, 7, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8) });
    const mutated = fc.tuple(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat(valid.length)).map(([edits, cut]) => {
      const b = valid.slice(0, cut);
      for (const [i, v] of edits) if (i < b.length) b[i] = v;
      return b;
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 100 }), mutated), (bytes) => {
        const l = decodeTcp(bytes);
        if (l.protocol === 'tcp') {
          expect(l.headerLength).toBeGreaterThanOrEqual(20);
          expect(l.headerLength + l.payload.length).toBe(bytes.length);
          for (const b of l.options.sack ?? []) expect(Number.isInteger(b.left)).toBe(true);
        } else expect(l.code).toMatch(/^ERR_TCP_/);
      }),
      { numRuns: 2000 },
    );
  });
});
