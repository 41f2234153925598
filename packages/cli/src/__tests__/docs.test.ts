// `npm run docs` must keep building (typedoc over every package's public index; a broken {@link}
// is an error, see typedoc.json), and every public export must have a TSDoc summary. typedoc 0.28
// no longer reports undocumented exports (TypeStrong/typedoc#3046), so the second check asks the
// TypeScript compiler directly.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

describe('API docs', () => {
  it('build with typedoc', () => {
    const typedoc = join(root, 'node_modules/typedoc/bin/typedoc');
    const r = spawnSync(process.execPath, [typedoc, '--emit', 'none'], { cwd: root, encoding: 'utf8', timeout: 240_000 });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    // Not one warning, even one typedoc does not count as an error.
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/warning/i);
  }, 240_000);

  it('name each package\'s module as it is imported: @netrx/<package>', () => {
    const entryPoints = (JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8')) as { entryPoints: string[] }).entryPoints;
    for (const entry of entryPoints) {
      const pkg = /^packages\/([^/]+)\/src\/index\.ts$/.exec(entry)![1];
      expect(readFileSync(join(root, entry), 'utf8'), entry).toMatch(new RegExp(`^ \\* @module @netrx/${pkg}$`, 'm'));
    }
  });

  it('document every public export', () => {
    const entryPoints = (JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8')) as { entryPoints: string[] }).entryPoints.map((e) => join(root, e));
    const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.docs.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
    const program = ts.createProgram(entryPoints, config.options);
    const checker = program.getTypeChecker();
    const undocumented: string[] = [];
    for (const entry of entryPoints) {
      const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
      for (const exported of checker.getExportsOfModule(module)) {
        const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
        // Declaration merging (a type and a value of one name) counts as documented if either is.
        const documented = symbol.getDocumentationComment(checker).some((part) => part.text.trim() !== '');
        if (!documented) undocumented.push(`${entry.slice(root.length)}: ${exported.name}`);
      }
    }
    expect(undocumented).toEqual([]);
  });
});
