import { NetrxError } from '@netrx/core';

/** A compiled display filter: whether a record (one JSON object of a command's output) is shown. */
export type DisplayFilter = (record: object) => boolean;

/** What {@link compileDisplayFilter} checks besides the syntax. */
export interface DisplayFilterOptions {
  /**
   * The top-level field names the records have (`stream`, `dir`, `text`…): a filter naming
   * another is refused, with its column, as tshark refuses an unknown field. Not checked when
   * omitted.
   */
  readonly fields?: readonly string[];
}

/**
 * A display filter that could not be compiled: `column` (from 1) is where in `expression` the
 * problem is; {@link DisplayFilterError.pointer} draws it. Its code is `ERR_INVALID_OPTION`.
 */
export class DisplayFilterError extends NetrxError {
  constructor(
    /** The whole expression. */
    readonly expression: string,
    /** Where the problem is, counting characters from 1. */
    readonly column: number,
    /** What is wrong there. */
    readonly problem: string,
  ) {
    super('ERR_INVALID_OPTION', `display filter: ${problem} (column ${column})`);
  }

  /** The expression and a caret under the column, two lines for a terminal. */
  pointer(indent = '  '): string {
    return `${indent}${this.expression}\n${indent}${' '.repeat(Math.max(0, this.column - 1))}^`;
  }
}

/** One token: its kind, text and column (from 1). */
interface Token {
  readonly kind: 'word' | 'string' | 'op' | '(' | ')' | '{' | '}' | ',' | 'end';
  readonly text: string;
  readonly col: number;
}

/** Comparison operators, with their word forms (wireshark-filter(4)). */
const COMPARISONS: Record<string, string> = {
  '==': '==',
  eq: '==',
  '!=': '!=',
  ne: '!=',
  '>': '>',
  gt: '>',
  '>=': '>=',
  ge: '>=',
  '<': '<',
  lt: '<',
  '<=': '<=',
  le: '<=',
  contains: 'contains',
  matches: 'matches',
  '~': 'matches',
  in: 'in',
};

/** Characters that end a bare word. */
const WORD_END = /[\s(){},"=!<>&|~]/;
const FIELD = /^[A-Za-z_][\w-]*(\.[\w-]+)*$/;
const NUMBER = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    const col = i + 1;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if ('(){},'.includes(ch)) {
      out.push({ kind: ch as Token['kind'], text: ch, col });
      i++;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['==', '!=', '>=', '<=', '&&', '||'].includes(two)) {
      out.push({ kind: 'op', text: two, col });
      i += 2;
      continue;
    }
    if ('=<>!~&|'.includes(ch)) {
      if (ch === '=' || ch === '&' || ch === '|') throw new DisplayFilterError(src, col, `"${ch}" is not an operator (did you mean "${ch}${ch}"?)`);
      out.push({ kind: 'op', text: ch, col });
      i++;
      continue;
    }
    if (ch === '"') {
      let text = '';
      let j = i + 1;
      for (;;) {
        if (j >= src.length) throw new DisplayFilterError(src, col, 'the string is not closed (a " is missing)');
        const c = src[j]!;
        if (c === '"') break;
        if (c === '\\') {
          const e = src[j + 1];
          if (e === undefined) throw new DisplayFilterError(src, j + 1, 'the string ends inside an escape');
          if (e === 'n') text += '\n';
          else if (e === 't') text += '\t';
          else if (e === 'r') text += '\r';
          else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(src.slice(j + 2, j + 4))) {
            text += String.fromCharCode(parseInt(src.slice(j + 2, j + 4), 16));
            j += 2;
          } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(src.slice(j + 2, j + 6))) {
            text += String.fromCharCode(parseInt(src.slice(j + 2, j + 6), 16));
            j += 4;
          } else text += e;
          j += 2;
          continue;
        }
        text += c;
        j++;
      }
      out.push({ kind: 'string', text, col });
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < src.length && !WORD_END.test(src[j]!)) j++;
    out.push({ kind: 'word', text: src.slice(i, j), col });
    i = j;
  }
  out.push({ kind: 'end', text: '', col: src.length + 1 });
  return out;
}

/** A literal on the right of a comparison. */
interface Literal {
  readonly text: string;
  /** The literal as a number, when it reads as one. */
  readonly number?: number;
}

/** A set member: a literal or a numeric range `a..b`. */
type Member = Literal | { readonly from: number; readonly to: number };

type Node = (r: object) => boolean;

