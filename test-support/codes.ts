/**
 * The code catalogues' referee: which stable codes (`ERR_…`, `WARN_…`) a package's sources use, and
 * which `docs/codes.md` documents. Each package's `codes.test.ts` checks that every code its
 * sources emit is in one of its exported catalogues and that every catalogue entry is documented.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { repoRoot } from './corpus.js';

/** A string literal that is a whole code; a template starting like one is a code built at run time. */
const CODE = /^(ERR|WARN)_[A-Z0-9_]+$/;
const CODE_PREFIX = /^(ERR|WARN)_/;

/**
 * Every code written as a string literal in the non-test TypeScript sources under `dir`
 * (`__tests__` folders and `*.test.ts` skipped; comments are not code), each with the files that
 * use it (relative to the repository). A template literal that starts like a code is reported as
 * its text with `${…}` in place of the expressions, which no catalogue holds: codes must be
 * literal to be stable.
 */
export function codesInSources(dir: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const note = (code: string, file: string): void => {
    const files = found.get(code) ?? [];
    if (!files.includes(file)) files.push(file);
    found.set(code, files);
  };
  for (const file of sourceFiles(dir)) {
    const text = readFileSync(file, 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const name = relative(repoRoot, file);
    const visit = (node: ts.Node): void => {
      if (ts.isStringLiteralLike(node) && CODE.test(node.text)) note(node.text, name);
      else if (ts.isTemplateExpression(node) && CODE_PREFIX.test(node.head.text)) {
        note(node.head.text + node.templateSpans.map((s) => '${…}' + s.literal.text).join(''), name);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== '__tests__' && entry.name !== 'node_modules') out.push(...sourceFiles(path));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out.sort();
}

/** One row of a `docs/codes.md` table. */
export interface DocumentedCode {
  /** The severity column: `error`, `warning`, `info`, or `thrown` (a `NetrxError`). */
  readonly severity: string;
  /** The meaning column. */
  readonly meaning: string;
}

/** The severities a `docs/codes.md` row may give. */
export const SEVERITIES: readonly string[] = ['error', 'warning', 'info', 'thrown'];

/**
 * The codes `docs/codes.md` documents under the heading `## <section>` (a package name, such as
 * `@netrx/core`), up to the next `## ` heading: every table row whose first cell is a code in
 * backticks. Throws if the section is missing.
 */
export function documentedCodes(section: string): Map<string, DocumentedCode> {
  const lines = readFileSync(join(repoRoot, 'docs/codes.md'), 'utf8').split('\n');
  const start = lines.findIndex((l) => l.trim() === `## ${section}`);
  if (start < 0) throw new Error(`docs/codes.md has no "## ${section}" section`);
  const out = new Map<string, DocumentedCode>();
  for (let i = start + 1; i < lines.length && !lines[i]!.startsWith('## '); i++) {
    const cells = lines[i]!.split('|').map((c) => c.trim());
    // A row is "| `CODE` | severity | meaning |": empty cells at both ends.
    const m = /^`((?:ERR|WARN)_[A-Z0-9_]+)`$/.exec(cells[1] ?? '');
    if (m === null || cells.length < 5) continue;
    if (out.has(m[1]!)) throw new Error(`docs/codes.md documents ${m[1]} twice under "## ${section}"`);
    out.set(m[1]!, { severity: cells[2]!, meaning: cells.slice(3, -1).join('|').trim() });
  }
  return out;
}

/**
 * The codes in `used` (from {@link codesInSources}) that are in none of `catalogues`, each as
 * `CODE (files)`: what a package emits without cataloguing it. Empty when all is well.
 */
export function uncatalogued(used: ReadonlyMap<string, readonly string[]>, ...catalogues: readonly (ReadonlySet<string> | object)[]): string[] {
  const known = (code: string): boolean => catalogues.some((c) => (c instanceof Set ? c.has(code) : code in c));
  return [...used].filter(([code]) => !known(code)).map(([code, files]) => `${code} (${files.join(', ')})`);
}

/**
 * How a package's catalogue and its `docs/codes.md` section differ, each as a list that is empty
 * when all is well: entries the section leaves out, rows for codes not in the catalogue, and rows
 * with an unknown severity or no meaning. `documented` is the section, for a package's own
 * checks (which severity each code must have).
 */
export function catalogueAgainstDocs(
  section: string,
  catalogue: ReadonlySet<string>,
): { undocumented: string[]; notCatalogued: string[]; badRows: string[]; documented: Map<string, DocumentedCode> } {
  const documented = documentedCodes(section);
  return {
    undocumented: [...catalogue].filter((code) => !documented.has(code)),
    notCatalogued: [...documented.keys()].filter((code) => !catalogue.has(code)),
    badRows: [...documented].filter(([, d]) => !SEVERITIES.includes(d.severity) || d.meaning === '').map(([code]) => code),
    documented,
  };
}
