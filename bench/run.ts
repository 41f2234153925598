/**
 * `npm run bench`: generates the captures it needs (deterministic, cached in `.bench/`), runs each
 * stage in its own child process, prints a table and writes `.bench/results.json`.
 *
 * @example
 * ```sh
 * npm run bench                                   # 1M packets, every variant and stage
 * npm run bench -- --packets 100000 --variant plain --stage ws,cli
 * npm run bench -- --variant plain,tls --stage cli --packets 200000   # wss:// against cleartext
 * npm run bench -- --flat                         # also `netrx ws` on a 10x capture (memory)
 * npm run bench -- --stage cli --workers 1,2,4     # `netrx ws --workers N`: a row per N (cli-wN)
 * npm run bench -- --profile --stage ws           # + top functions per stage (node --cpu-prof)
 * npm run bench -- --stage cli --runs 5 --against ../base   # another build's netrx, run alternately (cli@base)
 * ```
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { topFunctions, type ProfileEntry } from './cpu-profile.js';
import { BENCH_DIR, ensureCapture, type CaptureMeta } from './generate.js';
import { LIBRARY_STAGES, type StageResult } from './stage.js';
import { VARIANTS, type Variant } from './ws-connection.js';

const STAGES = [...LIBRARY_STAGES, 'cli', 'floor', 'tshark'] as const;
type Stage = (typeof STAGES)[number];

const STAGE_JS = fileURLToPath(new URL('./stage.js', import.meta.url));
const FLOOR_JS = fileURLToPath(new URL('./fused-floor.js', import.meta.url));
const NETRX_BIN = fileURLToPath(new URL('../../packages/cli/bin/netrx.js', import.meta.url));
const TIME = '/usr/bin/time';

interface Options {
  packets: number;
  variants: Variant[];
  stages: Stage[];
  flat: boolean;
  profile: boolean;
  verify: boolean;
  /** Runs per stage; the fastest is kept (the machine may be shared). */
  runs: number;
  /** `netrx --workers` counts of the `cli` stage: `cli` (1) and a `cli-wN` row for each other. */
  workers: number[];
  /**
   * Another build's checkout (its `packages/cli/bin/netrx.js`): each `cli` run is followed by one
   * of that build, so both see the same moments of a shared machine; its rows are `cli@base`.
   */
  against?: string;
}

/** One row of the table. */
interface Row {
  variant: Variant;
  stage: string;
  file: string;
  packets: number;
  fileBytes: number;
  seconds: number;
  packetsPerSec: number;
  mbPerSec: number;
  messages?: number;
  messagesPerSec?: number;
  peakRssMb?: number;
  /** User and system CPU time of the command (all its threads), seconds. */
  cpuSeconds?: number;
  /** Stage alone: this stage's time minus the previous pipeline stage's, per packet. */
  aloneNsPerPacket?: number;
  /** For `cli` and `floor`: how many times faster than tshark on the same file. */
  vsTshark?: number;
  check: string;
  profile?: { totalMs: number; entries: ProfileEntry[] };
  /** 1-minute load average when the stage started (the machine may be shared). */
  load: number;
  error?: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { packets: 1_000_000, variants: [...VARIANTS], stages: [...STAGES], flat: false, profile: false, verify: true, runs: 1, workers: [1] };
  const list = <T extends string>(v: string | undefined, all: readonly T[], what: string): T[] => {
    const items = (v ?? '').split(',').filter(Boolean);
    for (const x of items) if (!all.includes(x as T)) throw new Error(`unknown ${what} "${x}" (one of ${all.join(', ')})`);
    if (!items.length) throw new Error(`--${what} needs a value`);
    return items as T[];
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--packets') {
      o.packets = Number(argv[++i]);
      if (!Number.isInteger(o.packets) || o.packets < 100) throw new Error('--packets needs an integer ≥ 100');
    } else if (a === '--variant') o.variants = list(argv[++i], VARIANTS, 'variant');
    else if (a === '--stage') o.stages = list(argv[++i], STAGES, 'stage');
    else if (a === '--flat') o.flat = true;
    else if (a === '--profile') o.profile = true;
    else if (a === '--no-verify') o.verify = false;
    else if (a === '--workers') {
      o.workers = (argv[++i] ?? '').split(',').map(Number);
      if (!o.workers.length || o.workers.some((w) => !Number.isInteger(w) || w < 1)) throw new Error('--workers needs whole numbers from 1, comma-separated');
    } else if (a === '--runs') {
      o.runs = Number(argv[++i]);
      if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs needs a positive integer');
    } else if (a === '--against') {
      const bin = join(argv[++i] ?? '', 'packages/cli/bin/netrx.js');
      if (!existsSync(bin)) throw new Error(`--against needs a built checkout: ${bin} is not there (npx tsc -b packages/cli in it)`);
      o.against = bin;
    }
    else throw new Error(`unknown option ${a}\nusage: npm run bench -- [--packets N] [--variant ${VARIANTS.join(',')}] [--stage ${STAGES.join(',')}] [--flat] [--profile] [--no-verify] [--runs N] [--workers 1,2,4] [--against CHECKOUT]`);
  }
  return o;
}