/**
 * Compiles a display filter, as tshark's `-Y` takes one, over the fields of JSON records (one
 * object of a command's `--format jsonl` output): the result is a predicate for RxJS `filter()`.
 *
 * - A comparison: `stream == 1`, `dir == "c2s"` (or `dir == c2s`), `length > 1000`, `!=`, `>=`,
 *   `<`, `<=` and the word forms `eq ne gt ge lt le`. Numbers compare as numbers (also with
 *   numeric strings such as `ts`), everything else as text.
 * - `text contains "say"` (case-sensitive); `text matches "^\\{"` or `~` (a regular expression,
 *   case-insensitive as in tshark; start it with `(?-i)` for case-sensitive).
 * - `type in {text binary}` (commas optional), with numeric ranges: `stream in {0..3 7}`.
 * - A field alone is true when the record has it (and it is not `false`, `null` or empty):
 *   `warnings`, `compressed`, `undecodable`.
 * - Dotted names go into objects (`tls.sni`, `decoded.value.type`); over a list they look at
 *   every element (`warnings.code == "WARN_WS_BAD_UTF8"`); on an endpoint (`client`,
 *   `server`: `127.0.0.1:55432`, `[::1]:7320`) `.ip` (or `.addr`, `.host`) and `.port` are its parts.
 * - `&&`/`and`, `||`/`or`, `!`/`not`, parentheses; `not` binds tightest, then `and`, then `or`.
 *
 * As in tshark, a comparison on a field the record lacks is false, and `a != b` means that the
 * field is there and none of its values equals `b`.
 *
 * Throws a {@link DisplayFilterError} (`ERR_INVALID_OPTION`) naming the column of a syntax error,
 * or of a field not in `options.fields`.
 *
 * @example
 * ```ts
 * import { filter } from 'rxjs';
 * import { compileDisplayFilter } from '@netrx/pipeline';
 *
 * const shown = compileDisplayFilter('stream == 1 && dir == "c2s" && text contains "say"');
 * shown({ stream: 1, dir: 'c2s', type: 'text', text: '{"type":"say"}' }); // true
 * records$.pipe(filter(shown));
 * ```
 */
export function compileDisplayFilter(expression: string, options: DisplayFilterOptions = {}): DisplayFilter {
  const tokens = tokenize(expression);
  let pos = 0;
  const peek = (): Token => tokens[pos]!;
  const next = (): Token => tokens[pos++]!;
  const fail = (t: Token, problem: string): never => {
    throw new DisplayFilterError(expression, t.col, problem);
  };
  const isWord = (t: Token, ...words: string[]): boolean => t.kind === 'word' && words.includes(t.text.toLowerCase());
  const known = options.fields === undefined ? undefined : new Set(options.fields);

  const orExpr = (): Node => {
    let left = andExpr();
    while ((peek().kind === 'op' && peek().text === '||') || isWord(peek(), 'or')) {
      next();
      const l = left;
      const r = andExpr();
      left = (rec) => l(rec) || r(rec);
    }
    return left;
  };
  const andExpr = (): Node => {
    let left = notExpr();
    while ((peek().kind === 'op' && peek().text === '&&') || isWord(peek(), 'and')) {
      next();
      const l = left;
      const r = notExpr();
      left = (rec) => l(rec) && r(rec);
    }
    return left;
  };
  const notExpr = (): Node => {
    if ((peek().kind === 'op' && peek().text === '!') || isWord(peek(), 'not')) {
      next();
      const inner = notExpr();
      return (rec) => !inner(rec);
    }
    return primary();
  };
  const primary = (): Node => {
    const t = next();
    if (t.kind === '(') {
      const inner = orExpr();
      if (peek().kind !== ')') fail(peek(), peek().kind === 'end' ? `a ")" is missing for the "(" at column ${t.col}` : `expected ")" or an operator, not "${peek().text}"`);
      next();
      return inner;
    }
    if (t.kind === 'end') return fail(t, pos === 1 ? 'the filter is empty' : 'the filter ends where a field name was expected');
    if (t.kind !== 'word' || !FIELD.test(t.text) || isWord(t, 'and', 'or', 'not', ...Object.keys(COMPARISONS))) {
      return fail(t, `expected a field name, not "${t.text}"`);
    }
    const path = t.text.split('.');
    if (known !== undefined && !known.has(path[0]!)) fail(t, `"${path[0]}" is not a field of these records (fields: ${[...known].join(', ')})`);
    const op = peek();
    const cmp = op.kind === 'op' || op.kind === 'word' ? COMPARISONS[op.kind === 'word' ? op.text.toLowerCase() : op.text] : undefined;
    if (cmp === undefined) {
      if ((op.kind === 'word' && !isWord(op, 'and', 'or')) || op.kind === 'string') fail(op, `expected an operator (==, !=, >, contains, matches, in…) or "and"/"or" after the field, not "${op.text}"`);
      return (rec) => values(rec, path).some(present);
    }
    next();
    if (cmp === 'in') return inSet(path, op);
    const v = next();
    if (v.kind !== 'word' && v.kind !== 'string') fail(v, `expected a value after "${op.text}"`);
    if (v.kind === 'word' && isWord(v, 'and', 'or', 'not')) fail(v, `expected a value after "${op.text}", not "${v.text}"`);
    const lit = literal(v.text, v.kind === 'string');
    if (cmp === 'matches') {
      let source = lit.text;
      let flags = 'iu';
      if (source.startsWith('(?-i)')) {
        source = source.slice(5);
        flags = 'u';
      }
      let re: RegExp;
      try {
        re = new RegExp(source, flags);
      } catch (err) {
        return fail(v, `not a regular expression: ${(err as Error).message}`);
      }
      return (rec) => values(rec, path).some((x) => re.test(asText(x)));
    }
    if (cmp === 'contains') return (rec) => values(rec, path).some((x) => asText(x).includes(lit.text));
    if (cmp === '!=') {
      return (rec) => {
        const xs = values(rec, path);
        return xs.length > 0 && !xs.some((x) => equals(x, lit));
      };
    }
    if (cmp === '==') return (rec) => values(rec, path).some((x) => equals(x, lit));
    return (rec) => values(rec, path).some((x) => ordered(x, lit, cmp));
  };
  const inSet = (path: string[], op: Token): Node => {
    const open = next();
    if (open.kind !== '{') fail(open, `expected "{" after "${op.text}"`);
    const members: Member[] = [];
    for (;;) {
      const m = next();
      if (m.kind === '}') break;
      if (m.kind === ',') continue;
      if (m.kind !== 'word' && m.kind !== 'string') fail(m, m.kind === 'end' ? 'a "}" is missing' : `expected a value or "}", not "${m.text}"`);
      const range = m.kind === 'word' ? /^(.+)\.\.(.+)$/.exec(m.text) : null;
      if (range && NUMBER.test(range[1]!) && NUMBER.test(range[2]!)) members.push({ from: Number(range[1]), to: Number(range[2]) });
      else members.push(literal(m.text, m.kind === 'string'));
    }
    if (members.length === 0) fail(open, 'the set is empty');
    return (rec) =>
      values(rec, path).some((x) =>
        members.some((m) => {
          if ('from' in m) {
            const n = asNumber(x);
            return n !== undefined && n >= m.from && n <= m.to;
          }
          return equals(x, m);
        }),
      );
  };

  const root = orExpr();
  if (peek().kind !== 'end') {
    const t = peek();
    fail(t, t.kind === ')' ? 'this ")" closes nothing' : `expected "and", "or" or the end of the filter, not "${t.text}"`);
  }
  return root;
}

