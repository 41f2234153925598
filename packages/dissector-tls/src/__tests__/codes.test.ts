import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { ErrorCodes } from '@netrx/core';
import { catalogueAgainstDocs, codesInSources, uncatalogued } from '../../../../test-support/codes.js';
import { TlsCodes, TlsNotDecryptedReasons } from '../tls-codes.js';
import { repoRoot } from '../../../../test-support/corpus.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const src = fileURLToPath(new URL('..', import.meta.url));
const own = new Set(Object.keys(TlsCodes));

describe('@netrx/dissector-tls codes', () => {
  test("every code the sources use is in TlsCodes (or, thrown, in core's ErrorCodes)", () => {
    const used = codesInSources(src);
    expect(used.has('ERR_TLS_RECORD_TYPE') && used.has('WARN_TLS_RECORD_AUTH')).toBe(true);
    expect(uncatalogued(used, own, ErrorCodes)).toEqual([]);
    // A catalogue entry no source uses is documentation of nothing.
    expect([...own].filter((code) => !used.has(code))).toEqual([]);
  });

  test('every catalogue entry is documented in docs/codes.md, and nothing else is', () => {
    const { undocumented, notCatalogued, badRows, documented } = catalogueAgainstDocs('@netrx/dissector-tls', own);
    expect({ undocumented, notCatalogued, badRows }).toEqual({ undocumented: [], notCatalogued: [], badRows: [] });
    for (const [code, doc] of documented) expect(doc.severity, code).toBe(code.startsWith('ERR_') ? 'error' : 'warning');
  });

  test('every reason a connection is not decrypted is documented in the same section', () => {
    const md = readFileSync(join(repoRoot, 'docs/codes.md'), 'utf8');
    const section = md.slice(md.indexOf('## @netrx/dissector-tls'));
    const rows = new Set([...section.matchAll(/^\| `([a-z-]+)` \| /gm)].map((m) => m[1]!));
    expect([...rows].sort()).toEqual(Object.keys(TlsNotDecryptedReasons).sort());
  });
});