/** Runs a command with stdout to /dev/null under `/usr/bin/time`, for wall time, peak RSS and CPU time. */
function timed(cmd: string, args: string[], env?: NodeJS.ProcessEnv): { seconds: number; rssKb?: number; cpuSeconds?: number; status: number | null; stderr: string } {
  const useTime = existsSync(TIME);
  const rssFile = join(BENCH_DIR, `.time-${process.pid}`);
  const argv = useTime ? ['-f', '%U %S %M', '-o', rssFile, cmd, ...args] : args;
  const t0 = performance.now();
  const r = spawnSync(useTime ? TIME : cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], env: env ?? process.env, maxBuffer: 64 << 20 });
  const seconds = (performance.now() - t0) / 1000;
  let rssKb: number | undefined;
  let cpuSeconds: number | undefined;
  if (useTime && existsSync(rssFile)) {
    const [user, sys, rss] = (readFileSync(rssFile, 'utf8').trim().split('\n').pop() ?? '').split(' ').map(Number);
    rssKb = rss;
    cpuSeconds = user! + sys!;
    rmSync(rssFile);
  }
  return { seconds, rssKb, cpuSeconds, status: r.status, stderr: r.stderr?.toString() ?? '' };
}

/** Counts the lines a command writes and hashes them (the verification run, apart from the timed one). */
function countLines(cmd: string, args: string[]): Promise<{ lines: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let lines = 0;
    const hash = createHash('sha256');
    child.stdout.on('data', (b: Buffer) => {
      hash.update(b);
      for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) lines++;
    });
    child.on('error', reject);
    child.on('close', () => resolve({ lines, sha256: hash.digest('hex') }));
  });
}

/** The sha256 of `netrx ws` output with one worker, per capture: what the `cli-wN` rows must write. */
const oneWorkerOutput = new Map<string, string>();