function literal(text: string, quoted: boolean): Literal {
  return !quoted && NUMBER.test(text) ? { text, number: Number(text) } : { text };
}

/** The values at `path` in a record: several when the path crosses a list. */
function values(rec: object, path: readonly string[]): unknown[] {
  let current: unknown[] = [rec];
  for (const key of path) {
    const nextValues: unknown[] = [];
    for (const v of current) {
      if (Array.isArray(v)) {
        for (const e of v) pushChild(e, key, nextValues);
      } else pushChild(v, key, nextValues);
    }
    current = nextValues;
    if (current.length === 0) break;
  }
  // A list at the end of the path stands for its elements, as a repeated field does in tshark.
  return current.flatMap((v) => (Array.isArray(v) ? (v.length === 0 ? [v] : v) : [v]));
}

const ENDPOINT = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/;

function pushChild(v: unknown, key: string, out: unknown[]): void {
  if (v !== null && typeof v === 'object') {
    const child = (v as Record<string, unknown>)[key];
    if (child !== undefined) out.push(child);
  } else if (typeof v === 'string') {
    // An endpoint's parts: `client.ip`, `client.port`.
    const m = ENDPOINT.exec(v);
    if (m === null) return;
    if (key === 'port') out.push(Number(m[3]));
    else if (key === 'ip' || key === 'addr' || key === 'host') out.push(m[1] ?? m[2]);
  }
}

function present(v: unknown): boolean {
  return v !== null && v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0);
}

function asText(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && NUMBER.test(v)) return Number(v);
  return undefined;
}

function equals(v: unknown, lit: Literal): boolean {
  if (lit.number !== undefined) {
    const n = asNumber(v);
    if (n !== undefined) return n === lit.number;
  }
  if (v !== null && typeof v === 'object') return false;
  return String(v) === lit.text;
}

function ordered(v: unknown, lit: Literal, op: string): boolean {
  let a: number | string;
  let b: number | string;
  const n = asNumber(v);
  if (lit.number !== undefined && n !== undefined) {
    a = n;
    b = lit.number;
  } else if (typeof v === 'string') {
    a = v;
    b = lit.text;
  } else return false;
  switch (op) {
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    default:
      return a <= b;
  }
}
