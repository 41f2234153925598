// The display filter compiler: a recursive-descent parser over the tokens of
// display-filter-tokenizer.ts that builds the predicate as it goes, with the value semantics of
// display-filter-values.ts.
import { DisplayFilterError } from './display-filter-error.js';
import { COMPARISONS, FIELD, NUMBER, tokenize, type Token } from './display-filter-tokenizer.js';
import { asNumber, asText, equals, literal, ordered, present, values, type Member } from './display-filter-values.js';

export { DisplayFilterError };

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

/** A compiled part of the filter. */
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
