import { NetrxError } from '@netrx/core';

/** `-t`: how text output writes times, as tshark's `-t` ({@link ViewArgs.time}). */
export type TimeFormat = 'a' | 'ad' | 'u' | 'ud' | 'r' | 'd' | 'e';

/** How text output shows binary payloads. */
export type BinaryView = 'hex' | 'hexdump' | 'base64';

/** `--color`: colour text output always, never, or when stdout is a terminal and `NO_COLOR` is unset. */
export type ColorMode = 'auto' | 'always' | 'never';

/** `-z follow,PROTO,N`: one connection's whole conversation. */
export interface FollowRequest {
  /** `ws` (the messages) or `tcp` (the reassembled bytes). */
  readonly protocol: 'ws' | 'tcp';
  /** The connection (`#N`). */
  readonly stream: number;
}

/** What is shown and how: the options of the display side of every command. */
export interface ViewArgs {
  /** `-Y EXPR`: display filter over the fields of the command's JSON records. */
  readonly displayFilter?: string;
  /** `--plugin FILE`, repeatable: plugin modules to register besides the defaults. */
  readonly plugins: readonly string[];
  /** `-t a|ad|u|ud|r|d|e`; local time of day (`a`) by default. */
  readonly time: TimeFormat;
  /** `--stream N`: only connection N. */
  readonly stream?: number;
  /** `-z follow,ws,N` / `-z follow,tcp,N`. */
  readonly follow?: FollowRequest;
  /** `--pretty`: JSON payloads pretty-printed under their line. */
  readonly pretty: boolean;
  /** `--hexdump` or `--base64`: binary payloads in text output; hex by default. */
  readonly binary: BinaryView;
  /** `--max-messages N`: stop after N messages (ws) or HTTP messages (http) shown; for `netrx ui`, the messages its page keeps. */
  readonly maxMessages?: number;
  /** `--color auto|always|never`. */
  readonly color: ColorMode;
  /** `--version`. */
  readonly version: boolean;
}

/** Options of {@link ViewArgs} that take a value. */
export const VIEW_VALUE_OPTIONS: readonly string[] = ['-Y', '--display-filter', '--plugin', '-t', '--stream', '-z', '--max-messages', '--color', '--colour'];

/** Options of {@link ViewArgs} without a value. */
export const VIEW_FLAGS: readonly string[] = ['--pretty', '--hexdump', '--base64', '--version', '-V'];

const TIME_FORMATS: readonly TimeFormat[] = ['a', 'ad', 'u', 'ud', 'r', 'd', 'e'];

/** Reads the {@link ViewArgs} out of the parsed options; throws `ERR_INVALID_OPTION` for a bad value. */
export function parseViewArgs(command: string, values: ReadonlyMap<string, readonly string[]>, flags: ReadonlySet<string>): ViewArgs {
  const one = (...names: string[]): string | undefined => names.flatMap((n) => values.get(n) ?? []).at(-1);
  const bad = (message: string): never => {
    throw new NetrxError('ERR_INVALID_OPTION', message);
  };
  const whole = (name: string, v: string | undefined, min: number): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min) bad(`${name} needs a whole number from ${min}, not "${v}"`);
    return n;
  };
  const time = one('-t') ?? 'a';
  if (!TIME_FORMATS.includes(time as TimeFormat)) bad(`-t must be one of ${TIME_FORMATS.join(', ')} (as tshark's -t), not "${time}"`);
  const color = one('--color', '--colour') ?? 'auto';
  if (color !== 'auto' && color !== 'always' && color !== 'never') bad(`--color must be auto, always or never, not "${color}"`);
  let follow: FollowRequest | undefined;
  const z = one('-z');
  if (z !== undefined) {
    const m = /^follow,(ws|tcp),(\d+)$/.exec(z);
    if (m === null) bad(`-z takes follow,ws,N or follow,tcp,N (the conversation of connection #N), not "${z}"`);
    follow = { protocol: m![1] as FollowRequest['protocol'], stream: Number(m![2]) };
  }
  if (flags.has('--hexdump') && flags.has('--base64')) bad('give --hexdump or --base64, not both');
  const displayFilter = one('-Y', '--display-filter');
  if (displayFilter !== undefined && displayFilter.trim() === '') bad('-Y needs a display filter (netrx ws --help lists the fields)');
  return {
    displayFilter,
    plugins: values.get('--plugin') ?? [],
    time: time as TimeFormat,
    stream: whole('--stream', one('--stream'), 0),
    follow,
    pretty: flags.has('--pretty'),
    binary: flags.has('--hexdump') ? 'hexdump' : flags.has('--base64') ? 'base64' : 'hex',
    maxMessages: whole('--max-messages', one('--max-messages'), 1),
    color: color as ColorMode,
    version: flags.has('--version') || flags.has('-V') || command === '--version' || command === '-V',
  };
}

