// Every code the package emits is in HttpCodes, every HttpCodes entry is emitted somewhere, and
// docs/codes.md describes each one under the package's heading.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@netrx/core';
import { HttpCodes, httpDiagnostic } from '../http-codes.js';
import { catalogueAgainstDocs, codesInSources, uncatalogued } from '../../../../test-support/codes.js';

const src = fileURLToPath(new URL('..', import.meta.url));
const own = new Set(Object.keys(HttpCodes));

describe('HttpCodes', () => {
  it("holds every code the package emits (thrown ones are core's ErrorCodes)", () => {
    const used = codesInSources(src);
    expect(uncatalogued(used, own, ErrorCodes)).toEqual([]);
  });

  it('holds only codes the package emits', () => {
    const used = codesInSources(src);
    const emitted = [...own].filter((c) => used.get(c)?.some((f) => !f.endsWith('http-codes.ts')));
    expect([...own].filter((c) => !emitted.includes(c))).toEqual([]);
    expect(emitted.length).toBeGreaterThan(15);
  });

  it('is documented in docs/codes.md under "## @netrx/dissector-http", and nothing else is', () => {
    const { undocumented, notCatalogued, badRows, documented } = catalogueAgainstDocs('@netrx/dissector-http', own);
    expect({ undocumented, notCatalogued, badRows }).toEqual({ undocumented: [], notCatalogued: [], badRows: [] });
    for (const [code, doc] of documented) expect(doc.severity, code).toBe(code.startsWith('ERR_') ? 'error' : 'warning');
  });

  it('names codes ERR_HTTP_* and WARN_HTTP_*, with a one-line meaning each', () => {
    for (const [code, meaning] of Object.entries(HttpCodes)) {
      expect(code).toMatch(/^(ERR|WARN)_HTTP_[A-Z0-9_]+$/);
      expect(meaning.length).toBeGreaterThan(10);
      expect(meaning).not.toContain('\n');
    }
  });

  it('httpDiagnostic takes its severity from the prefix and leaves out an unknown offset', () => {
    expect(httpDiagnostic('ERR_HTTP_CHUNK_SIZE', 'm', 7)).toEqual({ code: 'ERR_HTTP_CHUNK_SIZE', severity: 'error', message: 'm', offset: 7 });
    const w = httpDiagnostic('WARN_HTTP_UPGRADE_BYTES_LOST', 'm');
    expect(w).toEqual({ code: 'WARN_HTTP_UPGRADE_BYTES_LOST', severity: 'warning', message: 'm' });
    expect('offset' in w).toBe(false);
  });
});
