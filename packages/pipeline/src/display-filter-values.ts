// What the values of JSON records mean to a display filter: the values at a dotted path (lists
// stand for their elements, endpoints have parts), presence, equality and order, as tshark
// compares fields.
import { NUMBER } from './display-filter-tokenizer.js';

/** A literal on the right of a comparison. */
export interface Literal {
  readonly text: string;
  /** The literal as a number, when it reads as one. */
  readonly number?: number;
}

/** A set member: a literal or a numeric range `a..b`. */
export type Member = Literal | { readonly from: number; readonly to: number };

/** A value token as a literal: a number too when it reads as one and was not quoted. */
export function literal(text: string, quoted: boolean): Literal {
  return !quoted && NUMBER.test(text) ? { text, number: Number(text) } : { text };
}

/** The values at `path` in a record: several when the path crosses a list. */
export function values(rec: object, path: readonly string[]): unknown[] {
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

/** Whether a field alone is true: there, and not `false`, `null` or an empty list. */
export function present(v: unknown): boolean {
  return v !== null && v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0);
}

/** A value as `contains` and `matches` see it: strings as they are, objects as JSON. */
export function asText(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

/** A value as a number, when it is one or a numeric string. */
export function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && NUMBER.test(v)) return Number(v);
  return undefined;
}

/** `==`: as numbers when both read as numbers, else as text; an object equals nothing. */
export function equals(v: unknown, lit: Literal): boolean {
  if (lit.number !== undefined) {
    const n = asNumber(v);
    if (n !== undefined) return n === lit.number;
  }
  if (v !== null && typeof v === 'object') return false;
  return String(v) === lit.text;
}

/** `>`, `>=`, `<`, `<=`: as numbers when both are, as text when the value is a string, else false. */
export function ordered(v: unknown, lit: Literal, op: string): boolean {
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
