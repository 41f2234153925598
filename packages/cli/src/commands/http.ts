import { formatEndpoint } from '@netrx/core';
import { httpMessageJson, type HttpRequest, type HttpResponse } from '@netrx/dissector-http';
import type { CliArgs } from '../args.js';
import type { CliIO } from '../output.js';
import { runCommand } from '../run.js';
import { formatTimeOfDay } from '../time.js';
import { viaText } from '../via-text.js';

/** Longest request target text output shows without `--full`. */
const SHORT = 120;

/**
 * `netrx http`: every HTTP/1.x request and response of a capture, one line each, in the order
 * they complete. `--format jsonl` writes {@link httpMessageJson}'s contract; text is for people.
 * Connections whose HTTP could not be parsed are reported on stderr (`stream.error`). `--sink
 * URL` also writes each request and response to Redis Streams, its JSON line as `json`, `type`
 * `request` or `response`.
 */
export async function http(args: CliArgs, io: CliIO): Promise<number> {
  const line = args.format === 'jsonl' ? httpMessageJson : (m: HttpRequest | HttpResponse) => httpTextLine(m, args.full);
  return runCommand(args, io, {
    stages: (pipeline) => pipeline.events(),
    each: (ev, out, shown) => {
      if (ev.type === 'http.request' || ev.type === 'http.response') {
        shown.add(ev.connection.id);
        if (!args.quiet) out.line(line(ev));
      } else if (ev.type === 'stream.error' && ev.dissector === 'http') {
        const c = ev.connection;
        io.stderr.write(`netrx http: #${c.id} ${formatEndpoint(c.client)} ${formatEndpoint(c.server)} ${ev.dir}: ${ev.diagnostic.code}: ${ev.diagnostic.message} (no more HTTP parsed on this connection)\n`);
      }
    },
    shown: 'HTTP messages',
    record: (ev) =>
      ev.type === 'http.request' || ev.type === 'http.response'
        ? { connection: ev.connection, dir: ev.dir, type: ev.type === 'http.request' ? 'request' : 'response', ts: ev.lastTs, json: httpMessageJson(ev) }
        : undefined,
  });
}

/**
 * One line for people: time, connection, endpoints with an arrow for the direction, the request
 * line or status line, and the body length.
 *
 * `12:52:12.603548000 #0 127.0.0.1:36674 ← 127.0.0.1:7360 HTTP/1.1 200 OK 24B`
 */
export function httpTextLine(m: HttpRequest | HttpResponse, full = false): string {
  const c = m.connection;
  const arrow = m.dir === 'c2s' ? '→' : '←';
  const what =
    m.type === 'http.request'
      ? `${m.method} ${shorten(m.target, full)} ${m.version}`
      : `${m.version} ${m.status}${m.reason ? ' ' + printable(m.reason) : ''}`;
  const warnings = m.diagnostics?.length ? ` [${m.diagnostics.map((d) => d.code).join(',')}]` : '';
  return `${formatTimeOfDay(m.lastTs)} #${c.id} ${formatEndpoint(c.client)} ${arrow} ${formatEndpoint(c.server)}${viaText(c.via)} ${what} ${m.bodyLength ?? m.body.length}B${warnings}`;
}

function printable(s: string): string {
  // Control characters would break the one-line-per-message layout.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]/g, '·');
}

function shorten(s: string, full: boolean): string {
  const clean = printable(s);
  return full || clean.length <= SHORT ? clean : `${clean.slice(0, SHORT)}…`;
}
