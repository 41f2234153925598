/**
 * `npm run bench:hostile`: the hostile inputs of issue 17 at full size through `netrx`, one child
 * process per run, measured with `/usr/bin/time` (CPU user+sys, peak RSS), with output bytes, exit
 * status and the last stderr line; a table with the issue's targets, each marked met or not.
 * The targets are printed, never enforced: the bench fails only when a run itself fails (a
 * non-zero exit, a signal, a timeout).
 *
 * Captures are generated once and cached in `.bench/hostile-*.pcap` (regenerated when their
 * generator or size changes).
 *
 * @example
 * ```sh
 * npm run bench:hostile                                  # every input, full size
 * npm run bench:hostile -- --only ooo-200k,deflate-20x63MiB
 * npm run bench:hostile -- --scale 0.01 --timeout 60     # a quick look at 1% of the sizes
 * npm run bench:hostile -- --workers 2                   # netrx --workers 2 (default: 1)
 * npm run bench:hostile -- --only ooo --curve            # the out-of-order input at 1/8, 1/4, 1/2 and full size
 * npm run bench:hostile -- --only ooo-50k --curve --profile   # + where the time goes (node --cpu-prof)
 * ```
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { lastLine, runMeasured, type ChildRun } from './child-run.js';
import { topFunctions, type ProfileEntry } from './cpu-profile.js';

/** Bumped whenever a generator's output changes, so cached captures are made again. */
const HOSTILE_VERSION = 2;
const BENCH_DIR = fileURLToPath(new URL('../../.bench/', import.meta.url));
const NETRX_BIN = fileURLToPath(new URL('../../packages/cli/bin/netrx.js', import.meta.url));
const MiB = 2 ** 20;
const MB = 1e6;

/** The generators, from `test-support/hostile/*.ts` (the suite's hostile tests use the same at small sizes). */
type Generators = Record<GeneratorName, (...args: number[]) => Uint8Array>;
/** The generators the bench calls, by name. */
type GeneratorName =
  | 'synOnlyConnections' | 'synPlus8Connections' | 'oneConnectionOooSegments' | 'connectionsWithOneOooSegment' | 'connectionsBehindHole'
  | 'nearCapDeflateMessages' | 'incompleteFragments' | 'stackedVlanTags' | 'impossibleWsLength';

/** A command line run on each capture (the file path and common options are added). */
interface Run {
  readonly label: string;
  readonly args: readonly string[];
  /** Bytes of output the run may need at most (the output-size target), when the input says. */
  readonly needBytes?: number;
  /** CPU seconds the issue gives this run, when it gives one. */
  readonly cpuTarget?: number;
}

/** One hostile input: how to make it and what to run on it. */
interface Input {
  readonly name: string;
  readonly what: string;
  /** The generator's name and arguments (the cache key). */
  readonly make: { readonly fn: keyof Generators; readonly args: readonly number[] };
  readonly runs: readonly Run[];
}

/** Every input has this target: peak RSS under 400 MB (issue 17, "Tests"). */
const RSS_TARGET_BYTES = 400 * MB;

const WS_JSONL: Run = { label: 'ws jsonl', args: ['ws', '--format', 'jsonl'] };
const TCP: Run = { label: 'tcp', args: ['tcp'] };

