import type { Diagnostic } from '@netrx/core';
import { POISON, POISONING, withPoisonedChunk } from '../../../../test-support/poison.js';
import { HttpMessageParser, type HttpParserLimits, type ParsedHttpMessage } from '../http-message-parser.js';

export const ascii = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));
export const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

export { POISON, POISONING };

/**
 * Calls `use` with a copy of `bytes` (a view in the middle of a larger buffer, as capture sources
 * hand out) and, when `poison`, overwrites that buffer with {@link POISON} once `use` returns, as
 * a source that reuses its buffer would (test-support's `withPoisonedChunk`).
 */
export function fed<T>(bytes: Uint8Array, poison: boolean, use: (chunk: Uint8Array) => T): T {
  return withPoisonedChunk(bytes, use, poison);
}

/** What a test compares: a message reduced to plain data. */
export interface Summary {
  start: string;
  headers: [string, string][];
  body: string;
  bodyLength: number;
  trailers: [string, string][];
  offset: number;
  codes: string[];
}

export function summarize(m: ParsedHttpMessage): Summary {
  const h = m.head;
  return {
    start: h.kind === 'request' ? `${h.method} ${h.target} ${h.version}` : `${h.version} ${h.status} ${h.reason}`,
    headers: h.headers.map((x) => [x.name, x.value]),
    body: text(m.body),
    bodyLength: m.bodyLength,
    trailers: m.trailers.map((x) => [x.name, x.value]),
    offset: m.streamOffset,
    codes: m.diagnostics.map((d) => d.code),
  };
}

/**
 * Runs a parser over chunks; responses are framed against `methods` (first-in first-out). Each
 * chunk is poisoned once `write` returns (see {@link fed}): what the parser keeps must be its own.
 */
export function run(
  kind: 'request' | 'response',
  chunks: readonly Uint8Array[],
  opts: { methods?: string[]; limits?: HttpParserLimits; midstream?: boolean; finish?: boolean; gaps?: Map<number, number> } = {},
): { messages: Summary[]; errors: Diagnostic[]; begins: number[]; parser: HttpMessageParser } {
  const methods = [...(opts.methods ?? [])];
  const messages: Summary[] = [];
  const errors: Diagnostic[] = [];
  const begins: number[] = [];
  const parser = new HttpMessageParser(
    kind,
    {
      begin: (o) => void begins.push(o),
      message(m) {
        messages.push(summarize(m));
        if (m.head.kind === 'response' && (m.head.status >= 200 || m.head.status === 101)) methods.shift();
        return false;
      },
      error: (d) => void errors.push(d),
      requestMethod: () => methods[0],
    },
    opts.limits,
    { midstream: opts.midstream },
  );
  chunks.forEach((c, i) => {
    const g = opts.gaps?.get(i);
    if (g) parser.gap(g);
    fed(c, true, (chunk) => parser.write(chunk));
  });
  if (opts.finish !== false) parser.finish();
  return { messages, errors, begins, parser };
}

/** Every way of cutting `bytes` in two, plus one byte at a time. */
export function* splits(bytes: Uint8Array): Generator<Uint8Array[]> {
  for (let k = 0; k <= bytes.length; k++) yield [bytes.subarray(0, k), bytes.subarray(k)];
  yield Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
}