/** Commands that read a capture (`-r` or `-i`). */
const CAPTURE_COMMANDS = new Set(['packets', 'tcp', 'http', 'ws', 'stats', 'ui']);

/**
 * Refuses option combinations that would otherwise be silently ignored: `-r` with `-i` (which
 * one?), live-only options with `-r`, capture options for `devices`, `-z follow,ws` outside `netrx
 * ws`, `--max-messages` where there are no messages. Throws `ERR_INVALID_OPTION` (exit status 2).
 */
export function checkViewArgs(a: {
  readonly command: string;
  readonly read?: string;
  readonly interface?: string;
  readonly backend?: string;
  readonly snaplen?: number;
  readonly filter?: string;
  readonly stream?: number;
  readonly follow?: FollowRequest;
  readonly maxMessages?: number;
  readonly version?: boolean;
  readonly help?: boolean;
  readonly displayFilter?: string;
  readonly plugins?: readonly string[];
  readonly pretty?: boolean;
  readonly binary?: BinaryView;
}): void {
  const bad = (message: string): never => {
    throw new NetrxError('ERR_INVALID_OPTION', message);
  };
  if (a.help || a.version) return;
  if (a.command === 'devices') {
    if (a.read !== undefined) bad('netrx devices lists capture devices; it reads no file (-r)');
    if (a.interface !== undefined) bad('netrx devices lists every capture device; it takes no -i');
    if (a.filter !== undefined) bad(`netrx devices takes no filter ("${a.filter}")`);
    if (a.displayFilter !== undefined) bad('netrx devices takes no display filter (-Y)');
    return;
  }
  if (!CAPTURE_COMMANDS.has(a.command)) return;
  if (a.read !== undefined && a.interface !== undefined) {
    bad(`give -r FILE (read a capture file) or -i DEVICE (capture live), not both: -r ${a.read} -i ${a.interface}`);
  }
  if (a.read !== undefined) {
    if (a.backend !== undefined) bad(`--backend chooses how to capture live (with -i); a file (-r ${a.read}) has no backend`);
    if (a.snaplen !== undefined) bad(`-s sets the live capture's snapshot length (with -i); a file (-r ${a.read}) was captured already`);
  }
  if (a.follow !== undefined) {
    if (a.follow.protocol !== a.command && !(a.follow.protocol === 'tcp' && a.command === 'tcp')) {
      bad(`-z follow,${a.follow.protocol},N goes with netrx ${a.follow.protocol}: netrx ${a.follow.protocol} -r FILE -z follow,${a.follow.protocol},${a.follow.stream}`);
    }
    if (a.stream !== undefined && a.stream !== a.follow.stream) bad(`--stream ${a.stream} and -z follow,${a.follow.protocol},${a.follow.stream} name different connections`);
  }
  if (a.command === 'ui') {
    const given = [
      a.displayFilter !== undefined && '-Y',
      a.stream !== undefined && '--stream',
      a.follow !== undefined && '-z',
      (a.plugins?.length ?? 0) > 0 && '--plugin',
      a.pretty === true && '--pretty',
      a.binary !== undefined && a.binary !== 'hex' && `--${a.binary}`,
    ].filter(Boolean);
    if (given.length > 0) bad(`netrx ui filters and follows in its page; ${given.join(', ')} ${given.length === 1 ? 'is' : 'are'} for netrx ws`);
    return;
  }
  if (a.command === 'packets' && a.stream !== undefined) bad('packets have no connection number: choose them with a capture filter (host, port) or -Y');
  if (a.maxMessages !== undefined && a.command !== 'ws' && a.command !== 'http') bad(`--max-messages counts WebSocket or HTTP messages (netrx ws, netrx http); for packets use -c`);
  // Payload views show message payloads and HTTP bodies; the other commands have none to show.
  const payloads = a.command === 'ws' || a.command === 'http';
  if (a.pretty === true && !payloads) bad(`--pretty shows JSON payloads (netrx ws) and bodies (netrx http); netrx ${a.command} has none`);
  if (a.binary === 'hexdump' && !payloads) bad(`--hexdump shows binary payloads (netrx ws) and bodies (netrx http); netrx ${a.command} has none`);
  if (a.binary === 'base64' && a.command !== 'ws') bad(`--base64 shows binary WebSocket payloads (netrx ws)${a.command === 'http' ? '; bodies in jsonl are base64 already, in text use --hexdump' : `; netrx ${a.command} has none`}`);
}