/** The inputs at full size times `scale` (at least 1 of anything). */
function inputs(scale: number, curve: boolean): Input[] {
  const n = (x: number) => Math.max(1, Math.round(x * scale));
  const k = (x: number) => `${x >= 1000 ? `${x / 1000}k` : x}`;
  const ooo = n(200_000);
  const deflate = { count: n(20), mib: scale >= 1 ? 63 : Math.max(1, Math.round(63 * scale)) };
  // jsonl writes a text message of zero bytes as "\u0000" per byte; text shows one short line a message.
  const deflateJsonNeed = deflate.count * deflate.mib * MiB * 6 + (deflate.count + 2) * 1024;
  const syn = n(200_000);
  const syn3 = n(300_000);
  const one = n(50_000);
  const hole = { k: n(100), bytes: Math.max(MiB / 16, Math.round(3 * MiB * Math.min(1, scale * 10))) };
  const frags = n(100_000);
  const vlan = { tags: 1000, frames: n(10_000) };
  // The out-of-order input at 1/8, 1/4 and 1/2 size too: how its time grows (quadratic or not).
  const oooCurve: Input[] = (curve ? [8, 4, 2] : []).map((d) => {
    const m = Math.max(1, Math.round(ooo / d));
    return { name: `ooo-${k(m)}`, what: `${m.toLocaleString('en-US')} one-byte OOO segments, one connection`, make: { fn: 'oneConnectionOooSegments', args: [m] }, runs: [WS_JSONL, TCP] };
  });
  return [
    { name: `syn-only-${k(syn)}`, what: `${syn.toLocaleString('en-US')} SYN-only connections`, make: { fn: 'synOnlyConnections', args: [syn] }, runs: [WS_JSONL, TCP] },
    { name: `syn-plus8-${k(syn)}`, what: `${syn.toLocaleString('en-US')} connections, SYN + 8 bytes`, make: { fn: 'synPlus8Connections', args: [syn] }, runs: [WS_JSONL, TCP] },
    { name: `syn-only-${k(syn3)}`, what: `${syn3.toLocaleString('en-US')} SYN-only connections`, make: { fn: 'synOnlyConnections', args: [syn3] }, runs: [WS_JSONL, TCP] },
    { name: `one-ooo-${k(one)}`, what: `${one.toLocaleString('en-US')} connections, one OOO segment each`, make: { fn: 'connectionsWithOneOooSegment', args: [one] }, runs: [WS_JSONL, TCP] },
    {
      name: `hole-${hole.k}x${(hole.bytes / MiB).toFixed(hole.bytes % MiB ? 2 : 0)}MiB`,
      what: `${hole.k} connections, ${(hole.bytes / MiB).toFixed(2)} MiB each behind a hole`,
      make: { fn: 'connectionsBehindHole', args: [hole.k, hole.bytes] },
      runs: [WS_JSONL, TCP],
    },
    ...oooCurve,
    {
      name: `ooo-${k(ooo)}`,
      what: `${ooo.toLocaleString('en-US')} one-byte OOO segments, one connection`,
      make: { fn: 'oneConnectionOooSegments', args: [ooo] },
      runs: [{ ...WS_JSONL, cpuTarget: 2 }, { ...TCP, cpuTarget: 2 }],
    },
    {
      name: `deflate-${deflate.count}x${deflate.mib}MiB`,
      what: `${deflate.count} deflate messages of ${deflate.mib} MiB (zeros)`,
      make: { fn: 'nearCapDeflateMessages', args: [deflate.count, deflate.mib] },
      runs: [
        { ...WS_JSONL, cpuTarget: 10, needBytes: deflateJsonNeed },
        { label: 'ws text', args: ['ws'], cpuTarget: 10, needBytes: (deflate.count + 2) * 1024 },
        TCP,
      ],
    },
    {
      name: `fragments-${k(frags)}`,
      what: `${frags.toLocaleString('en-US')} IPv4 first fragments, never completed`,
      make: { fn: 'incompleteFragments', args: [frags] },
      runs: [WS_JSONL, TCP, { label: 'packets', args: ['packets'] }],
    },
    {
      name: `vlan-${vlan.tags}x${k(vlan.frames)}`,
      what: `${vlan.frames.toLocaleString('en-US')} frames with ${vlan.tags} stacked 802.1Q tags`,
      make: { fn: 'stackedVlanTags', args: [vlan.tags, vlan.frames] },
      runs: [WS_JSONL, TCP, { label: 'packets', args: ['packets'] }],
    },
    {
      name: 'ws-impossible-length',
      what: 'WebSocket lengths 2^63-1 and 2^63, wrong accept',
      make: { fn: 'impossibleWsLength', args: [] },
      runs: [WS_JSONL, { label: 'ws text', args: ['ws'] }, TCP],
    },
  ];
}

