import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { SEVERITIES, codesInSources, documentedCodes } from '../../../../test-support/codes.js';
import { ErrorCodes } from '../errors.js';
import { DissectCodes } from '../failure.js';

const src = fileURLToPath(new URL('..', import.meta.url));
const catalogued = new Set([...Object.keys(DissectCodes), ...Object.keys(ErrorCodes)]);

describe('@netrx/core codes', () => {
  test('every code the sources use is in DissectCodes or ErrorCodes', () => {
    const used = codesInSources(src);
    // The scan must see the codes the dissectors use, or this test could not fail.
    expect(used.has('ERR_IPV4_TRUNCATED') && used.has('WARN_FRAGMENT_OVERLAP') && used.has('ERR_TABLE_UNKNOWN')).toBe(true);
    const missing = [...used].filter(([code]) => !catalogued.has(code)).map(([code, files]) => `${code} (${files.join(', ')})`);
    expect(missing).toEqual([]);
  });

  test('every catalogue entry is documented in docs/codes.md, and nothing else is', () => {
    const documented = documentedCodes('@netrx/core');
    expect([...catalogued].filter((code) => !documented.has(code))).toEqual([]);
    expect([...documented.keys()].filter((code) => !catalogued.has(code))).toEqual([]);
    for (const [code, doc] of documented) {
      expect(SEVERITIES, code).toContain(doc.severity);
      expect(doc.severity === 'thrown', code).toBe(code in ErrorCodes);
      expect(doc.meaning, code).not.toBe('');
    }
  });
});
