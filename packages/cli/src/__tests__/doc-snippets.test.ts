// Every snippet in docs/*.md and README.md runs as shown: code blocks whose first line is
// `// file: NAME` are written as NAME (TypeScript stripped of its types, and type-checked against
// the sources) and run with node, the `netrx …` and `node …` lines of ```sh blocks run (`netrx` is
// the built command), and so do the `$ netrx …` lines of a transcript block (the lines under each
// are what it prints, stdout and stderr); what a file block or a ```sh block followed by a
// ```text block prints must be that text. They run in a folder of their own where `examples/`
// and `packages/` are the repository's; the built packages (`npm run build`) are imported as a
// user's program would. What is not run is said by {@link notRun}.
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

/** A folder for one document's snippets: package.json (ESM), `node_modules/`, `examples/` and `packages/` (for the bundled captures), `bin/netrx`. */
function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'netrx-doc-'));
  made.push(dir);
  writeFileSync(join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
  // `@netrx/…` and `rxjs` resolve to the repository's packages, as in a project that installed them.
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  symlinkSync(join(root, 'examples'), join(dir, 'examples'));
  symlinkSync(join(root, 'packages'), join(dir, 'packages'));
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

const docs = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** A command line of a ```sh block: `netrx …` (or `npx netrx …`), `node …`, `npm …`, with `VAR=value` before it. */
const COMMAND = /^(?:[A-Z_]+=\S+ )*(?:npx )?(?:netrx|node|npm) /;

/**
 * Why a command line of a snippet is not run, or undefined: it is. Everything else a snippet
 * runs; a command that reads a file must read one the repository has.
 */
function notRun(line: string): string | undefined {
  if (/^npm /.test(line)) return 'installs, runs the tests themselves or a benchmark (npm run bench is the lead\'s, on a quiet machine)';
  if (/ -i /.test(line)) return 'captures live: needs root, a device and traffic (source-live and the *-live tests capture in network namespaces)';
  if (/^(?:npx )?netrx ui /.test(line)) return 'serves until Ctrl-C (ui-command.test.ts drives it)';
  if (/ --sink /.test(line)) return 'needs a Redis server (sink-command.test.ts starts one)';
  return undefined;
}

/** Runs one command line in the snippets' folder: its exit status and what it printed. */
function runLine(line: string, dir: string, env: NodeJS.ProcessEnv, prelude: string, stderr: 'apart' | 'merged'): { status: number | null; out: string; err: string } {
  const script = `${prelude}${line.replace(/^((?:[A-Z_]+=\S+ )*)npx netrx /, '$1netrx ')}${stderr === 'merged' ? ' 2>&1' : ''}`;
  const r = spawnSync('bash', ['-c', script], { cwd: dir, env, encoding: 'utf8' });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

describe.skipIf(!built)('every snippet in the docs runs as shown', () => {
  it('finds the snippets: every ts/js block is a named file, and the README\'s are run too', () => {
    expect(docs).toContain('docs/writing-a-dissector.md');
    expect(docs).toContain('docs/parallel.md');
    for (const doc of docs) {
      const code = blocks(readFileSync(join(root, doc), 'utf8')).filter((b) => b.lang === 'ts' || b.lang === 'js');
      // A code block that is not a named file would not run: every one is.
      expect(code.filter((b) => b.file === undefined), doc).toEqual([]);
    }
    const readme = blocks(readFileSync(join(root, 'README.md'), 'utf8'));
    expect(readme.filter((b) => b.file !== undefined).length).toBeGreaterThanOrEqual(3);
    expect(readme.filter((b) => b.lang === '' && b.body.startsWith('$ ')).length).toBeGreaterThanOrEqual(2);
    // What is left out, and why, is said: live captures, the inspector's server, the Redis sink.
    const skipped = readme.flatMap((b) => (b.lang === 'sh' ? b.body.split('\n') : [])).filter((l) => COMMAND.test(l) && notRun(l) !== undefined);
    expect(skipped.map(notRun)).toEqual(expect.arrayContaining([expect.stringMatching(/^captures live/), expect.stringMatching(/^serves until/), expect.stringMatching(/^needs a Redis/)]));
  });

  for (const doc of docs) {
    it(doc, () => {
      const dir = workspace();
      const all = blocks(readFileSync(join(root, doc), 'utf8'));
      const tsFiles: string[] = [];
      // Times in text output are local: the snippets show UTC.
      const env = { ...process.env, TZ: 'UTC', NO_COLOR: '1', PATH: `${join(dir, 'bin')}:${process.env['PATH']}` };
      // Every file first: a snippet may import one shown after it.
      const scripts = new Map<Block, string>();
      for (const b of all) {
        if (b.file === undefined) continue;
        const path = join(dir, b.file);
        writeFileSync(path, b.body);
        scripts.set(b, path);
        if (b.file.endsWith('.ts')) {
          tsFiles.push(path);
          scripts.set(b, path.replace(/\.ts$/, '.js'));
          writeFileSync(scripts.get(b)!, ts.transpileModule(b.body, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);
        }
      }
      all.forEach((b, i) => {
        const expected = all[i + 1]?.lang === 'text' ? all[i + 1]!.body : undefined;
        let out: string | undefined;
        const script = scripts.get(b);
        if (script !== undefined) {
          // Run, all of them: a snippet that throws is a broken snippet, whatever it prints.
          const r = spawnSync(process.execPath, [script], { cwd: dir, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
          expect(r.status, `${doc}: ${b.file}\n${r.stderr}`).toBe(0);
          out = r.stdout;
        } else if (b.lang === 'sh') {
          out = '';
          // `VAR=value` lines hold for the block's later lines.
          let prelude = '';
          for (const line of b.body.split('\n')) {
            if (/^[A-Z_]+=\S+(\s+#.*)?$/.test(line)) prelude += `${line}\n`;
            if (!COMMAND.test(line) || notRun(line) !== undefined) continue;
            const r = runLine(line, dir, env, prelude, 'apart');
            expect(r.status, `${doc}: ${line}\n${r.err}`).toBe(0);
            out += r.out;
          }
        } else if (b.lang === '' && b.body.startsWith('$ ')) {
          // A transcript: each `$ command` and what it prints (stdout and stderr), as a terminal shows them.
          for (const part of b.body.split(/^\$ /m).slice(1)) {
            const [line, ...shown] = part.trimEnd().split('\n');
            if (notRun(line!) !== undefined) continue;
            const r = runLine(line!, dir, env, '', 'merged');
            expect(r.out.trimEnd(), `${doc}: $ ${line}`).toBe(shown.join('\n'));
          }
        }
        if (expected !== undefined && out !== undefined) expect(out.trimEnd(), `${doc}: what block ${i + 1} prints`).toBe(expected.trimEnd());
      });
      expect(typeCheck(tsFiles)).toEqual([]);
    }, 180_000);
  }
});
