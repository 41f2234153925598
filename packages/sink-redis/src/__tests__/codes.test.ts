import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { ErrorCodes } from '@netrx/core';
import { SEVERITIES, codesInSources, documentedCodes } from '../../../../test-support/codes.js';
import { RedisSinkErrorCodes } from '../index.js';

const src = fileURLToPath(new URL('..', import.meta.url));
const own = new Set(Object.keys(RedisSinkErrorCodes));

describe('@netrx/sink-redis codes', () => {
  test("every code the sources use is in RedisSinkErrorCodes (or core's ErrorCodes)", () => {
    const used = codesInSources(src);
    // The scan must see the codes the sink uses, or this test could not fail.
    expect(used.has('ERR_REDIS_SINK_URL') && used.has('ERR_REDIS_SINK_LOST')).toBe(true);
    const missing = [...used].filter(([code]) => !own.has(code) && !(code in ErrorCodes)).map(([code, files]) => `${code} (${files.join(', ')})`);
    expect(missing).toEqual([]);
  });

  test('every catalogue entry is documented in docs/codes.md, as thrown, and nothing else is', () => {
    const documented = documentedCodes('@netrx/sink-redis');
    expect([...own].filter((code) => !documented.has(code))).toEqual([]);
    expect([...documented.keys()].filter((code) => !own.has(code))).toEqual([]);
    for (const [code, doc] of documented) {
      expect(SEVERITIES, code).toContain(doc.severity);
      expect(doc.severity, code).toBe('thrown');
      expect(doc.meaning, code).not.toBe('');
    }
  });
});
