import { NetrxError } from '@netrx/core';

/** Output formats of every command. */
export type OutputFormat = 'text' | 'jsonl';

/** The command line, parsed. */
export interface CliArgs {
  /** `packets`, `tcp`, `http`, `ws`, `devices`. */
  readonly command: string;
  /** `-r FILE`: read a capture file (`-` for standard input). */
  readonly read?: string;
  /** `-i DEVICE`: capture live. */
  readonly interface?: string;
  /** BPF filter words after the options (`port 7272`), joined with spaces. */
  readonly filter?: string;
  readonly format: OutputFormat;
  /** `--decode-as RULE`, repeatable (`tcp.port==7272,websocket`). */
  readonly decodeAs: readonly string[];
  /** `--full`: never shorten payloads in text output. */
  readonly full: boolean;
  /** `-w FILE`: also write the raw packets as pcapng. */
  readonly write?: string;
  /** `--backend cap|tcpdump` for live capture. */
  readonly backend?: string;
  /** `-s SNAPLEN` for live capture. */
  readonly snaplen?: number;
  /** `-c COUNT`: stop after this many packets. */
  readonly count?: number;
  /** `--workers N`: worker threads (default: the machine's cores for a file, 1 for live capture). */
  readonly workers?: number;
  /** `--no-progress`: never draw a progress bar. */
  readonly progress: boolean;
  readonly help: boolean;
}

/** Options that take a value. */
const VALUE_OPTIONS = new Set(['-r', '-i', '--format', '-F', '--decode-as', '-d', '-w', '--backend', '-s', '-c', '--workers']);

/** Parses `netrx <command> [options] [filter…]`. Throws `ERR_INVALID_OPTION` on a bad command line. */
export function parseArgs(argv: readonly string[]): CliArgs {
  const [command = 'help', ...rest] = argv;
  const values = new Map<string, string[]>();
  const flags = new Set<string>();
  const filter: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    let arg = rest[i]!;
    let inline: string | undefined;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    if (eq > 0) {
      inline = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (VALUE_OPTIONS.has(arg)) {
      const v = inline ?? rest[++i];
      if (v === undefined) throw new NetrxError('ERR_INVALID_OPTION', `${arg} needs a value`);
      const list = values.get(arg) ?? [];
      list.push(v);
      values.set(arg, list);
    } else if (arg === '--') {
      filter.push(...rest.slice(i + 1));
      break;
    } else if (arg.startsWith('-') && arg.length > 1) {
      flags.add(arg);
    } else {
      filter.push(arg);
    }
  }
  const one = (...names: string[]): string | undefined => names.flatMap((n) => values.get(n) ?? []).at(-1);
  const format = one('--format', '-F') ?? 'text';
  if (format !== 'text' && format !== 'jsonl') {
    throw new NetrxError('ERR_INVALID_OPTION', `--format must be text or jsonl, not "${format}"`);
  }
  const int = (name: string): number | undefined => {
    const v = one(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new NetrxError('ERR_INVALID_OPTION', `${name} needs a positive whole number, not "${v}"`);
    return n;
  };
  for (const f of flags) {
    if (!['--full', '--no-progress', '-h', '--help'].includes(f)) {
      throw new NetrxError('ERR_INVALID_OPTION', `unknown option ${f} (see netrx --help)`);
    }
  }
  return {
    command,
    read: one('-r'),
    interface: one('-i'),
    filter: filter.length ? filter.join(' ') : undefined,
    format,
    decodeAs: [...(values.get('--decode-as') ?? []), ...(values.get('-d') ?? [])],
    full: flags.has('--full'),
    write: one('-w'),
    backend: one('--backend'),
    snaplen: int('-s'),
    count: int('-c'),
    workers: int('--workers'),
    progress: !flags.has('--no-progress'),
    help: flags.has('-h') || flags.has('--help') || command === 'help' || command === '--help' || command === '-h',
  };
}
