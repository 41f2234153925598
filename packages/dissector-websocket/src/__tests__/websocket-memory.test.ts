// What a WebSocket connection holds between packets is drawn on the pipeline's memory budget
// (ctx.budget): a refused draw is reported on the message, and everything is given back at the end.
import { describe, expect, it } from 'vitest';
import { MemoryBudget } from '@netrx/core';
import { inflateContextBytes } from '../message-inflater.js';
import { chatFrames, concat, drive, encodeFrame, midstream, upgrade } from './frames.js';
import { deflateAlone, deflateTakeover } from './deflate.js';

const M = 0x5a6b7c8d;
const codes = (m: { warnings: readonly { code: string }[] } | undefined) => m?.warnings.map((w) => w.code);

describe('WebSocket memory on the budget', () => {
  it('draws an inflate context per compressing direction, sized from its negotiated window, and gives it back at the end', async () => {
    const budget = new MemoryBudget(1 << 20);
    const t = drive(upgrade({ extensions: 'permessage-deflate; client_max_window_bits=10' }), {}, undefined, undefined, budget);
    const [c] = await deflateTakeover(['hello'], 10);
    t.c2s(encodeFrame({ opcode: 1, rsv: 4, payload: c!, mask: M }));
    expect(budget.used).toBe(inflateContextBytes(10));
    t.s2c(encodeFrame({ opcode: 1, rsv: 4, payload: deflateAlone('hi') }));
    expect(budget.used).toBe(inflateContextBytes(10) + inflateContextBytes(15));
    expect(inflateContextBytes(15) - inflateContextBytes(10)).toBe(32768 - 1024);
    t.dissector.end(9n, 9);
    expect(t.messages().map((m) => m.text)).toEqual(['hello', 'hi']);
    expect(budget.used).toBe(0);
  });

  it('keeps no context for a no_context_takeover direction', () => {
    const budget = new MemoryBudget(1 << 20);
    const t = drive(upgrade({ extensions: 'permessage-deflate; server_no_context_takeover' }), {}, undefined, undefined, budget);
    for (const s of ['one', 'two', 'three']) t.s2c(encodeFrame({ opcode: 1, rsv: 4, payload: deflateAlone(s) }));
    expect(t.messages().map((m) => m.text)).toEqual(['one', 'two', 'three']);
    expect(budget.used).toBe(0);
    expect(budget.peak).toBe(0);
  });

  it('holds the fragments of a message on the budget; refused, the message is undecodable with WARN_WS_MEMORY and the next is right', () => {
    const budget = new MemoryBudget(3000);
    const t = drive(upgrade(), {}, undefined, undefined, budget);
    const part = new Uint8Array(1000).fill(0x61);
    t.s2c(encodeFrame({ opcode: 1, fin: false, payload: part }), encodeFrame({ opcode: 0, fin: false, payload: part }));
    expect(budget.used).toBe(2000);
    t.s2c(encodeFrame({ opcode: 0, fin: false, payload: part }), encodeFrame({ opcode: 0, fin: false, payload: part }), encodeFrame({ opcode: 0, payload: part }));
    t.s2c(encodeFrame({ opcode: 1, payload: 'after' }));
    const [big, after] = t.messages();
    expect(big!.undecodable).toMatch(/memory budget refused 1000 bytes/);
    expect(codes(big)).toEqual(['WARN_WS_MEMORY']);
    expect(after!.text).toBe('after');
    expect(budget.used).toBe(0);
    expect(budget.refused).toBe(1);
  });

  it('a frame split across packets is gathered in a buffer drawn on the budget; refused, the message is undecodable', () => {
    const budget = new MemoryBudget(1000);
    const t = drive(upgrade(), {}, undefined, undefined, budget);
    const f = encodeFrame({ opcode: 2, payload: new Uint8Array(5000) });
    t.s2c(f.subarray(0, 100), f.subarray(100));
    t.s2c(encodeFrame({ opcode: 1, payload: 'after' }));
    const [big, after] = t.messages();
    expect(big!.undecodable).toMatch(/memory budget refused 5000 bytes to gather the frame/);
    expect(codes(big)).toEqual(['WARN_WS_MEMORY']);
    expect(after!.text).toBe('after');
    expect(budget.used).toBe(0);
  });

  it('draws what an unconfirmed connection holds, and gives it back when it ends unconfirmed', () => {
    const budget = new MemoryBudget(1 << 20);
    const t = drive(undefined, {}, midstream, undefined, budget);
    // Unmasked frames only: not yet proof the connection is WebSocket, so they are held.
    t.s2c(concat(...chatFrames(4, false, 'from server')));
    expect(t.messages()).toEqual([]);
    expect(budget.used).toBeGreaterThan(0);
    t.dissector.end(9n, 9);
    expect(t.events.filter((e) => e.type === 'ws.warning').map((w) => w.warnings[0]!.code)).toEqual(['WARN_WS_UNCONFIRMED']);
    expect(budget.used).toBe(0);
  });
});