function hasTshark(): string | undefined {
  const r = spawnSync('tshark', ['-v'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0]?.replace(/\.$/, '') : undefined;
}

function profileDir(variant: string, stage: string): string {
  return join(BENCH_DIR, 'profiles', `${variant}-${stage}`);
}

function nodeArgs(o: Options, variant: string, stage: string): string[] {
  if (!o.profile) return [];
  const dir = profileDir(variant, stage);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', '--cpu-prof-dir', dir];
}

function readProfile(o: Options, variant: string, stage: string): Row['profile'] {
  if (!o.profile) return undefined;
  const dir = profileDir(variant, stage);
  const f = readdirSync(dir).find((n) => n.endsWith('.cpuprofile'));
  return f ? topFunctions(join(dir, f)) : undefined;
}

function rowBase(meta: CaptureMeta, stage: string, seconds: number): Row {
  return {
    variant: meta.variant,
    stage,
    file: meta.file,
    packets: meta.packets,
    fileBytes: meta.fileBytes,
    seconds,
    packetsPerSec: meta.packets / seconds,
    mbPerSec: meta.fileBytes / 1e6 / seconds,
    check: '',
    load: loadavg()[0]!,
  };
}

async function libraryStage(o: Options, meta: CaptureMeta, stage: (typeof LIBRARY_STAGES)[number]): Promise<Row> {
  const r = spawnSync(process.execPath, [...nodeArgs(o, meta.variant, stage), STAGE_JS, stage, meta.file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  let res: StageResult;
  try {
    res = JSON.parse(last) as StageResult;
  } catch {
    return { ...rowBase(meta, stage, NaN), check: 'failed', error: (r.stderr || last).slice(0, 2000) };
  }
  if (res.error) return { ...rowBase(meta, stage, NaN), check: 'failed', error: res.error };
  const row = rowBase(meta, stage, res.ms / 1000);
  row.peakRssMb = res.maxRssKb / 1024;
  const e = meta.expected;
  if (stage === 'raw' || stage === 'read' || stage === 'dissect') row.check = res.packets === meta.packets ? 'ok' : `packets ${res.packets}/${meta.packets}`;
  else if (stage === 'tcp') {
    const want = e.c2sBytes + e.s2cBytes;
    row.check = res.bytes === want ? 'ok' : `bytes ${res.bytes}/${want}`;
  } else {
    row.messages = res.messages;
    row.messagesPerSec = res.messages / row.seconds;
    const bad = (['text', 'binary', 'ping', 'pong', 'close'] as const).filter((k) => (res.byType[k] ?? 0) !== e[k]);
    row.check =
      res.messages === e.messages && res.bytes === e.payloadBytes && !bad.length
        ? 'ok'
        : `messages ${res.messages}/${e.messages}, bytes ${res.bytes}/${e.payloadBytes}${bad.length ? `, wrong: ${bad.join(' ')}` : ''}${res.byType.undecodable ? `, undecodable ${res.byType.undecodable}` : ''}`;
  }
  row.profile = readProfile(o, meta.variant, stage);
  return row;
}

async function cliStage(o: Options, meta: CaptureMeta, again = false, workers = 1, bin = NETRX_BIN): Promise<Row> {
  const base = bin === NETRX_BIN ? '' : '@base';
  const stage = (workers === 1 ? 'cli' : `cli-w${workers}`) + base;
  const args = [bin, 'ws', '-r', meta.file, '--format', 'jsonl', '--no-progress', '--workers', String(workers), ...(meta.keyLog ? ['--keylog', meta.keyLog] : [])];
  const row = linesStage(o, meta, stage, args);
  if (row.check === 'failed') return row;
  if (o.verify && !again) {
    const { lines, sha256 } = await countLines(process.execPath, args);
    row.check = lines === meta.expected.messages ? 'ok' : `lines ${lines}/${meta.expected.messages}`;
    // With workers, or from the other build, the output must be this build's one thread's, byte for byte.
    if (workers === 1 && !base) oneWorkerOutput.set(meta.file, sha256);
    else if (row.check === 'ok' && oneWorkerOutput.has(meta.file)) {
      const same = oneWorkerOutput.get(meta.file) === sha256;
      row.check = base ? (same ? 'ok, = this build' : 'differs from this build') : same ? 'ok, = 1 worker' : 'differs from 1 worker';
    }
  } else row.check = 'not verified';
  return row;
}

/** Runs a Node script that writes one line per message (stdout to /dev/null), timed, and makes its row. */
function linesStage(o: Options, meta: CaptureMeta, stage: string, args: string[]): Row {
  const t = timed(process.execPath, [...nodeArgs(o, meta.variant, stage), ...args]);
  const row = rowBase(meta, stage, t.seconds);
  row.peakRssMb = t.rssKb !== undefined ? t.rssKb / 1024 : undefined;
  row.cpuSeconds = t.cpuSeconds;
  row.messages = meta.expected.messages;
  row.messagesPerSec = meta.expected.messages / t.seconds;
  row.profile = readProfile(o, meta.variant, stage);
  if (t.status !== 0) return { ...row, check: 'failed', error: t.stderr.slice(0, 2000) };
  return row;
}

/**
 * The fused loop of `fused-floor.ts` on a plain capture: what one function with no objects per
 * packet takes for the same lines. Its output must be the `cli` stage's, byte for byte.
 */
async function floorStage(o: Options, meta: CaptureMeta, again: boolean): Promise<Row> {
  const row = linesStage(o, meta, 'floor', [FLOOR_JS, meta.file]);
  if (row.check === 'failed') return row;
  if (o.verify && !again) {
    const { lines, sha256 } = await countLines(process.execPath, [FLOOR_JS, meta.file]);
    const cli = oneWorkerOutput.get(meta.file);
    row.check = lines !== meta.expected.messages ? `lines ${lines}/${meta.expected.messages}` : cli === undefined ? 'ok' : cli === sha256 ? 'ok, = cli' : 'differs from cli';
  } else row.check = 'not verified';
  return row;
}

function tsharkStage(meta: CaptureMeta): Row {
  // As the issue states it: WebSocket payloads as fields; `-d` so the handshake on 7272 is HTTP
  // (on 443 tshark finds TLS itself, and reads the key log).
  const decode = meta.keyLog ? ['-o', `tls.keylog_file:${meta.keyLog}`] : ['-d', 'tcp.port==7272,http'];
  const args = ['-r', meta.file, ...decode, '-Y', 'websocket', '-T', 'fields',
    '-e', 'frame.time_epoch', '-e', 'tcp.stream', '-e', 'websocket.opcode', '-e', 'websocket.payload.text', '-e', 'websocket.payload'];
  const t = timed('tshark', args);
  const row = rowBase(meta, 'tshark', t.seconds);
  row.peakRssMb = t.rssKb !== undefined ? t.rssKb / 1024 : undefined;
  row.check = t.status === 0 ? 'ran' : 'failed';
  if (t.status !== 0) row.error = t.stderr.slice(0, 2000);
  return row;
}

const fmt = (n: number | undefined, digits = 0): string =>
  n === undefined || !Number.isFinite(n) ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const si = (n: number | undefined): string =>
  n === undefined || !Number.isFinite(n) ? '-' : n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}k` : n.toFixed(0);

/** The results as a Markdown table (also readable on a terminal). */
function table(rows: Row[]): string {
  const head = ['variant', 'stage', 'packets', 'time s', 'cpu s', 'packets/s', 'MB/s', 'messages/s', 'peak RSS MB', 'alone ns/pkt', 'vs tshark', 'check'];
  const body = rows.map((r) => [
    r.variant, r.stage, fmt(r.packets), fmt(r.seconds, 2), fmt(r.cpuSeconds, 2), si(r.packetsPerSec), fmt(r.mbPerSec), si(r.messagesPerSec),
    fmt(r.peakRssMb), fmt(r.aloneNsPerPacket), r.vsTshark ? `${r.vsTshark.toFixed(1)}x` : '-', r.check,
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i < 2 || i === cells.length - 1 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join(' | ')} |`;
  return [line(head), `|${w.map((n, i) => (i < 2 || i === w.length - 1 ? `:${'-'.repeat(n + 1)}` : `${'-'.repeat(n + 1)}:`)).join('|')}|`, ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  // What was built and measured: the commit at the start (the tree may also hold uncommitted work).
  const commit = spawnSync('git', ['describe', '--always', '--dirty'], { encoding: 'utf8' }).stdout?.trim() || 'unknown';
  const tshark = o.stages.includes('tshark') ? hasTshark() : undefined;
  if (o.stages.includes('tshark') && !tshark) process.stderr.write('bench: tshark not installed, skipping its runs (apt-get install tshark)\n');
  const rows: Row[] = [];
  const captures: CaptureMeta[] = [];
  const jobs: { variant: Variant; packets: number; stages: Stage[] }[] = o.variants.map((variant) => ({ variant, packets: o.packets, stages: o.stages }));
  if (o.flat) jobs.push({ variant: 'plain', packets: o.packets * 10, stages: ['cli'] });
  for (const job of jobs) {
    process.stderr.write(`bench: capture ${job.variant} ${job.packets.toLocaleString('en-US')} packets… `);
    const meta = ensureCapture({ variant: job.variant, packets: job.packets });
    captures.push(meta);
    process.stderr.write(`${meta.reused ? 'cached' : `generated in ${(meta.generateMs / 1000).toFixed(1)} s`} (${(meta.fileBytes / 1e6).toFixed(0)} MB, ${meta.expected.messages.toLocaleString('en-US')} messages)\n`);
    let prev: Row | undefined;
    let cli: Row | undefined;
    let floor: Row | undefined;
    // The `cli` stage once per worker count: `cli` (one thread), then `cli-wN`.
    const stages = job.stages.flatMap((st): { stage: Stage; workers: number }[] => (st === 'cli' ? o.workers.map((w) => ({ stage: st, workers: w })) : [{ stage: st, workers: 1 }]));
    for (const { stage, workers } of stages) {
      if (stage === 'tshark' && !tshark) continue;
      // The fused loop handles the plain capture only.
      if (stage === 'floor' && job.variant !== 'plain') continue;
      process.stderr.write(`bench:   ${stage}${workers > 1 ? ` --workers ${workers}` : ''}… `);
      let row: Row | undefined;
      let load = 0;
      let firstCheck = '';
      let baseRow: Row | undefined;
      for (let run = 0; run < o.runs; run++) {
        const l = loadavg()[0]!;
        const r =
          stage === 'cli' ? await cliStage(o, meta, run > 0, workers)
          : stage === 'floor' ? await floorStage(o, meta, run > 0)
          : stage === 'tshark' ? tsharkStage(meta)
          : await libraryStage(o, meta, stage);
        if (run === 0) firstCheck = r.check;
        if (!row || !(r.seconds >= row.seconds)) (row = r), (load = l);
        if (stage === 'cli' && o.against !== undefined) {
          const b = await cliStage(o, meta, run > 0, workers, o.against);
          if (!baseRow || !(b.seconds >= baseRow.seconds)) baseRow = { ...b, check: baseRow?.check ?? b.check, load: loadavg()[0]! };
        }
      }
      if (!row) continue;
      // The command's output is counted once, in the first run.
      if ((stage === 'cli' || stage === 'floor') && row.check === 'not verified') row.check = firstCheck;
      if ((LIBRARY_STAGES as readonly string[]).includes(stage)) {
        const order = LIBRARY_STAGES as readonly string[];
        if (prev && order.indexOf(prev.stage) === order.indexOf(stage) - 1 && Number.isFinite(row.seconds)) row.aloneNsPerPacket = ((row.seconds - prev.seconds) * 1e9) / meta.packets;
        if (stage !== 'raw') prev = row;
      }
      row.load = load;
      if (stage === 'cli' && workers === 1) {
        cli = row;
        // Alone: what the command adds to the `ws` stage (JSON lines, writing, process start).
        if (prev?.stage === 'ws' && Number.isFinite(row.seconds)) row.aloneNsPerPacket = ((row.seconds - prev.seconds) * 1e9) / meta.packets;
      }
      if (stage === 'floor') floor = row;
      if (stage === 'tshark') for (const r of [cli, floor]) if (r && Number.isFinite(r.seconds)) r.vsTshark = row.seconds / r.seconds;
      process.stderr.write(`${row.seconds.toFixed(2)} s ${row.check}${row.error ? `\n${row.error}` : ''}\n`);
      rows.push(row);
      if (baseRow) {
        process.stderr.write(`bench:   ${baseRow.stage}… ${baseRow.seconds.toFixed(2)} s ${baseRow.check}${baseRow.error ? `\n${baseRow.error}` : ''}\n`);
        rows.push(baseRow);
      }
    }
  }
  const cpu = cpus();
  const machine = {
    nproc: cpu.length,
    cpu: cpu[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    commit,
    tshark: tshark ?? (o.stages.includes('tshark') ? 'tshark not installed' : 'tshark not run'),
  };
  const out = table(rows);
  process.stdout.write(`\n${out}\n\nmachine: ${machine.nproc} cores, ${machine.cpu}, ${machine.memoryGb} GB, Node ${machine.node}; ${machine.tshark}; load average ${fmt(Math.min(...rows.map((r) => r.load)), 1)}–${fmt(Math.max(...rows.map((r) => r.load)), 1)} during the run; commit ${machine.commit}\n`);
  if (o.profile) {
    for (const r of rows) {
      if (!r.profile) continue;
      process.stdout.write(`\nprofile ${r.variant}/${r.stage} (${r.profile.totalMs.toFixed(0)} ms sampled), top self time:\n`);
      for (const e of r.profile.entries) process.stdout.write(`  ${e.percent.toFixed(1).padStart(5)}%  ${e.fn}  ${e.where}\n`);
    }
  }
  mkdirSync(BENCH_DIR, { recursive: true });
  const results = join(BENCH_DIR, 'results.json');
  writeFileSync(results, JSON.stringify({ date: new Date().toISOString(), argv: process.argv.slice(2), machine, captures, rows }, null, 2) + '\n');
  process.stderr.write(`bench: results in ${results}\n`);
}

await main();
