import { describe, expect, it } from 'vitest';
import { MessageRing } from '../message-ring.js';

describe('MessageRing', () => {
  it('numbers messages from 0 and keeps them while under its caps; a long line is made only when asked', () => {
    let made = 0;
    const r = new MessageRing<{ a: number }>({ maxMessages: 10, maxChars: 1000 }, (h) => (made++, `{"a":${h.a}}`));
    expect(r.push('{"a":1}', 3)).toBe(0);
    expect(r.push('{"p":2}', 4, { a: 2 }, 100)).toBe(1);
    expect(r.size).toBe(2);
    expect(r.line(0)).toBe('{"a":1}');
    expect(r.shipped(0)).toBe('{"a":1}');
    expect(r.shipped(1)).toBe('{"p":2}');
    expect(made).toBe(0);
    expect(r.line(1)).toBe('{"a":2}');
    expect(made).toBe(1);
    expect([r.isCapped(0), r.isCapped(1)]).toEqual([false, true]);
    expect(r.heldValue(1)).toEqual({ a: 2 });
    expect(r.connection(1)).toBe(4);
    expect(r.line(2)).toBeUndefined();
    expect(r.chars).toBe(114);
  });

  it('evicts the oldest past the message cap, and counts them', () => {
    const r = new MessageRing({ maxMessages: 3, maxChars: 1e9 });
    for (let i = 0; i < 10; i++) r.push(`{"i":${i}}`, i % 2);
    expect(r.first).toBe(7);
    expect(r.next).toBe(10);
    expect(r.size).toBe(3);
    expect(r.line(6)).toBeUndefined();
    expect(r.line(7)).toBe('{"i":7}');
    expect(r.connection(6)).toBe(-1);
    expect(r.connection(9)).toBe(1);
  });

  it('evicts past the character cap, previews included, but always keeps the newest', () => {
    const r = new MessageRing({ maxMessages: 100, maxChars: 25 });
    r.push('x'.repeat(10), 0);
    r.push('p'.repeat(4), 0, 'y', 10);
    expect(r.first).toBe(0);
    r.push('z'.repeat(10), 0);
    expect(r.first).toBe(1);
    expect(r.chars).toBe(24);
    r.push('w'.repeat(100), 0);
    expect(r.size).toBe(1);
    expect(r.line(3)).toBe('w'.repeat(100));
    expect(r.shipped(1)).toBeUndefined();
    expect(r.heldValue(1)).toBeUndefined();
  });

  it('stays consistent across its compactions (a million pushes through a small ring)', () => {
    const r = new MessageRing({ maxMessages: 5000, maxChars: 1e9 });
    for (let i = 0; i < 1_000_000; i++) r.push(String(i), i % 7);
    expect(r.first).toBe(995_000);
    for (const seq of [995_000, 997_123, 999_999]) {
      expect(r.line(seq)).toBe(String(seq));
      expect(r.connection(seq)).toBe(seq % 7);
    }
  });

  it('refuses limits below 1', () => {
    expect(() => new MessageRing({ maxMessages: 0, maxChars: 10 })).toThrow(RangeError);
  });
});
