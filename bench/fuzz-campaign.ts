/**
 * `npm run bench:fuzz`: the mutation campaign. Takes the corpus captures (`../shared/corpus`, or
 * `NETRX_CORPUS`), makes N seeded mutants of each (bit flips, byte sets, truncations, length-field
 * bumps, record duplication: `capture-mutator.ts`), runs every command of `netrx` on each with a
 * timeout, and tabulates what happened: exit statuses, crashes (a signal, an exit status netrx
 * never uses, a stack trace on stderr), hangs (the timeout), unclear errors (a stderr line that
 * does not come from netrx), and corrupt files whose error does not name a byte offset.
 *
 * Exits non-zero only on a crash, a hang or an unclear error. Mutants that gave one (or an error
 * without an offset) are kept in `.bench/fuzz/keep/` with the command that shows it.
 *
 * @example
 * ```sh
 * npm run bench:fuzz                                    # 5 mutants of every capture, every command
 * npm run bench:fuzz -- --n 50 --seed 7 --jobs 2
 * npm run bench:fuzz -- --n 2 --commands ws,tcp --only s2_
 * NETRX_CORPUS=/path/to/corpus npm run bench:fuzz
 * ```
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MUTATION_KINDS, mutate, type Mutation, type MutationKind } from './capture-mutator.js';
import { lastLine, runMeasured } from './child-run.js';
import { FAILING, OUTCOMES, classify, type Outcome } from './run-outcome.js';
import { Prng } from './prng.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BENCH_DIR = join(REPO, '.bench');
const NETRX_BIN = join(REPO, 'packages/cli/bin/netrx.js');
/** The commands that read a capture (`ui` serves, `devices` lists: neither reads a file). */
const COMMANDS = ['packets', 'tcp', 'http', 'ws', 'tls', 'stats'] as const;

interface Options {
  n: number;
  seed: number;
  timeoutSeconds: number;
  jobs: number;
  commands: string[];
  only?: string;
  netrx: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { n: 5, seed: 1717, timeoutSeconds: 60, jobs: 1, commands: [...COMMANDS], netrx: NETRX_BIN };
  const usage = `usage: npm run bench:fuzz -- [--n MUTANTS_PER_CAPTURE] [--seed S] [--timeout SECONDS] [--jobs N] [--commands ${COMMANDS.join(',')}] [--only SUBSTRING] [--netrx PATH]`;
  const int = (v: string | undefined, what: string, min: number): number => {
    const x = Number(v);
    if (!Number.isInteger(x) || x < min) throw new Error(`${what} needs an integer ≥ ${min}\n${usage}`);
    return x;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[i + 1];
    if (a === '--n') (o.n = int(v, a, 1)), i++;
    else if (a === '--seed') (o.seed = int(v, a, 0)), i++;
    else if (a === '--timeout') (o.timeoutSeconds = int(v, a, 1)), i++;
    else if (a === '--jobs') (o.jobs = int(v, a, 1)), i++;
    else if (a === '--commands' && v) {
      o.commands = v.split(',').filter(Boolean);
      const bad = o.commands.filter((c) => !(COMMANDS as readonly string[]).includes(c));
      if (bad.length || !o.commands.length) throw new Error(`--commands: ${bad.join(',') || 'none given'}: one or more of ${COMMANDS.join(',')}`);
      i++;
    } else if (a === '--only' && v) (o.only = v), i++;
    else if (a === '--netrx' && v) (o.netrx = v), i++;
    else throw new Error(`unknown or bad option ${a}\n${usage}`);
  }
  return o;
}

/** The corpus folder: `NETRX_CORPUS`, else `../shared/corpus` beside the repository (as `test-support/corpus.ts`). */
function corpusDir(): string {
  const dir = process.env.NETRX_CORPUS ?? resolve(REPO, '../shared/corpus');
  if (!existsSync(join(dir, 'README.md'))) throw new Error(`no corpus at ${dir} (set NETRX_CORPUS to the folder holding its README.md)`);
  return dir;
}

