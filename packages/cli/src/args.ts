import { NetrxError } from '@netrx/core';
import { checkViewArgs, parseViewArgs, VIEW_FLAGS, VIEW_VALUE_OPTIONS, type ViewArgs } from './view-args.js';
import { parseReportArgs, REPORT_FLAGS, REPORT_VALUE_OPTIONS, type ReportArgs } from './report-args.js';

/** Output formats of every command. */
export type OutputFormat = 'text' | 'jsonl';

/** The command line, parsed. */
export interface CliArgs extends ViewArgs, ReportArgs {
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
  /** `--keylog FILE`, repeatable: TLS key log files (see keylog.ts for the `SSLKEYLOGFILE` fallback). */
  readonly keylog: readonly string[];
  /** `--full`: never shorten payloads in text output. */
  readonly full: boolean;
  /** `-w FILE`: also write the raw packets as pcapng. */
  readonly write?: string;
  /** `--backend cap|tcpdump` for live capture. */
  readonly backend?: string;
  /** `-s SNAPLEN` for live capture. */
  readonly snaplen?: number;
  /** `-c COUNT`: stop after this many packets (counted after the capture filter). */
  readonly count?: number;
  /** `--workers N`: worker threads (default: the machine's cores for a file, 1 for live capture). */
  readonly workers?: number;
  /** `--no-progress`: never draw a progress bar. */
  readonly progress: boolean;
  /** `--sink URL`: also write each record to Redis Streams (`redis://[user:pass@]HOST:PORT/KEY[?…]`). */
  readonly sink?: string;
  /** `--sink-source NAME`: the `source` field of every record written to the sink (default: the host name). */
  readonly sinkSource?: string;
  /** `-q`/`--quiet`: nothing on standard output (with `--sink`, the records go only to Redis). */
  readonly quiet: boolean;
  // `netrx ui`'s own options.
  /** `--port N`: the inspector's port (0, the default, picks a free one). */
  readonly port?: number;
  /** `--host H`: the inspector's address (default `127.0.0.1`). */
  readonly host?: string;
  /** `--open`: launch a browser on the inspector's page. */
  readonly open: boolean;
  /** `--max-messages N`: how many messages the inspector keeps before evicting the oldest. */
  readonly maxMessages?: number;
  readonly help: boolean;
}

/** Options that take a value (the help must name each: a test checks). */
export const VALUE_OPTIONS: ReadonlySet<string> = new Set(['-r', '-i', '--format', '-F', '--decode-as', '-d', '-w', '--backend', '-s', '-c', '--sink', '--sink-source', '--keylog', '--workers', ...VIEW_VALUE_OPTIONS, ...REPORT_VALUE_OPTIONS]);
// `netrx ui`'s (`--max-messages` is a view option too).
for (const o of ['--port', '--host', '--max-messages']) (VALUE_OPTIONS as Set<string>).add(o);

/** Options without a value (the help must name each: a test checks). */
export const FLAGS: readonly string[] = ['--full', '--no-progress', '-q', '--quiet', '-h', '--help', '--open', ...VIEW_FLAGS, ...REPORT_FLAGS];

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
    if (!FLAGS.includes(f)) {
      throw new NetrxError('ERR_INVALID_OPTION', `unknown option ${f} (see netrx --help)`);
    }
  }
  const args: CliArgs = {
    command,
    read: one('-r'),
    interface: one('-i'),
    filter: filter.length ? filter.join(' ') : undefined,
    format,
    decodeAs: [...(values.get('--decode-as') ?? []), ...(values.get('-d') ?? [])],
    keylog: values.get('--keylog') ?? [],
    full: flags.has('--full'),
    write: one('-w'),
    backend: one('--backend'),
    snaplen: int('-s'),
    count: int('-c'),
    workers: int('--workers'),
    progress: !flags.has('--no-progress'),
    sink: one('--sink'),
    sinkSource: one('--sink-source'),
    quiet: flags.has('-q') || flags.has('--quiet'),
    port: port(one('--port')),
    host: one('--host'),
    open: flags.has('--open'),
    maxMessages: int('--max-messages'),
    help: flags.has('-h') || flags.has('--help') || command === 'help' || command === '--help' || command === '-h',
    ...parseViewArgs(command, values, flags),
    ...parseReportArgs(values, flags, format),
  };
  checkViewArgs(args);
  return args;
}

/** `--port N`: a whole number from 0 (any free port) to 65535. */
function port(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) throw new NetrxError('ERR_INVALID_OPTION', `--port needs a port number from 0 to 65535, not "${v}"`);
  return n;
}
