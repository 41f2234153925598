import { isUtf8 } from 'node:buffer';
import { expect } from 'vitest';
import type { JsonLineSink } from '../websocket-json.js';

/**
 * A `JsonLineSink` written the plain way, apart from the CLI's: text as UTF-8, a string body
 * escaped from its text by `JSON.stringify`, digits by `String`, hex by `Buffer`. It checks what
 * the writer hands it: valid UTF-8 to escape, whole non-negative numbers.
 */
export function byteSink(): JsonLineSink & { line(): string } {
  const chunks: Buffer[] = [];
  return {
    text: (s) => void chunks.push(Buffer.from(s)),
    jsonStringBody: (b) => {
      expect(isUtf8(b)).toBe(true);
      chunks.push(Buffer.from(JSON.stringify(Buffer.from(b).toString()).slice(1, -1)));
    },
    bytes: (b) => void chunks.push(Buffer.from(b)),
    digits: (n, width = 1) => {
      expect(Number.isSafeInteger(n) && n >= 0).toBe(true);
      chunks.push(Buffer.from(String(n).padStart(width, '0')));
    },
    hex: (b) => void chunks.push(Buffer.from(Buffer.from(b).toString('hex'))),
    line: () => Buffer.concat(chunks).toString(),
  };
}
