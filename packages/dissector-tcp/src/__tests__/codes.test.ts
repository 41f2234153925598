import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { ErrorCodes } from '@netrx/core';
import { StreamDispatchCodes, TcpCodes } from '@netrx/dissector-tcp';
import { catalogueAgainstDocs, codesInSources, uncatalogued } from '../../../../test-support/codes.js';

const src = fileURLToPath(new URL('..', import.meta.url));
const own = new Set([...Object.keys(TcpCodes), ...Object.keys(StreamDispatchCodes)]);

describe('@netrx/dissector-tcp codes', () => {
  test("every code the sources use is in TcpCodes or StreamDispatchCodes (or, thrown, in core's ErrorCodes)", () => {
    const used = codesInSources(src);
    expect(used.has('ERR_TCP_TRUNCATED') && used.has('ERR_TCP_STREAM_GAP') && used.has('ERR_INVALID_OPTION')).toBe(true);
    expect(uncatalogued(used, own, ErrorCodes)).toEqual([]);
  });

  test('every catalogue entry is documented in docs/codes.md, and nothing else is', () => {
    const { undocumented, notCatalogued, badRows } = catalogueAgainstDocs('@netrx/dissector-tcp', own);
    expect({ undocumented, notCatalogued, badRows }).toEqual({ undocumented: [], notCatalogued: [], badRows: [] });
  });
});
