// Every diagnostic code the package emits comes from `WebSocketCodes`, and every entry is used and
// documented in docs/codes.md under `## @netrx/dissector-websocket`.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WebSocketCodes } from '../websocket-codes.js';
import { TrackingInflateCodes } from '../tracking-inflate-result.js';
import { codesInSources, documentedCodes } from '../../../../test-support/codes.js';

const src = fileURLToPath(new URL('..', import.meta.url));
const catalogue = [...Object.keys(WebSocketCodes), ...Object.keys(TrackingInflateCodes)];
const inCatalogue = (code: string): boolean => catalogue.includes(code);

describe('WebSocketCodes', () => {
  it('holds every code the sources emit', () => {
    const used = codesInSources(src);
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter(([code]) => !inCatalogue(code)).map(([code, files]) => `${code} (${files.join(', ')})`)).toEqual([]);
  });

  it('holds no code that nothing emits', () => {
    const used = codesInSources(src);
    expect(Object.keys(WebSocketCodes).filter((c) => !used.get(c)?.some((f) => !f.endsWith('websocket-codes.ts')))).toEqual([]);
    expect(Object.keys(TrackingInflateCodes).filter((c) => !used.get(c)?.some((f) => f.endsWith('tracking-inflater.ts')))).toEqual([]);
  });

  it('says what each code means', () => {
    for (const [code, meaning] of Object.entries(WebSocketCodes)) {
      expect(code).toMatch(/^WARN_WS_[A-Z0-9_]+$/);
      expect(meaning.length, code).toBeGreaterThan(20);
    }
  });

  it('is documented, entry for entry, in docs/codes.md: warnings, and the inflater errors', () => {
    const documented = documentedCodes('@netrx/dissector-websocket');
    expect([...documented.keys()].sort()).toEqual([...catalogue].sort());
    for (const [code, doc] of documented) expect(doc.severity, code).toBe(code in WebSocketCodes ? 'warning' : 'error');
  });
});
