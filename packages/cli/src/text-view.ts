import type { Writable } from 'node:stream';
import type { Direction } from '@netrx/core';
import { utf8TextPreview } from '@netrx/dissector-websocket';
import { TimeFormatter } from './time-format.js';
import type { BinaryView, ColorMode, TimeFormat } from './view-args.js';

/** Longest payload a text line shows without `--full`. */
export const SHORT = 120;
/** Most payload bytes a hexdump shows without `--full`. */
const HEXDUMP_SHORT = 256;

/** ANSI SGR sequences (ECMA-48): what the colours are made of. */
const SGR = {
  reset: '\x1b[0m',
  dim: '\x1b[2m',
  bold: '\x1b[1m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  blue: '\x1b[34m',
  magenta: '\x1b[35m',
  cyan: '\x1b[36m',
} as const;

/** Colour of each message or line type. */
const TYPE_COLOURS: Record<string, string> = {
  text: SGR.green,
  binary: SGR.blue,
  ping: SGR.dim,
  pong: SGR.dim,
  close: SGR.magenta,
  request: SGR.green,
  response: SGR.blue,
};

/**
 * Whether text output is coloured: `--color always` or `never`, else when stdout is a terminal
 * and the `NO_COLOR` environment variable (no-color.org) is unset or empty and `TERM` is not `dumb`.
 */
export function colourWanted(mode: ColorMode, stdout: Writable, env: NodeJS.ProcessEnv = process.env): boolean {
  if (mode !== 'auto') return mode === 'always';
  return (stdout as Writable & { isTTY?: boolean }).isTTY === true && !env['NO_COLOR'] && env['TERM'] !== 'dumb';
}

/** What shapes text output: the time format, colours, and how payloads are shown. */
export interface TextViewOptions {
  readonly time: TimeFormat;
  readonly colour: boolean;
  readonly full: boolean;
  readonly pretty: boolean;
  readonly binary: BinaryView;
}

/**
 * The pieces of text output every command shares: times as `-t` asks, the direction arrow (`→`
 * client to server, `←` server to client), colours on a terminal, and the payload views
 * (`--pretty`, `--hexdump`, `--base64`, shortened unless `--full`).
 */
export class TextView {
  /** Formats times as `-t` asks. */
  readonly time: TimeFormatter;

  constructor(readonly options: TextViewOptions) {
    this.time = new TimeFormatter(options.time);
  }

  /** `s` in the SGR colour `sgr` when colouring, else `s`. */
  paint(sgr: string, s: string): string {
    return this.options.colour && s !== '' ? `${sgr}${s}${SGR.reset}` : s;
  }

  /** `→` (c2s, cyan) or `←` (s2c, yellow). */
  arrow(dir: Direction): string {
    return dir === 'c2s' ? this.paint(SGR.cyan, '→') : this.paint(SGR.yellow, '←');
  }

  /** A message or record type, in its colour. */
  kind(kind: string): string {
    const c = TYPE_COLOURS[kind];
    return c === undefined ? kind : this.paint(c, kind);
  }

  /** A warning or an error mark, red. */
  warn(s: string): string {
    return this.paint(SGR.red + SGR.bold, s);
  }

  /** Something secondary (the connection mark), dim. */
  dim(s: string): string {
    return this.paint(SGR.dim, s);
  }

  /** Text on one line: control characters shown (`⏎` for a line end), shortened unless `--full`. */
  oneLine(s: string): string {
    // Shortened: only the part shown is cleaned (one character for one, so the count is the text's).
    if (!this.options.full && s.length > SHORT) return `${clean(s.slice(0, SHORT))}… (${s.length} chars)`;
    return clean(s);
  }

  /**
   * {@link oneLine} of UTF-8 bytes decoded as text (invalid sequences as U+FFFD), the same line
   * character for character, built from a bounded prefix: shortened, only the first
   * {@link SHORT} characters are decoded and the rest only counted (a 63 MiB message prints 120
   * characters and makes no 63 MiB string); with `--full`, all of it.
   */
  oneLineUtf8(utf8: Uint8Array): string {
    if (this.options.full) return this.oneLine(Buffer.from(utf8.buffer, utf8.byteOffset, utf8.byteLength).toString('utf8'));
    const { text, length } = utf8TextPreview(utf8, SHORT);
    if (length <= SHORT) return this.oneLine(text);
    return `${clean(text.slice(0, SHORT))}… (${length} chars)`;
  }

  /** Binary bytes on the line: hex (or base64), shortened unless `--full`; empty with `--hexdump` (the dump follows). */
  inlineBytes(b: Uint8Array): string {
    if (this.options.binary === 'hexdump') return '';
    const base64 = this.options.binary === 'base64';
    // Bytes per SHORT characters: 2 hex digits, or 4/3 base64 characters, a byte.
    const max = base64 ? (SHORT / 4) * 3 : SHORT / 2;
    const n = this.options.full ? b.length : Math.min(b.length, max);
    const s = Buffer.from(b.buffer, b.byteOffset, n).toString(base64 ? 'base64' : 'hex');
    return n < b.length ? `${s}…` : s;
  }

  /** Lines under a message line: the pretty JSON of `text` (`--pretty`), when it is JSON. */
  prettyLines(text: string | undefined): string[] {
    if (!this.options.pretty || text === undefined) return [];
    const t = text.trimStart();
    if (!t.startsWith('{') && !t.startsWith('[')) return [];
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return [];
    }
    // Each line shortened as a payload is, unless --full: a 70 KB string value stays one long line.
    return JSON.stringify(value, null, 2)
      .split('\n')
      .map((l) => `    ${this.options.full || l.length <= SHORT ? l : `${l.slice(0, SHORT)}… (${l.length} chars)`}`);
  }

  /**
   * Lines under a message line: the bytes as `hexdump -C` shows them (offset, 16 bytes in hex,
   * the printable ASCII), with `--hexdump`; the first 256 bytes unless `--full`.
   */
  hexdumpLines(b: Uint8Array): string[] {
    if (this.options.binary !== 'hexdump') return [];
    return hexdump(b, this.options.full ? b.length : HEXDUMP_SHORT).map((l) => `    ${l}`);
  }
}

