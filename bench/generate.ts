/**
 * The benchmark's input generator: deterministic synthetic Ethernet/IPv4/TCP pcap captures of
 * WebSocket traffic, many connections interleaved, streamed straight to the file.
 *
 * @example
 * ```sh
 * npx tsc -b bench && node bench/dist/generate.js --packets 1000000 --variant deflate
 * # → .bench/ws-deflate-1000000.pcap and .bench/ws-deflate-1000000.pcap.meta.json
 * node bench/dist/generate.js --packets 200000 --variant tls
 * # → also .bench/ws-tls-200000.pcap.keys, the key log (netrx ws -r … --keylog …)
 * ```
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageContent } from './message-content.js';
import { PcapWriter } from './pcap-writer.js';
import { Prng } from './prng.js';
import { VARIANTS, WsConnection, emptyExpected, type Expected, type Variant } from './ws-connection.js';

/** Bumped whenever the generator's output changes, so stale files are regenerated. */
export const GENERATOR_VERSION = 2;

/** Where generated captures go (git-ignored). */
export const BENCH_DIR = fileURLToPath(new URL('../../.bench/', import.meta.url));

/** What to generate. */
export interface GenerateOptions {
  /** Approximate number of packets (the capture ends each connection cleanly, so a few more). */
  packets: number;
  variant: Variant;
  /** Connections in the capture; default one per 1,000 packets. */
  connections?: number;
  /** Connections open at once, interleaved packet by packet; default min(1,000, connections). */
  concurrency?: number;
  seed?: number;
}

/** A generated capture and what it holds. */
export interface CaptureMeta {
  version: number;
  file: string;
  variant: Variant;
  seed: number;
  packets: number;
  fileBytes: number;
  connections: number;
  concurrency: number;
  expected: Expected;
  /** The `tls` variant's key log (NSS format), beside the capture. */
  keyLog?: string;
  generateMs: number;
}

/** Writes the capture for `o` to `file` and returns what it holds. */
export function generateCapture(o: GenerateOptions, file: string): CaptureMeta {
  const t0 = performance.now();
  const seed = o.seed ?? 7272;
  const connections = Math.max(1, o.connections ?? Math.ceil(o.packets / 1000));
  const concurrency = Math.max(1, Math.min(o.concurrency ?? 1000, connections));
  const budget = Math.max(12, Math.round(o.packets / connections));
  const rng = new Prng(seed);
  const content = new MessageContent(rng);
  const expected = emptyExpected();
  const tmp = `${file}.tmp`;
  const w = new PcapWriter(tmp);
  const live: WsConnection[] = [];
  const keyLines: string[] = [];
  const keyLog = o.variant === 'tls' ? (lines: string) => void keyLines.push(lines) : undefined;
  let started = 0;
  const start = () => new WsConnection(started++, o.variant, budget, rng, content, expected, keyLog);
  while (live.length < concurrency) live.push(start());
  // 2023-11-14T22:13:20Z, then 1–20 µs between packets.
  let ts = 1_700_000_000_000_000;
  while (live.length > 0) {
    const i = Math.floor(rng.next() * live.length);
    if (live[i]!.emitNext(w, ts)) {
      ts += rng.int(1, 20);
      continue;
    }
    // Done: replace it with a new connection, or drop it (swap with the last).
    if (started < connections) live[i] = start();
    else {
      live[i] = live[live.length - 1]!;
      live.pop();
    }
  }
  w.close();
  if (keyLog) writeFileSync(`${file}.keys`, keyLines.join(''));
  renameSync(tmp, file);
  return {
    version: GENERATOR_VERSION,
    file,
    variant: o.variant,
    seed,
    packets: w.records,
    fileBytes: w.bytes,
    connections,
    concurrency,
    expected,
    ...(keyLog ? { keyLog: `${file}.keys` } : {}),
    generateMs: Math.round(performance.now() - t0),
  };
}

/** The capture file path for `o` in `dir`. */
export function capturePath(o: GenerateOptions, dir = BENCH_DIR): string {
  const extra = (o.connections ? `-c${o.connections}` : '') + (o.seed !== undefined && o.seed !== 7272 ? `-s${o.seed}` : '');
  return join(dir, `ws-${o.variant}-${o.packets}${extra}.pcap`);
}

/** Returns the capture for `o`, generating it (and its `.meta.json`) unless an up-to-date one exists. */
export function ensureCapture(o: GenerateOptions, dir = BENCH_DIR): CaptureMeta & { reused: boolean } {
  mkdirSync(dir, { recursive: true });
  const file = capturePath(o, dir);
  const metaFile = `${file}.meta.json`;
  if (existsSync(file) && existsSync(metaFile) && (o.variant !== 'tls' || existsSync(`${file}.keys`))) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as CaptureMeta;
    if (meta.version === GENERATOR_VERSION) return { ...meta, file, reused: true };
  }
  const meta = generateCapture(o, file);
  writeFileSync(metaFile, JSON.stringify(meta, null, 2) + '\n');
  return { ...meta, reused: false };
}

function parseCli(argv: string[]): GenerateOptions & { dir: string } {
  const o: GenerateOptions & { dir: string } = { packets: 1_000_000, variant: 'plain', dir: BENCH_DIR };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[i + 1];
    const num = () => {
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${a} needs a positive integer`);
      i++;
      return n;
    };
    if (a === '--packets') o.packets = num();
    else if (a === '--connections') o.connections = num();
    else if (a === '--concurrency') o.concurrency = num();
    else if (a === '--seed') o.seed = num();
    else if (a === '--variant' && VARIANTS.includes(v as Variant)) (o.variant = v as Variant), i++;
    else if (a === '--out' && v) (o.dir = v), i++;
    else throw new Error(`generate: unknown or bad option ${a} (--packets N --variant ${VARIANTS.join('|')} --connections N --concurrency N --seed N --out DIR)`);
  }
  return o;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const o = parseCli(process.argv.slice(2));
  const meta = ensureCapture(o, o.dir);
  process.stdout.write(JSON.stringify(meta, null, 2) + '\n');
}
