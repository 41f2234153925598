// The display filter's tokens (wireshark-filter(4)'s lexical rules, as far as netrx takes them).
import { DisplayFilterError } from './display-filter-error.js';

/** One token: its kind, text and column (from 1). */
export interface Token {
  readonly kind: 'word' | 'string' | 'op' | '(' | ')' | '{' | '}' | ',' | 'end';
  readonly text: string;
  readonly col: number;
}

/** Comparison operators, with their word forms (wireshark-filter(4)). */
export const COMPARISONS: Record<string, string> = {
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
/** A field name: a word, or words joined by dots (`tls.sni`). */
export const FIELD = /^[A-Za-z_][\w-]*(\.[\w-]+)*$/;
/** A number literal (what compares as a number). */
export const NUMBER = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/** Splits a display filter into tokens; throws a {@link DisplayFilterError} at a bad character or string. */
export function tokenize(src: string): Token[] {
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