/** Every capture of the corpus: `captures/`, `captures-tls/`, and `public/` (its manifest). */
function corpusCaptures(dir: string): string[] {
  const inDir = (sub: string) =>
    existsSync(join(dir, sub)) ? readdirSync(join(dir, sub)).filter((f) => /\.(pcap|pcapng|cap)$/.test(f)).map((f) => join(dir, sub, f)) : [];
  const manifest = join(dir, 'public/MANIFEST.tsv');
  const pub = existsSync(manifest)
    ? readFileSync(manifest, 'utf8').split('\n').slice(1).filter(Boolean).map((l) => join(dir, 'public', l.split('\t')[0]!))
    : [];
  return [...inDir('captures'), ...inDir('captures-tls'), ...pub].filter((f) => existsSync(f)).sort();
}

interface Result {
  capture: string;
  mutant: number;
  mutations: Mutation[];
  kind: MutationKind;
  command: string;
  outcome: Outcome;
  status: number | null;
  signal: string | null;
  stderrLast: string;
  seconds: number;
  file: string;
}

/** Runs `tasks` with at most `jobs` at once. */
async function pool<T>(tasks: (() => Promise<T>)[], jobs: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(jobs, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        out[i] = await tasks[i]!();
      }
    }),
  );
  return out;
}

/** A 32-bit seed from the campaign seed, a capture's name and a mutant number. */
function seedFor(seed: number, name: string, i: number): number {
  return createHash('sha256').update(`${seed}/${name}/${i}`).digest().readUInt32LE(0);
}