/** `s` with control characters shown (`⏎` for a line end, `·` for the rest), one character for one. */
function clean(s: string): string {
  // Control characters would break the one-line-per-message layout.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]/g, (ch) => (ch === '\n' ? '⏎' : '·'));
}

/**
 * `hexdump -C` lines of the first `max` bytes of `b`: `00000010  68 65 6c 6c 6f 20 77 6f  72 6c 64 0a 00 01 02 03  |hello world.....|`,
 * and a last line saying how many bytes were left out.
 */
export function hexdump(b: Uint8Array, max = b.length): string[] {
  const n = Math.min(b.length, max);
  const lines: string[] = [];
  for (let o = 0; o < n; o += 16) {
    let hex = '';
    let ascii = '';
    for (let i = 0; i < 16; i++) {
      if (o + i < n) {
        const v = b[o + i]!;
        hex += v.toString(16).padStart(2, '0') + ' ';
        ascii += v >= 0x20 && v < 0x7f ? String.fromCharCode(v) : '.';
      } else hex += '   ';
      if (i === 7) hex += ' ';
    }
    lines.push(`${o.toString(16).padStart(8, '0')}  ${hex} |${ascii}|`);
  }
  if (n < b.length) lines.push(`… ${b.length - n} more bytes (--full shows them)`);
  return lines;
}

/** The {@link TextView} of a command line. */
export function textViewFor(
  args: { readonly time: TimeFormat; readonly color: ColorMode; readonly full: boolean; readonly pretty: boolean; readonly binary: BinaryView },
  stdout: Writable,
): TextView {
  return new TextView({ time: args.time, colour: colourWanted(args.color, stdout), full: args.full, pretty: args.pretty, binary: args.binary });
}
