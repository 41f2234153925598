import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { ErrorCodes } from '@netrx/core';
import { SourceFileCodes } from '@netrx/source-file';
import { catalogueAgainstDocs, codesInSources, uncatalogued } from '../../../../test-support/codes.js';

const src = fileURLToPath(new URL('..', import.meta.url));
const own = new Set(Object.keys(SourceFileCodes));

describe('@netrx/source-file codes', () => {
  test("every code the sources use is in SourceFileCodes (or, thrown, in core's ErrorCodes)", () => {
    const used = codesInSources(src);
    expect(used.has('ERR_PCAP_MAGIC') && used.has('ERR_PCAPNG_TRUNCATED') && used.has('ERR_CAPTURE_FILE')).toBe(true);
    expect(uncatalogued(used, own, ErrorCodes)).toEqual([]);
  });

  test('every catalogue entry is used by the readers, and documented in docs/codes.md as an error; nothing else is', () => {
    const used = codesInSources(src);
    expect([...own].filter((code) => !used.has(code))).toEqual([]);
    const { undocumented, notCatalogued, badRows, documented } = catalogueAgainstDocs('@netrx/source-file', own);
    expect({ undocumented, notCatalogued, badRows }).toEqual({ undocumented: [], notCatalogued: [], badRows: [] });
    for (const [code, doc] of documented) expect(doc.severity, code).toBe('error');
  });
});