/** The rows of a table of outcomes, grouped by `key`. */
function outcomeTable(results: Result[], key: (r: Result) => string, keyName: string): string {
  const groups = new Map<string, Result[]>();
  for (const r of results) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  const head = [keyName, 'runs', ...OUTCOMES, 'exit statuses'];
  const body = [...groups.entries()].map(([k, rs]) => {
    const statuses = new Map<string, number>();
    for (const r of rs) {
      const s = r.outcome === 'hang' ? 'timeout' : r.signal ?? String(r.status);
      statuses.set(s, (statuses.get(s) ?? 0) + 1);
    }
    return [k, String(rs.length), ...OUTCOMES.map((o) => String(rs.filter((r) => r.outcome === o).length)), [...statuses].sort().map(([s, n]) => `${s}:${n}`).join(' ')];
  });
  const total = ['all', String(results.length), ...OUTCOMES.map((o) => String(results.filter((r) => r.outcome === o).length)), ''];
  const rows = [...body, total];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((b) => b[i]!.length)));
  const numeric = (i: number) => i > 0 && i < head.length - 1;
  const line = (cells: string[]) => `| ${cells.map((c, i) => (numeric(i) ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join(' | ')} |`;
  const rule = `|${w.map((x, i) => (numeric(i) ? `${'-'.repeat(x + 1)}:` : `:${'-'.repeat(x + 1)}`)).join('|')}|`;
  return [line(head), rule, ...body.map(line), line(total)].join('\n');
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const corpus = corpusDir();
  const captures = corpusCaptures(corpus).filter((f) => !o.only || relative(corpus, f).includes(o.only));
  if (!captures.length) throw new Error(`no captures${o.only ? ` matching "${o.only}"` : ''} in ${corpus}`);
  const work = join(BENCH_DIR, 'fuzz/work');
  const keep = join(BENCH_DIR, 'fuzz/keep');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  mkdirSync(keep, { recursive: true });
  const t0 = performance.now();
  const load0 = loadavg()[0]!;
  process.stderr.write(`fuzz: ${captures.length} captures × ${o.n} mutants × ${o.commands.length} commands = ${captures.length * o.n * o.commands.length} runs (timeout ${o.timeoutSeconds} s, ${o.jobs} at once)\n`);
  const results: Result[] = [];
  for (const [c, capture] of captures.entries()) {
    const name = relative(corpus, capture);
    const original = readFileSync(capture);
    const keys = existsSync(`${capture}.keys`) ? ['--keylog', `${capture}.keys`] : [];
    const tasks: (() => Promise<Result>)[] = [];
    const files: string[] = [];
    for (let i = 0; i < o.n; i++) {
      const rng = new Prng(seedFor(o.seed, name, i));
      // One kind per mutant, in turn (starting one further for each capture, so that a small N
      // still covers every kind); 1–3 mutations of it.
      const kind = MUTATION_KINDS[(i + c) % MUTATION_KINDS.length]!;
      let bytes: Uint8Array = new Uint8Array(original);
      const mutations: Mutation[] = [];
      const steps = kind === 'truncate' ? 1 : rng.int(1, 3);
      for (let s = 0; s < steps && bytes.length > 1; s++) {
        const m = mutate(bytes, kind, rng);
        bytes = m.bytes;
        mutations.push(m.mutation);
      }
      const file = join(work, `${name.replace(/[/\\]/g, '__')}.m${i}${capture.slice(capture.lastIndexOf('.'))}`);
      writeFileSync(file, bytes);
      files.push(file);
      for (const command of o.commands) {
        tasks.push(async () => {
          const args = [o.netrx, command, '-r', file, '--no-progress', '--format', 'jsonl', ...keys];
          const r = await runMeasured(process.execPath, args, { timeoutSeconds: o.timeoutSeconds, stderrKeep: 16 << 10 });
          return {
            capture: name, mutant: i, mutations, kind, command, outcome: classify(r, file), status: r.status, signal: r.signal,
            stderrLast: lastLine(r.stderr), seconds: r.wallSeconds, file,
          };
        });
      }
    }
    const rs = await pool(tasks, o.jobs);
    results.push(...rs);
    const bad = rs.filter((r) => r.outcome !== 'ok' && r.outcome !== 'corrupt, offset named' && r.outcome !== 'other error');
    process.stderr.write(`fuzz: ${name}: ${rs.length} runs${bad.length ? `, ${bad.length} to look at` : ''}\n`);
    for (const f of files) {
      if (bad.some((r) => r.file === f)) {
        const kept = join(keep, basename(f));
        writeFileSync(kept, readFileSync(f));
        for (const r of bad.filter((x) => x.file === f)) r.file = kept;
      }
      rmSync(f, { force: true });
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(`\nby command\n\n${outcomeTable(results, (r) => r.command, 'command')}\n`);
  process.stdout.write(`\nby mutation\n\n${outcomeTable(results, (r) => r.kind, 'mutation')}\n`);
  const findings = results.filter((r) => r.outcome !== 'ok' && r.outcome !== 'corrupt, offset named' && r.outcome !== 'other error');
  if (findings.length) {
    process.stdout.write(`\nfindings (${findings.length}; mutants kept in ${relative(process.cwd(), keep) || keep})\n\n`);
    for (const r of findings.slice(0, 60)) {
      process.stdout.write(`- ${r.outcome}: netrx ${r.command} -r ${relative(process.cwd(), r.file)} — ${r.mutations.map((m) => `${m.kind} ${m.detail}`).join('; ')}\n  ${r.stderrLast.slice(0, 300) || '(no stderr)'}\n`);
    }
    if (findings.length > 60) process.stdout.write(`- … and ${findings.length - 60} more (all in .bench/fuzz-results.json)\n`);
  }
  const other = results.filter((r) => r.outcome === 'other error');
  if (other.length) {
    process.stdout.write(`\nother errors (exit 1, not about the file), first lines:\n`);
    for (const [line, n] of [...new Map(other.map((r) => [r.stderrLast.replace(/\S*\.m\d+\.\w+/g, 'FILE'), 0])).keys()].map((l) => [l, other.filter((r) => r.stderrLast.replace(/\S*\.m\d+\.\w+/g, 'FILE') === l).length] as const).slice(0, 20)) {
      process.stdout.write(`  ${n}× ${line.slice(0, 200)}\n`);
    }
  }
  const load1 = loadavg()[0]!;
  process.stdout.write(`\n${results.length} runs in ${seconds.toFixed(0)} s; seed ${o.seed}; corpus ${corpus}; load average ${load0.toFixed(1)}–${load1.toFixed(1)}\n`);
  writeFileSync(join(BENCH_DIR, 'fuzz-results.json'), JSON.stringify({ date: new Date().toISOString(), argv: process.argv.slice(2), seconds, results }, null, 2) + '\n');
  const failing = results.filter((r) => FAILING.has(r.outcome));
  if (failing.length) {
    process.stderr.write(`fuzz: ${failing.length} run(s) crashed, hung or gave an unclear error\n`);
    process.exitCode = 1;
  }
}

await main();
