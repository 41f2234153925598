// Never invent a message (issue 11): runs the built `netrx ws` over the midstream fixtures
// (src/__tests__/fixtures/midstream: recorded with real peers, each with a truth file) and over
// noise captures generated here, with and without --decode-as on the server ports, and counts per
// fixture: messages owed (whole in the capture), shown (decoded: neither undecodable nor partial),
// matched (equal to what a peer sent, in order), invented (shown but never sent), missing (owed,
// not shown), undecodable or partial ones, and whether netrx got the client and server right.
//
// Build first: npx tsc -b packages/cli
// Run: node packages/dissector-websocket/bench/invented-messages.mjs [--noise-mib N] [--only REGEX] [--json]
//   --noise-mib N  MiB of noise per direction and connection (default 8; 25 makes 100 MiB of random
//                  bytes in noise-random and 25 MiB in each masked one)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeNoiseFixtures } from '../src/__tests__/fixtures/midstream/noise.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const fixturesDir = join(here, '../src/__tests__/fixtures/midstream');
const netrx = join(root, 'packages/cli/bin/netrx.js');
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const noiseMib = Number(opt('--noise-mib', '8'));
const only = new RegExp(opt('--only', '.'));

if (!existsSync(join(root, 'packages/cli/dist/index.js')) && !existsSync(join(root, 'packages/cli/dist'))) {
  console.error('invented-messages: build first (npx tsc -b packages/cli)');
  process.exit(2);
}

const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const readJsonl = (path) => readFileSync(path, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

/** The key a message is compared by: type and payload (close: code and reason). */
function truthKey(t) {
  if (t.type === 'close') return `close|${t.close_code ?? ''}|${t.close_reason ?? ''}`;
  return `${t.type}|${t.payload_sha256}`;
}
function shownKey(m) {
  if (m.type === 'close') return `close|${m.code ?? ''}|${m.reason ?? ''}`;
  if (m.type === 'text') return `text|${sha256(Buffer.from(m.text ?? '', 'utf8'))}`;
  return `${m.type}|${sha256(Buffer.from(m.hex ?? '', 'hex'))}`;
}

/** Longest common subsequence: which indices of `b` (shown) match `a` (truth), in order. */
function lcsPairs(a, b) {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return [];
  const dp = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) dp[i][j] = a[i] === b[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
  const pairs = [];
  for (let i = 0, j = 0; i < n && j < m; ) {
    if (a[i] === b[j]) pairs.push([i++, j++]);
    else if (dp[i + 1][j] >= dp[i][j + 1]) i++;
    else j++;
  }
  return pairs;
}

const TYPES = new Set(['text', 'binary', 'ping', 'pong', 'close']);

function score(truth, shownLines) {
  const messages = truth.filter((l) => l.level === 'app');
  const conns = new Map();
  for (const t of messages) {
    const [client, server] = t.conn.split('>');
    const key = [client, server].sort().join(' ');
    if (!conns.has(key)) conns.set(key, { client, server, c2s: [], s2c: [] });
    conns.get(key)[t.dir].push(t);
  }
  const res = { owed: messages.filter((t) => t.captured === 'whole').length, shown: 0, matched: 0, invented: 0, missing: 0, undecodable: 0, partial: 0, records: 0, swapped: 0, rightRoles: 0 };
  const shownBy = new Map();
  for (const m of shownLines) {
    if (!TYPES.has(m.type)) {
      res.records++;
      continue;
    }
    if (m.undecodable) {
      res.undecodable++;
      continue;
    }
    if (m.partial) {
      res.partial++;
      continue;
    }
    res.shown++;
    const key = [m.client, m.server].sort().join(' ');
    const c = conns.get(key);
    let dir = m.dir;
    if (c && m.client === c.server) {
      dir = dir === 'c2s' ? 's2c' : 'c2s';
      res.swapped++;
    } else if (c) res.rightRoles++;
    const k = `${key}/${dir}`;
    if (!shownBy.has(k)) shownBy.set(k, []);
    shownBy.get(k).push(shownKey(m));
  }
  let matchedOwed = 0;
  for (const [key, c] of conns) {
    for (const dir of ['c2s', 's2c']) {
      const shown = shownBy.get(`${key}/${dir}`) ?? [];
      const pairs = lcsPairs(c[dir].map(truthKey), shown);
      res.matched += pairs.length;
      matchedOwed += pairs.filter(([i]) => c[dir][i].captured === 'whole').length;
    }
  }
  res.invented = res.shown - res.matched;
  res.missing = res.owed - matchedOwed;
  return res;
}

function runNetrx(file, decodeAs) {
  const argv = [netrx, 'ws', '-r', file, '--format', 'jsonl', '--no-progress'];
  for (const port of decodeAs) argv.push('--decode-as', `tcp.port==${port},websocket`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, argv, { encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = performance.now() - t0;
  if (r.status !== 0 && r.status !== 1) throw new Error(`netrx failed on ${file}: ${r.stderr}`);
  const lines = r.stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  return { lines, ms };
}

const cases = [];
for (const f of readdirSync(fixturesDir).sort()) {
  if (!f.endsWith('.pcap.gz')) continue;
  cases.push({ name: f.replace(/\.pcap\.gz$/, ''), file: join(fixturesDir, f), truth: join(fixturesDir, f.replace(/\.pcap\.gz$/, '.truth.jsonl')) });
}
const noiseDir = mkdtempSync(join(tmpdir(), 'netrx-noise-'));
try {
  if (only.test('noise-random') || only.test('noise-masked') || only.test('noise-masked-zeros')) {
    for (const file of writeNoiseFixtures(noiseDir, { mib: noiseMib })) {
      const name = file.replace(/^.*\//, '').replace(/\.pcap$/, '');
      cases.push({ name: `${name} (${noiseMib} MiB)`, file, truth: file.replace(/\.pcap$/, '.truth.jsonl') });
    }
  }
  const rows = [];
  for (const c of cases) {
    if (!only.test(c.name)) continue;
    const truth = readJsonl(c.truth);
    const meta = truth.find((l) => l.level === 'meta');
    const ports = meta.server_ports ?? [Number(meta.server.split(':').pop())];
    for (const mode of ['heuristic', 'decode-as']) {
      const { lines, ms } = runNetrx(c.file, mode === 'decode-as' ? ports : []);
      rows.push({ fixture: c.name, mode, ...score(truth, lines), ms: Math.round(ms) });
    }
  }
  if (args.includes('--json')) {
    console.log(JSON.stringify(rows, null, 1));
  } else {
    const cols = ['fixture', 'mode', 'owed', 'shown', 'matched', 'invented', 'missing', 'undecodable', 'partial', 'records', 'swapped', 'ms'];
    const width = cols.map((k) => Math.max(k.length, ...rows.map((r) => String(r[k]).length)));
    const line = (vals) => `| ${vals.map((v, i) => String(v).padEnd(width[i])).join(' | ')} |`;
    console.log(line(cols));
    console.log(`|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`);
    for (const r of rows) console.log(line(cols.map((k) => r[k])));
    const total = (k, mode) => rows.filter((r) => r.mode === mode).reduce((a, r) => a + r[k], 0);
    for (const mode of ['heuristic', 'decode-as']) console.log(`${mode}: invented ${total('invented', mode)}, missing ${total('missing', mode)} of ${total('owed', mode)} owed`);
    console.log('owed: messages whose every frame byte is in the capture; shown: decoded (not undecodable, not partial); swapped: shown with client and server the wrong way round; records: other output lines (diagnostics)');
  }
} finally {
  rmSync(noiseDir, { recursive: true, force: true });
}
