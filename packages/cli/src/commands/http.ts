import { filter, tap } from 'rxjs';
import { formatEndpoint } from '@netrx/core';
import { decodeHttpBody, httpMessageJson, type HttpRequest, type HttpResponse } from '@netrx/dissector-http';
import type { CliArgs } from '../args.js';
import type { CliIO } from '../output.js';
import { runCommand } from '../run.js';
import { SHORT, textViewFor, type TextView } from '../text-view.js';
import { viaText } from '../via-text.js';

/** The fields of `netrx http --format jsonl` records, for `-Y`. */
export const HTTP_FIELDS: readonly string[] = [
  'ts', 'stream', 'client', 'server', 'tunnel', 'tls', 'dir', 'type', 'method', 'target', 'status', 'reason', 'version', 'headers',
  'bodyLength', 'trailers', 'warnings', 'body', 'bodyBase64', 'bodyEncoding', 'bodyTruncated', 'bodyError',
];

/** Most body bytes a JSON line carries without `--full`. */
const BODY_MAX = 64 * 1024;
/** Most body bytes a JSON line carries with `--full` (the inflate cap too). */
const BODY_MAX_FULL = 16 * 1024 * 1024;

/**
 * `netrx http`: every HTTP/1.x request and response of a capture, one line each, in the order
 * they complete. `--format jsonl` writes {@link httpMessageJson}'s contract with the body last
 * (decoded from gzip, deflate or br; text, or `bodyBase64`; 64 KiB unless `--full`, the rest
 * counted in `bodyTruncated`); text is for people, with JSON bodies under the line with `--pretty`
 * and binary ones as a hexdump with `--hexdump`. Connections whose HTTP could not be parsed are
 * reported on stderr (`stream.error`). `--sink URL` also writes each request and response to
 * Redis Streams, its JSON line as `json`, `type` `request` or `response`.
 */
export async function http(args: CliArgs, io: CliIO): Promise<number> {
  const view = textViewFor(args, io.stdout);
  const body = { maxBytes: args.full ? BODY_MAX_FULL : BODY_MAX, maxDecoded: BODY_MAX_FULL };
  // The line of the message at hand, made once for -Y, the output and --sink.
  let last: HttpRequest | HttpResponse | undefined;
  let lastJson = '';
  const json = (m: HttpRequest | HttpResponse): string => {
    if (m !== last) {
      last = m;
      lastJson = httpMessageJson(m, { body });
    }
    return lastJson;
  };
  const jsonl = args.format === 'jsonl';
  return runCommand(args, io, {
    // Connections whose HTTP could not be parsed are said on stderr; the rest is HTTP messages.
    stages: (pipeline, facts) => (frames) =>
      frames.pipe(
        pipeline.events(),
        tap((ev) => {
          facts.seeTls(ev);
          if (ev.type === 'stream.error' && ev.dissector === 'http') {
            const c = ev.connection;
            io.stderr.write(`netrx http: #${c.id} ${formatEndpoint(c.client)} ${formatEndpoint(c.server)} ${ev.dir}: ${ev.diagnostic.code}: ${ev.diagnostic.message} (no more HTTP parsed on this connection)\n`);
          }
        }),
        filter((ev): ev is HttpRequest | HttpResponse => ev.type === 'http.request' || ev.type === 'http.response'),
      ),
    jsonRecord: (m) => JSON.parse(json(m)) as object,
    fields: HTTP_FIELDS,
    streamOf: (m) => m.connection.id,
    messages: true,
    firstFrame: (ts) => view.time.start(ts),
    each: (m, out, shown) => {
      shown.add(m.connection.id);
      if (args.quiet) return;
      if (jsonl) out.line(json(m));
      else {
        out.line(httpTextLine(m, view));
        for (const l of bodyLines(m, view)) out.line(l);
      }
    },
    shown: 'HTTP messages',
    // HTTP's own stream.error events are said on stderr as they happen (above).
    showsWarning: (e) => e.type === 'stream.error' && (e as { dissector?: string }).dissector === 'http',
    record: (m) => ({ connection: m.connection, dir: m.dir, type: m.type === 'http.request' ? 'request' : 'response', ts: m.lastTs, json: json(m) }),
  });
}

/**
 * One line for people: time, `#N` (the connection), endpoints with an arrow for the direction
 * (`→` request, client to server; `←` response), the request line or status line, the body
 * length and warning codes.
 *
 * `12:52:12.603548000 #0 127.0.0.1:36674 ← 127.0.0.1:7360 HTTP/1.1 200 OK 24B`
 */
export function httpTextLine(m: HttpRequest | HttpResponse, view: TextView): string {
  const c = m.connection;
  const what =
    m.type === 'http.request'
      ? `${m.method} ${shorten(m.target, view.options.full)} ${m.version}`
      : `${m.version} ${m.status >= 400 ? view.warn(String(m.status)) : m.status}${m.reason ? ' ' + printable(m.reason) : ''}`;
  const warnings = m.diagnostics?.length ? ' ' + view.warn(`[${m.diagnostics.map((d) => d.code).join(',')}]`) : '';
  return `${view.time.format(m.lastTs)} ${view.dim(`#${c.id}`)} ${formatEndpoint(c.client)} ${view.arrow(m.dir)} ${formatEndpoint(c.server)}${viaText(c.via)} ${what} ${m.bodyLength ?? m.body.length}B${warnings}`;
}

/** The body under the line: pretty JSON with `--pretty`, a hexdump of a binary body with `--hexdump`. */
function bodyLines(m: HttpRequest | HttpResponse, view: TextView): string[] {
  if ((!view.options.pretty && view.options.binary !== 'hexdump') || (m.bodyLength ?? m.body.length) === 0) return [];
  const b = decodeHttpBody(m, { maxBytes: view.options.full ? BODY_MAX_FULL : BODY_MAX });
  if (b.text !== undefined) return view.prettyLines(b.text);
  return view.hexdumpLines(b.bytes);
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
