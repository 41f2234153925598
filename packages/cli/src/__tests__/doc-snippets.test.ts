// Every snippet in docs/*.md runs as shown: code blocks whose first line is `// file: NAME` are
// written as NAME (TypeScript stripped of its types, and type-checked against the sources), the
// `netrx …` and `node …` lines of ```sh blocks run (`netrx` is the built command), a file block followed by a ```text
// block runs with node — and what each prints must be that text. They run in a folder of their
// own where `examples/` is the repository's; the built packages (`npm run build`) are imported as
// a user's program would.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const built = existsSync(join(root, 'packages/cli/dist/index.js'));
const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A fenced block of a document, in order. */
interface Block {
  readonly lang: string;
  readonly body: string;
  /** `NAME` of a first line `// file: NAME`. */
  readonly file?: string;
}

function blocks(markdown: string): Block[] {
  const out: Block[] = [];
  for (const m of markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)) {
    const body = m[2]!;
    const file = /^\/\/ file: (\S+)\n/.exec(body)?.[1];
    out.push({ lang: m[1]!, body, ...(file !== undefined && { file }) });
  }
  return out;
}

/** A folder for one document's snippets: package.json (ESM), `node_modules/`, `examples/`, `bin/netrx`. */
function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'netrx-doc-'));
  made.push(dir);
  writeFileSync(join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
  // `@netrx/…` and `rxjs` resolve to the repository's packages, as in a project that installed them.
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  symlinkSync(join(root, 'examples'), join(dir, 'examples'));
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin/netrx'), `#!/bin/sh\nexec "${process.execPath}" "${join(root, 'packages/cli/bin/netrx.js')}" "$@"\n`, { mode: 0o755 });
  return dir;
}

/** Type-checks the TypeScript snippets against the packages' sources. */
function typeCheck(files: string[]): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.docs.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  const program = ts.createProgram(files, { ...config.options, rootDir: undefined, allowJs: true, checkJs: false, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext });
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file === undefined || files.includes(d.file.fileName))
    .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

const docs = readdirSync(join(root, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => `docs/${f}`)
  .filter((f) => blocks(readFileSync(join(root, f), 'utf8')).some((b) => b.file !== undefined || (b.lang === 'sh' && /^(netrx|node) /m.test(b.body))));

describe.skipIf(!built)('every snippet in the docs runs as shown', () => {
  it('finds the snippets of docs/writing-a-dissector.md', () => {
    expect(docs).toContain('docs/writing-a-dissector.md');
    const code = blocks(readFileSync(join(root, 'docs/writing-a-dissector.md'), 'utf8')).filter((b) => b.lang === 'ts' || b.lang === 'js');
    // A code block that is not a named file would not run: every one is.
    expect(code.filter((b) => b.file === undefined)).toEqual([]);
  });

  for (const doc of docs) {
    it(doc, () => {
      const dir = workspace();
      const all = blocks(readFileSync(join(root, doc), 'utf8'));
      const tsFiles: string[] = [];
      const env = { ...process.env, PATH: `${join(dir, 'bin')}:${process.env['PATH']}` };
      all.forEach((b, i) => {
        const expected = all[i + 1]?.lang === 'text' ? all[i + 1]!.body : undefined;
        let out: string | undefined;
        if (b.file !== undefined) {
          const path = join(dir, b.file);
          writeFileSync(path, b.body);
          let run = path;
          if (b.file.endsWith('.ts')) {
            tsFiles.push(path);
            run = path.replace(/\.ts$/, '.js');
            writeFileSync(run, ts.transpileModule(b.body, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);
          }
          if (expected !== undefined) out = execFileSync(process.execPath, [run], { cwd: dir, env, encoding: 'utf8' });
        } else if (b.lang === 'sh') {
          out = '';
          // Only the commands that show something: `netrx …`, and `node` running a snippet
          // (never `npm run bench` or an install from a page that explains them).
          for (const line of b.body.split('\n').filter((l) => /^(netrx|node) /.test(l))) {
            const r = spawnSync('bash', ['-c', line], { cwd: dir, env, encoding: 'utf8' });
            expect(r.status, `${doc}: ${line}\n${r.stderr}`).toBe(0);
            out += r.stdout;
          }
        }
        if (expected !== undefined && out !== undefined) expect(out.trimEnd(), `${doc}: what block ${i + 1} prints`).toBe(expected.trimEnd());
      });
      expect(typeCheck(tsFiles)).toEqual([]);
    }, 120_000);
  }
});
