import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { ErrorCodes } from '@netrx/core';
import { StreamDispatchCodes, TcpCodes } from '@netrx/dissector-tcp';
import { SEVERITIES, codesInSources, documentedCodes } from '../../../../test-support/codes.js';

const src = fileURLToPath(new URL('..', import.meta.url));
const own = new Set([...Object.keys(TcpCodes), ...Object.keys(StreamDispatchCodes)]);

describe('@netrx/dissector-tcp codes', () => {
  test("every code the sources use is in TcpCodes or StreamDispatchCodes (or, thrown, in core's ErrorCodes)", () => {
    const used = codesInSources(src);
    expect(used.has('ERR_TCP_TRUNCATED') && used.has('ERR_TCP_STREAM_GAP') && used.has('ERR_INVALID_OPTION')).toBe(true);
    const missing = [...used].filter(([code]) => !own.has(code) && !(code in ErrorCodes)).map(([code, files]) => `${code} (${files.join(', ')})`);
    expect(missing).toEqual([]);
  });

  test('every catalogue entry is documented in docs/codes.md, and nothing else is', () => {
    const documented = documentedCodes('@netrx/dissector-tcp');
    expect([...own].filter((code) => !documented.has(code))).toEqual([]);
    expect([...documented.keys()].filter((code) => !own.has(code))).toEqual([]);
    for (const [code, doc] of documented) {
      expect(SEVERITIES, code).toContain(doc.severity);
      expect(doc.meaning, code).not.toBe('');
    }
  });
});
