/**
 * Where the shared conformance corpus is (`../shared/corpus` beside the repository, as CI has it).
 * Tests never copy it; when it is absent they skip and say so plainly.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The corpus folder, or undefined when it is not there. `NETRX_CORPUS` overrides the path. */
export const corpusDir: string | undefined = (() => {
  const dir = process.env.NETRX_CORPUS ?? resolve(repoRoot, '../shared/corpus');
  return existsSync(join(dir, 'README.md')) ? dir : undefined;
})();

/** Call at the top of a corpus test file: prints a plain notice when the corpus is missing. */
export function noteIfCorpusMissing(what: string): boolean {
  if (corpusDir) return false;
  console.warn(`SKIPPED: ${what}: the shared corpus (../shared/corpus) is not here, so these conformance tests did not run`);
  return true;
}

/** The WebSocket captures with truth files: absolute paths of `captures/*.pcap`. */
export function corpusCaptures(): string[] {
  if (!corpusDir) return [];
  const dir = join(corpusDir, 'captures');
  return readdirSync(dir)
    .filter((f) => /\.(pcap|pcapng)$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

/** One row of `public/MANIFEST.tsv`. */
export interface ManifestRow {
  /** Absolute path of the capture. */
  readonly path: string;
  /** The `file` column, e.g. `zeek_zeek/websocket.pcap`. */
  readonly file: string;
  readonly format: string;
  readonly linkTypes: string;
  /** Packet count as capinfos reports it. */
  readonly packets: number;
  readonly contents: string;
  /** Oracle files named for it (`websocket.tcp.tsv`…), in `public/oracle/`. */
  readonly oracles: string[];
}

/** The public captures' manifest. */
export function publicManifest(): ManifestRow[] {
  if (!corpusDir) return [];
  const lines = readFileSync(join(corpusDir, 'public/MANIFEST.tsv'), 'utf8').split('\n').filter(Boolean);
  const head = lines[0]!.split('\t');
  const col = (name: string): number => head.indexOf(name);
  return lines.slice(1).map((line) => {
    const c = line.split('\t');
    return {
      path: join(corpusDir!, 'public', c[col('file')]!),
      file: c[col('file')]!,
      format: c[col('format')]!,
      linkTypes: c[col('link_type(s)')]!,
      packets: Number(c[col('packets')]),
      contents: c[col('contents')]!,
      oracles: (c[col('oracles')] ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    };
  });
}

/** Reads a JSON-lines file. */
export function readJsonLines<T = Record<string, unknown>>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}
