import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { catalogueAgainstDocs, codesInSources, uncatalogued } from '../../../../test-support/codes.js';
import { ErrorCodes } from '../errors.js';
import { DissectCodes } from '../failure.js';

const src = fileURLToPath(new URL('..', import.meta.url));
const catalogued = new Set([...Object.keys(DissectCodes), ...Object.keys(ErrorCodes)]);

describe('@netrx/core codes', () => {
  test('every code the sources use is in DissectCodes or ErrorCodes', () => {
    const used = codesInSources(src);
    // The scan must see the codes the dissectors use, or this test could not fail.
    expect(used.has('ERR_IPV4_TRUNCATED') && used.has('WARN_FRAGMENT_OVERLAP') && used.has('ERR_TABLE_UNKNOWN')).toBe(true);
    expect(uncatalogued(used, catalogued)).toEqual([]);
  });

  test('every catalogue entry is documented in docs/codes.md, and nothing else is', () => {
    const { undocumented, notCatalogued, badRows, documented } = catalogueAgainstDocs('@netrx/core', catalogued);
    expect({ undocumented, notCatalogued, badRows }).toEqual({ undocumented: [], notCatalogued: [], badRows: [] });
    for (const [code, doc] of documented) expect(doc.severity === 'thrown', code).toBe(code in ErrorCodes);
  });
});