interface Options {
  only?: string[];
  scale: number;
  timeoutSeconds: number;
  workers: string;
  netrx: string;
  curve: boolean;
  profile: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { scale: 1, timeoutSeconds: 600, workers: '1', netrx: NETRX_BIN, curve: false, profile: false };
  const usage = 'usage: npm run bench:hostile -- [--only NAME,…] [--scale F] [--timeout SECONDS] [--workers N|default] [--netrx PATH] [--curve] [--profile]';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[i + 1];
    if (a === '--only' && v) (o.only = v.split(',').filter(Boolean)), i++;
    else if (a === '--scale' && Number(v) > 0) (o.scale = Number(v)), i++;
    else if (a === '--timeout' && Number(v) > 0) (o.timeoutSeconds = Number(v)), i++;
    else if (a === '--workers' && v && (v === 'default' || Number.isInteger(Number(v)))) (o.workers = v), i++;
    else if (a === '--netrx' && v) (o.netrx = v), i++;
    else if (a === '--curve') o.curve = true;
    else if (a === '--profile') o.profile = true;
    else throw new Error(`unknown or bad option ${a}\n${usage}`);
  }
  return o;
}

/** The test-support generator files. */
const GENERATOR_FILES = ['tcp-inputs.ts', 'deflate-bomb.ts', 'packet-inputs.ts'];

/**
 * The generators of `test-support/hostile/*.ts`, and a hash of their sources (the captures'
 * cache key). They are TypeScript outside the bench's build (and Node 20 does not strip types),
 * so they are compiled with tsc into `.bench/test-support/` first.
 */
async function loadGenerators(): Promise<{ gens: Generators; source: string }> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const files = GENERATOR_FILES.map((f) => join(root, 'test-support/hostile', f));
  const out = join(BENCH_DIR, 'test-support');
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--outDir', out, '--rootDir', join(root, 'test-support'),
    '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--strict', 'false', '--noCheck', ...files], { encoding: 'utf8' });
  if (tsc.status !== 0) throw new Error(`test-support/hostile: tsc failed:\n${tsc.stdout}${tsc.stderr}`);
  const gens: Record<string, unknown> = {};
  const hash = createHash('sha256');
  for (const f of files) {
    hash.update(readFileSync(f));
    Object.assign(gens, await import(pathToFileURL(join(out, 'hostile', f.split('/').pop()!.replace(/\.ts$/, '.js'))).href));
  }
  return { gens: gens as Generators, source: hash.digest('hex').slice(0, 16) };
}

interface CaptureFile {
  file: string;
  bytes: number;
  reused: boolean;
  generateSeconds: number;
}

