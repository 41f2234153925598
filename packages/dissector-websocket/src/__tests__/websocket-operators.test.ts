import { describe, expect, it } from 'vitest';
import { firstValueFrom, from, toArray } from 'rxjs';
import type { AppEvent } from '@netrx/core';
import { websocketFrames, websocketMessages } from '../websocket-operators.js';
import { websocketJsonLines, websocketMessageJson } from '../websocket-json.js';
import { concat, drive, encodeFrame, upgrade } from './frames.js';

function events(): AppEvent[] {
  const t = drive(upgrade({ extensions: 'permessage-deflate' }), { frames: true });
  t.c2s(encodeFrame({ opcode: 1, payload: 'hi', mask: 0x01020304 }));
  t.s2c(concat(encodeFrame({ opcode: 2, payload: Uint8Array.of(0, 255) }), encodeFrame({ opcode: 8, payload: Uint8Array.of(0x03, 0xed) })));
  t.s2c(encodeFrame({ opcode: 1, rsv: 4, payload: Uint8Array.of(0xff, 0xff, 0xff) }));
  return t.events;
}

describe('operators and the JSON lines contract', () => {
  it('websocketMessages() keeps messages, websocketFrames() keeps frames', async () => {
    const ev = events();
    const ms = await firstValueFrom(from(ev).pipe(websocketMessages(), toArray()));
    const fs = await firstValueFrom(from(ev).pipe(websocketFrames(), toArray()));
    expect(ms.map((m) => m.kind)).toEqual(['text', 'binary', 'close', 'text']);
    expect(fs.map((f) => f.opcode)).toEqual([1, 2, 8, 1]);
  });

  it('writes each message as the JSON contract says, with undecodable and warnings when there are', async () => {
    const lines = await firstValueFrom(from(events()).pipe(websocketMessages(), websocketJsonLines(), toArray()));
    const base = { stream: 0, client: '10.0.0.1:50000', server: '10.0.0.2:7272' };
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { ts: '0.000000001', ...base, dir: 'c2s', type: 'text', length: 2, text: 'hi', compressed: false, frames: 1 },
      { ts: '0.000000002', ...base, dir: 's2c', type: 'binary', length: 2, hex: '00ff', compressed: false, frames: 1 },
      {
        ts: '0.000000002', ...base, dir: 's2c', type: 'close', length: 2, hex: '03ed', code: 1005, reason: '', compressed: false, frames: 1,
        warnings: [{ code: 'WARN_WS_CLOSE_CODE', message: 'close code 1005 may not be sent (RFC 6455 §7.4)' }],
      },
      { ts: '0.000000003', ...base, dir: 's2c', type: 'text', length: 0, undecodable: expect.stringMatching(/^inflate failed/), compressed: true, frames: 1 },
    ]);
    expect(websocketMessageJson((await firstValueFrom(from(events()).pipe(websocketMessages())))!)).toBe(lines[0]);
  });
});
