// Issue 17's "memory amplification near the inflate cap", at a size that takes seconds: messages of
// a few MiB of zeros, ~1,000:1 compressed, through the whole pipeline with a memory budget. The
// budget's own accounting shows what is held (one copy of a message, never two), that a refused
// draw is reported, and that everything drawn is given back.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { corePlugin, createRegistry, dissect, MemoryBudget } from '@netrx/core';
import { dissectStreams, reassembleTcp, tcpPlugin } from '@netrx/dissector-tcp';
import { httpPlugin } from '@netrx/dissector-http';
import { fromCaptureFile } from '@netrx/source-file';
import { nearCapDeflateMessages } from '../../../../test-support/hostile/deflate-bomb.js';
import { inflateContextBytes } from '../message-inflater.js';
import type { WebSocketMessage, WebSocketOptions, WebSocketWarning } from '../types.js';
import { createWebSocketPlugin } from '../websocket-plugin.js';

const dir = mkdtempSync(join(tmpdir(), 'netrx-bomb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MiB = 1024 * 1024;

async function run(capture: Uint8Array, options: WebSocketOptions, budget: MemoryBudget) {
  const path = join(dir, `bomb-${Math.random().toString(36).slice(2)}.pcap`);
  writeFileSync(path, capture);
  const registry = createRegistry([corePlugin, tcpPlugin, httpPlugin, createWebSocketPlugin(options)]);
  const events = await lastValueFrom(fromCaptureFile(path).pipe(dissect(registry), reassembleTcp(registry), dissectStreams(registry, { budget }), toArray()));
  return {
    messages: events.filter((e): e is WebSocketMessage => e.type === 'ws.message'),
    warnings: events.filter((e): e is WebSocketWarning => e.type === 'ws.warning'),
  };
}

const isZeros = (b: Uint8Array): boolean => b.every((x) => x === 0);

describe('near-cap deflate messages (issue 17)', () => {
  it('holds each message once: the budget peaks near one message, and all is given back', async () => {
    const size = 3 * MiB;
    const budget = new MemoryBudget(64 * MiB);
    const { messages, warnings } = await run(nearCapDeflateMessages(3, 3), { maxMessageSize: 4 * MiB }, budget);
    expect(messages.map((m) => [m.dir, m.kind, m.payload.length, m.undecodable])).toEqual([
      ['s2c', 'text', size, undefined],
      ['s2c', 'text', size, undefined],
      ['s2c', 'text', size, undefined],
      ['s2c', 'text', 9, undefined],
      ['c2s', 'text', 9, undefined],
    ]);
    expect(messages.slice(0, 3).every((m) => isZeros(m.payload))).toBe(true);
    // The messages after the big ones are right: the contexts went on.
    expect(messages.slice(3).map((m) => m.text)).toEqual(['after s2c', 'after c2s']);
    expect(warnings).toEqual([]);
    // One copy: the inflated message (its buffer grown by doubling from 256 KiB: 4 MiB for 3) and
    // the two contexts; two copies (chunks and their join) would be 6 MiB and more.
    expect(budget.peak).toBeGreaterThanOrEqual(size);
    expect(budget.peak).toBeLessThanOrEqual(4 * MiB + 2 * inflateContextBytes(15) + 64 * 1024);
    expect(budget.used).toBe(0);
    expect(budget.refused).toBe(0);
  });

  it('over the inflate cap: undecodable with the reason, and the messages after it are right', async () => {
    const budget = new MemoryBudget(64 * MiB);
    const { messages } = await run(nearCapDeflateMessages(2, 3), { maxMessageSize: 2 * MiB }, budget);
    expect(messages.map((m) => [m.payload.length, m.undecodable ?? m.text])).toEqual([
      [0, expect.stringMatching(/over the 2097152-byte cap/)],
      [0, expect.stringMatching(/over the 2097152-byte cap/)],
      [9, 'after s2c'],
      [9, 'after c2s'],
    ]);
    // Inflation stopped at the cap: never more than the cap (and a byte) was drawn for it. The
    // first stop leaves the history unknown, so the second goes through the tracking inflater,
    // which marks each byte known or not: twice the cap at most.
    expect(budget.peak).toBeLessThanOrEqual(2 * (2 * MiB + 1) + 2 * inflateContextBytes(15));
    expect(budget.used).toBe(0);
  });

  it('a budget too small for a message: undecodable with WARN_WS_MEMORY, never silent, and the rest decodes', async () => {
    const budget = new MemoryBudget(1 * MiB);
    const { messages } = await run(nearCapDeflateMessages(2, 3), {}, budget);
    expect(messages.map((m) => [m.payload.length, m.undecodable ?? m.text, m.warnings.map((w) => w.code)])).toEqual([
      [0, expect.stringMatching(/memory budget refused/), ['WARN_WS_MEMORY']],
      [0, expect.stringMatching(/memory budget refused/), ['WARN_WS_MEMORY']],
      [9, 'after s2c', []],
      [9, 'after c2s', []],
    ]);
    expect(budget.refused).toBeGreaterThanOrEqual(2);
    expect(budget.peak).toBeLessThanOrEqual(1 * MiB);
    expect(budget.used).toBe(0);
  });

  it('a budget too small for an inflate context: the message is undecodable with WARN_WS_MEMORY', async () => {
    const budget = new MemoryBudget(16 * 1024);
    const { messages } = await run(nearCapDeflateMessages(0, 0), {}, budget);
    expect(messages.map((m) => [m.undecodable, m.warnings.map((w) => w.code)])).toEqual([
      [expect.stringMatching(/refused the 40448-byte inflate context/), ['WARN_WS_MEMORY']],
      [expect.stringMatching(/refused the 40448-byte inflate context/), ['WARN_WS_MEMORY']],
    ]);
    expect(budget.used).toBe(0);
  });
});