/** The capture for `input`, from the cache when its generator and size are the same. */
function ensureCapture(input: Input, gens: Generators, source: string): CaptureFile {
  mkdirSync(BENCH_DIR, { recursive: true });
  const file = join(BENCH_DIR, `hostile-${input.name}.pcap`);
  const metaFile = `${file}.meta.json`;
  // Keyed by the generators' sources: a change there makes the capture again.
  const key = { version: HOSTILE_VERSION, source, fn: input.make.fn, args: input.make.args };
  if (existsSync(file) && existsSync(metaFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as { key: unknown; generateSeconds: number };
    if (JSON.stringify(meta.key) === JSON.stringify(key)) return { file, bytes: statSync(file).size, reused: true, generateSeconds: meta.generateSeconds };
  }
  const t0 = performance.now();
  const fn = gens[input.make.fn] as ((...a: number[]) => Uint8Array) | undefined;
  if (typeof fn !== 'function') throw new Error(`test-support/hostile has no ${input.make.fn}()`);
  const bytes = fn(...input.make.args);
  const generateSeconds = (performance.now() - t0) / 1000;
  writeFileSync(`${file}.tmp`, bytes);
  renameSync(`${file}.tmp`, file);
  writeFileSync(metaFile, JSON.stringify({ key, bytes: bytes.length, generateSeconds }, null, 2) + '\n');
  return { file, bytes: bytes.length, reused: false, generateSeconds };
}

interface Row {
  input: string;
  what: string;
  run: string;
  captureBytes: number;
  result: ChildRun;
  ok: boolean;
  check: string;
  targets: { name: string; met: boolean | undefined }[];
  load: number;
  profile?: { totalMs: number; entries: ProfileEntry[] };
}

function checkRun(r: ChildRun): { ok: boolean; check: string } {
  if (r.timedOut) return { ok: false, check: 'timeout' };
  if (r.signal) return { ok: false, check: r.signal };
  if (r.status !== 0) return { ok: false, check: `exit ${r.status}` };
  // An uncaught exception prints a stack; netrx's own messages start with "netrx".
  if (/^\s+at .+:\d+:\d+\)?$/m.test(r.stderr)) return { ok: false, check: 'stack trace' };
  return { ok: true, check: 'ok' };
}

const fmt = (n: number | undefined, digits = 0): string =>
  n === undefined || !Number.isFinite(n) ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
