import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { ErrorCodes } from '@netrx/core';
import { SourceFileCodes } from '@netrx/source-file';
import { SEVERITIES, codesInSources, documentedCodes } from '../../../../test-support/codes.js';

const src = fileURLToPath(new URL('..', import.meta.url));
const own = new Set(Object.keys(SourceFileCodes));

describe('@netrx/source-file codes', () => {
  test("every code the sources use is in SourceFileCodes (or, thrown, in core's ErrorCodes)", () => {
    const used = codesInSources(src);
    expect(used.has('ERR_PCAP_MAGIC') && used.has('ERR_PCAPNG_TRUNCATED') && used.has('ERR_CAPTURE_FILE')).toBe(true);
    const missing = [...used].filter(([code]) => !own.has(code) && !(code in ErrorCodes)).map(([code, files]) => `${code} (${files.join(', ')})`);
    expect(missing).toEqual([]);
  });

  test('every catalogue entry is used by the readers, and documented in docs/codes.md as an error; nothing else is', () => {
    const used = codesInSources(src);
    expect([...own].filter((code) => !used.has(code))).toEqual([]);
    const documented = documentedCodes('@netrx/source-file');
    expect([...own].filter((code) => !documented.has(code))).toEqual([]);
    expect([...documented.keys()].filter((code) => !own.has(code))).toEqual([]);
    for (const [code, doc] of documented) {
      expect(SEVERITIES, code).toContain(doc.severity);
      expect(doc.severity, code).toBe('error');
      expect(doc.meaning, code).not.toBe('');
    }
  });
});
