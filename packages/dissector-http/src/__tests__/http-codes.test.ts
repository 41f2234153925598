// Every code the package emits is in HttpCodes, every HttpCodes entry is emitted somewhere, and
// docs/codes.md describes each one under the package's heading.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HttpCodes, httpDiagnostic } from '../http-codes.js';

const src = fileURLToPath(new URL('..', import.meta.url));
const root = fileURLToPath(new URL('../../../../', import.meta.url));
/** A quoted code: 'ERR_…', "WARN_…" or `ERR_…`. */
const CODE = /(['"`])((?:ERR|WARN)_[A-Z0-9_]+)\1/g;

/** The code literals in each non-test source file of the package. */
function codeLiterals(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of readdirSync(src)) {
    if (!file.endsWith('.ts')) continue;
    const text = readFileSync(join(src, file), 'utf8');
    found.set(file, [...text.matchAll(CODE)].map((m) => m[2]!));
  }
  return found;
}

/** The text of a `## heading` section of a markdown file, up to the next `## `. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) return '';
  const next = markdown.indexOf('\n## ', start + heading.length + 1);
  return markdown.slice(start, next < 0 ? undefined : next);
}

describe('HttpCodes', () => {
  it('holds every code the package emits', () => {
    const unknown: string[] = [];
    for (const [file, codes] of codeLiterals()) for (const c of codes) if (!(c in HttpCodes)) unknown.push(`${file}: ${c}`);
    expect(unknown).toEqual([]);
  });

  it('holds only codes the package emits', () => {
    const used = new Set<string>();
    for (const [file, codes] of codeLiterals()) if (file !== 'http-codes.ts') for (const c of codes) used.add(c);
    expect(Object.keys(HttpCodes).filter((c) => !used.has(c))).toEqual([]);
    expect(used.size).toBeGreaterThan(15);
  });

  it('is documented in docs/codes.md under "## @netrx/dissector-http"', () => {
    const docs = section(readFileSync(join(root, 'docs/codes.md'), 'utf8'), '## @netrx/dissector-http');
    expect(docs).not.toBe('');
    expect(Object.keys(HttpCodes).filter((c) => !docs.includes(`\`${c}\``))).toEqual([]);
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