/** A byte count for people: B, kB, MB, GB (powers of ten). */
const size = (n: number): string => (n < 1e3 ? `${n} B` : n < 1e6 ? `${(n / 1e3).toFixed(1)} kB` : n < 1e9 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e9).toFixed(2)} GB`);
const mark = (met: boolean | undefined): string => (met === undefined ? '?' : met ? 'yes' : 'NO');

function table(rows: Row[]): string {
  const head = ['input', 'run', 'capture MB', 'check', 'cpu s', 'wall s', 'peak RSS MB', 'output', 'targets met', 'last stderr line'];
  const body = rows.map((r) => [
    r.input,
    r.run,
    fmt(r.captureBytes / MB, 1),
    r.check,
    fmt(r.result.cpuSeconds, 2),
    fmt(r.result.wallSeconds, 2),
    fmt(r.result.peakRssBytes === undefined ? undefined : r.result.peakRssBytes / MB),
    size(r.result.stdoutBytes),
    r.targets.map((t) => `${t.name} ${mark(t.met)}`).join(', '),
    lastLine(r.result.stderr).slice(0, 160) || '(none)',
  ]);
  const numeric = new Set([2, 4, 5, 6, 7]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (numeric.has(i) ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join(' | ')} |`;
  const rule = `|${w.map((x, i) => (numeric.has(i) ? `${'-'.repeat(x + 1)}:` : `:${'-'.repeat(x + 1)}`)).join('|')}|`;
  return [line(head), rule, ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const { gens, source } = await loadGenerators();
  const all = inputs(o.scale, o.curve);
  const chosen = o.only ? all.filter((i) => o.only!.some((p) => i.name === p || i.name.startsWith(p))) : all;
  if (!chosen.length) throw new Error(`--only matched nothing; inputs: ${all.map((i) => i.name).join(', ')}`);
  const commit = spawnSync('git', ['describe', '--always', '--dirty'], { encoding: 'utf8' }).stdout?.trim() || 'unknown';
  const workerArgs = o.workers === 'default' ? [] : ['--workers', o.workers];
  const rows: Row[] = [];
  for (const input of chosen) {
    process.stderr.write(`hostile: ${input.name}: ${input.what}… `);
    const cap = ensureCapture(input, gens, source);
    process.stderr.write(`${cap.reused ? 'cached' : `generated in ${cap.generateSeconds.toFixed(1)} s`} (${(cap.bytes / MB).toFixed(1)} MB)\n`);
    for (const run of input.runs) {
      process.stderr.write(`hostile:   ${run.label}… `);
      const load = loadavg()[0]!;
      // --profile: node --cpu-prof, then the top functions by self time (the profile costs a little CPU).
      const profDir = join(BENCH_DIR, 'profiles', `hostile-${input.name}-${run.label.replace(/\s+/g, '-')}`);
      if (o.profile) {
        rmSync(profDir, { recursive: true, force: true });
        mkdirSync(profDir, { recursive: true });
      }
      const nodeArgs = o.profile ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [];
      const result = await runMeasured(process.execPath, [...nodeArgs, o.netrx, ...run.args, '-r', cap.file, '--no-progress', ...workerArgs], { timeoutSeconds: o.timeoutSeconds });
      const profFile = o.profile ? readdirSync(profDir).find((f) => f.endsWith('.cpuprofile')) : undefined;
      const profile = profFile ? topFunctions(join(profDir, profFile), 8) : undefined;
      const { ok, check } = checkRun(result);
      const targets: Row['targets'] = [{ name: 'RSS<400MB', met: result.peakRssBytes === undefined ? undefined : result.peakRssBytes < RSS_TARGET_BYTES }];
      if (run.cpuTarget !== undefined) targets.push({ name: `CPU<${run.cpuTarget}s`, met: result.cpuSeconds === undefined ? undefined : ok && result.cpuSeconds < run.cpuTarget });
      if (run.needBytes !== undefined) targets.push({ name: `out<=${size(run.needBytes).replace(' ', '')}`, met: ok && result.stdoutBytes <= run.needBytes });
      rows.push({ input: input.name, what: input.what, run: run.label, captureBytes: cap.bytes, result, ok, check, targets, load, profile });
      process.stderr.write(`${check}, ${fmt(result.cpuSeconds, 2)} s CPU, ${fmt((result.peakRssBytes ?? NaN) / MB)} MB peak\n`);
    }
  }
  const cpu = cpus();
  const loads = rows.map((r) => r.load);
  process.stdout.write(`\n${table(rows)}\n\n`);
  process.stdout.write(
    `targets (issue 17): every input under 400 MB peak RSS; ${[...chosen].reverse().find((i) => i.make.fn === 'oneConnectionOooSegments')?.name ?? 'the full-size ooo input'} under 2 s CPU; ` +
      `the deflate messages under 10 s CPU with output no larger than the messages need (jsonl: 6 bytes a zero byte, "\\u0000"; text: a short line a message). Printed, not enforced.\n`,
  );
  process.stdout.write(
    `machine: ${cpu.length} cores, ${cpu[0]?.model ?? 'unknown'}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}; ` +
      `load average ${fmt(Math.min(...loads), 1)}–${fmt(Math.max(...loads), 1)} during the runs; netrx --workers ${o.workers}; scale ${o.scale}; commit ${commit}\n`,
  );
  for (const r of rows) {
    if (!r.profile) continue;
    process.stdout.write(`\nprofile ${r.input} / ${r.run} (${r.profile.totalMs.toFixed(0)} ms sampled), top self time:\n`);
    for (const e of r.profile.entries) process.stdout.write(`  ${e.percent.toFixed(1).padStart(5)}%  ${e.fn}  ${e.where}\n`);
  }
  const failed = rows.filter((r) => !r.ok);
  mkdirSync(BENCH_DIR, { recursive: true });
  const results = join(BENCH_DIR, 'hostile-results.json');
  writeFileSync(results, JSON.stringify({ date: new Date().toISOString(), argv: process.argv.slice(2), commit, rows }, null, 2) + '\n');
  process.stderr.write(`hostile: results in ${results}\n`);
  if (failed.length) {
    for (const r of failed) process.stderr.write(`hostile: FAILED ${r.input} / ${r.run}: ${r.check}\n${r.result.stderr.slice(-2000)}\n`);
    process.exitCode = 1;
  }
}

await main();
