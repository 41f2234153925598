// Every diagnostic code the package emits comes from `WebSocketCodes`, and every entry is used and
// documented in docs/codes.md under `## @netrx/dissector-websocket`.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WebSocketCodes } from '../websocket-codes.js';

const src = fileURLToPath(new URL('..', import.meta.url));
const docs = fileURLToPath(new URL('../../../../docs/codes.md', import.meta.url));

/** The non-test source files of the package, with their text. */
function sources(): { file: string; text: string }[] {
  return readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.split(/[\\/]/).includes('__tests__'))
    .map((f) => ({ file: f, text: readFileSync(join(src, f), 'utf8') }));
}

/** Code literals: `'ERR_…'` or `'WARN_…'` in any quotes. */
function codeLiterals(text: string): string[] {
  return [...text.matchAll(/['"`]((?:ERR|WARN)_[A-Z0-9_]+)['"`]/g)].map((m) => m[1]!);
}

/** The codes named in a `## heading` section of a Markdown file. */
function documented(markdown: string, heading: string): Set<string> {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) return new Set();
  const next = markdown.indexOf('\n## ', start + heading.length + 1);
  const section = markdown.slice(start, next < 0 ? undefined : next);
  return new Set([...section.matchAll(/\b((?:ERR|WARN)_[A-Z0-9_]+)\b/g)].map((m) => m[1]!));
}

describe('WebSocketCodes', () => {
  const catalogue = Object.keys(WebSocketCodes);

  it('holds every code the sources emit', () => {
    const used = sources().flatMap(({ file, text }) => codeLiterals(text).map((code) => ({ file, code })));
    expect(used.length).toBeGreaterThan(10);
    expect(used.filter((u) => !(u.code in WebSocketCodes))).toEqual([]);
  });

  it('holds no code that nothing emits', () => {
    const used = new Set(sources().flatMap(({ text }) => codeLiterals(text)));
    expect(catalogue.filter((c) => !used.has(c))).toEqual([]);
  });

  it('says what each code means', () => {
    for (const [code, meaning] of Object.entries(WebSocketCodes)) {
      expect(code).toMatch(/^WARN_WS_[A-Z0-9_]+$/);
      expect(meaning.length, code).toBeGreaterThan(20);
    }
  });

  it('is documented, entry for entry, in docs/codes.md', () => {
    const inDocs = documented(readFileSync(docs, 'utf8'), '## @netrx/dissector-websocket');
    expect([...inDocs].sort()).toEqual([...catalogue].sort());
  });
});
