import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { ErrorCodes } from '@netrx/core';
import { catalogueAgainstDocs, codesInSources, uncatalogued } from '../../../../test-support/codes.js';
import { RedisSinkErrorCodes } from '../index.js';

const src = fileURLToPath(new URL('..', import.meta.url));
const own = new Set(Object.keys(RedisSinkErrorCodes));

describe('@netrx/sink-redis codes', () => {
  test("every code the sources use is in RedisSinkErrorCodes (or core's ErrorCodes)", () => {
    const used = codesInSources(src);
    // The scan must see the codes the sink uses, or this test could not fail.
    expect(used.has('ERR_REDIS_SINK_URL') && used.has('ERR_REDIS_SINK_LOST')).toBe(true);
    expect(uncatalogued(used, own, ErrorCodes)).toEqual([]);
  });

  test('every catalogue entry is documented in docs/codes.md, as thrown, and nothing else is', () => {
    const { undocumented, notCatalogued, badRows, documented } = catalogueAgainstDocs('@netrx/sink-redis', own);
    expect({ undocumented, notCatalogued, badRows }).toEqual({ undocumented: [], notCatalogued: [], badRows: [] });
    for (const [code, doc] of documented) expect(doc.severity, code).toBe('thrown');
  });
});
