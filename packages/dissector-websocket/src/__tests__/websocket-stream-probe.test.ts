// The stateful WebSocket heuristic: follows a connection beyond a fixed prefix, at segment starts.
import { describe, expect, it } from 'vitest';
import { WebSocketStreamProbe, WS_PROBE_SEGMENT_BUDGET } from '../websocket-stream-probe.js';
import { chatFrames, concat, connection, encodeFrame, keyOf, midstream } from './frames.js';

const segments = (b: Uint8Array, size = 1448) => Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size));

function run(probe: WebSocketStreamProbe, dir: 'c2s' | 's2c', chunks: Uint8Array[]) {
  for (let i = 0; i < chunks.length; i++) {
    const v = probe.push(dir, chunks[i]!);
    if (v !== 'reject' && typeof v === 'object') continue;
    return { verdict: v, at: i };
  }
  return { verdict: 'undecided' as const, at: chunks.length };
}

describe('WebSocketStreamProbe', () => {
  it('finds a connection that begins inside a long frame when its next frames begin', () => {
    const long = encodeFrame({ opcode: 2, payload: new Uint8Array(2_000_000).fill(0x5a), mask: keyOf(1) });
    const cut = long.subarray(100_003);
    const chunks = [...segments(cut), ...chatFrames(4, true).map((f) => f)];
    const r = run(new WebSocketStreamProbe(midstream), 'c2s', chunks);
    expect(r.verdict).toBe('match');
    // Not before the frames after the long one.
    expect(r.at).toBeGreaterThanOrEqual(segments(cut).length);
  });

  it('rejects random bytes once its segment budget is spent, and never matches them', () => {
    let x = 12345;
    const noise = new Uint8Array(1448 * (WS_PROBE_SEGMENT_BUDGET + 200)).map(() => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24));
    const p = new WebSocketStreamProbe(midstream);
    const r = run(p, 'c2s', segments(noise));
    expect(r.verdict).not.toBe('match');
    expect(run(p, 's2c', segments(noise.subarray(0, 1448 * (WS_PROBE_SEGMENT_BUDGET + 100)))).verdict).toBe('reject');
  });

  it('every gap costs a segment start: one-byte segments each behind a hole spend the budget too', () => {
    const p = new WebSocketStreamProbe(midstream);
    let verdict: ReturnType<WebSocketStreamProbe['push']> = { need: 1 };
    let gaps = 0;
    for (; gaps <= 2 * WS_PROBE_SEGMENT_BUDGET && verdict !== 'reject'; gaps++) {
      p.gap('c2s');
      p.gap('s2c');
      verdict = p.push('c2s', Uint8Array.of(0x41));
    }
    expect(verdict).toBe('reject');
    expect(gaps).toBeLessThanOrEqual(WS_PROBE_SEGMENT_BUDGET + 1);
  });

  it('with the SYN seen, a frame starts at the first byte or none does, masked by the client only', () => {
    expect(run(new WebSocketStreamProbe(connection), 'c2s', [concat(...chatFrames(3, true))]).verdict).toBe('match');
    expect(run(new WebSocketStreamProbe(connection), 's2c', [concat(...chatFrames(3, true))]).verdict).toBe('undecided');
    expect(run(new WebSocketStreamProbe(connection), 'c2s', [concat(Uint8Array.of(1, 2, 3), ...chatFrames(3, true))]).verdict).toBe('undecided');
  });
});
