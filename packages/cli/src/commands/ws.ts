import { formatEndpoint, type AppEvent } from '@netrx/core';
import { Observable, type OperatorFunction } from 'rxjs';
import {
  textIsPayload,
  websocketMessageJson,
  websocketWarningJson,
  writeWebSocketMessageJson,
  writeWebSocketWarningJson,
  type WebSocketMessage,
  type WebSocketWarning,
} from '@netrx/dissector-websocket';
import type { CliArgs } from '../args.js';
import type { RunFacts } from '../honest.js';
import { LineBytes, type CliIO, type LineWriter } from '../output.js';
import { runCommand } from '../run.js';
import { hexdump, textViewFor, type TextView } from '../text-view.js';
import { viaText } from '../via-text.js';

/** The fields of `netrx ws --format jsonl` records, for `-Y` (`tunnel`, `tls` and other `via` layers included). */
export const WS_FIELDS: readonly string[] = [
  'ts', 'stream', 'client', 'server', 'tunnel', 'tls', 'dir', 'type', 'length', 'text', 'hex', 'code', 'reason',
  'compressed', 'frames', 'decoded', 'undecodable', 'partial', 'unknownBytes', 'warnings',
];

type WsRecord = WebSocketMessage | WebSocketWarning;

/**
 * `netrx ws`: every WebSocket message of a capture (`-r FILE`) or a live capture (`-i DEVICE`),
 * unmasked, inflated and reassembled, in the order each message's last frame arrived. WebSocket
 * is found on any port by its handshake or by the frame heuristic; `--decode-as
 * tcp.port==N,websocket` forces it. `--format jsonl` writes the JSON contract of DESIGN.md ("The
 * command"); text is one line per message for people. A capture file that breaks part-way is
 * reported after the messages read before the break (exit status 1). `--sink URL` also writes
 * each message to Redis Streams, its JSON line as `json`, its kind as `type`.
 *
 * `--stream N`, `-Y EXPR` and `--max-messages N` choose what is shown; `-z follow,ws,N` shows one
 * connection's whole conversation.
 */
export async function ws(args: CliArgs, io: CliIO): Promise<number> {
  const jsonl = args.format === 'jsonl';
  const view = textViewFor(args, io.stdout);
  const follow = args.follow !== undefined && !jsonl ? new FollowWriter(view) : undefined;
  // --sink: each record's JSON line built as bytes by the code that prints it, sent as they are.
  const lineBytes = args.sink === undefined ? undefined : new LineBytes();
  return runCommand(args, io, {
    // TLS connections that were not decrypted show nothing here: the run's last line counts them.
    stages: (pipeline, facts) => (frames) => frames.pipe(pipeline.events(), recordsSeeingTls(facts)),
    jsonRecord: (m: WsRecord) => JSON.parse(m.type === 'ws.warning' ? websocketWarningJson(m) : websocketMessageJson(m)) as object,
    fields: WS_FIELDS,
    streamOf: (m) => m.connection.id,
    messages: true,
    // A warning is a record of its own, not a message: the summary's count of messages leaves it out.
    counted: (m) => m.type === 'ws.message',
    firstFrame: (ts) => view.time.start(ts),
    each: (m, out, shown) => {
      if (m.type === 'ws.warning') {
        // Findings that belong to no message: a record of their own, never dropped.
        if (args.quiet) return;
        if (follow) follow.warning(m, out);
        else if (jsonl) {
          writeWebSocketWarningJson(m, out);
          out.endLine();
        } else out.line(warningLine(m, view));
        return;
      }
      shown.add(m.connection.id);
      if (args.quiet) return;
      // JSON lines are built in the writer's buffer: the text goes from payload bytes to output.
      if (jsonl) {
        writeWebSocketMessageJson(m, out);
        out.endLine();
      } else if (follow) follow.message(m, out);
      else {
        out.line(textLine(m, view));
        for (const l of payloadLines(m, view)) out.line(l);
      }
    },
    shown: 'WebSocket messages',
    // ws.warning events are records of netrx ws already.
    showsWarning: (e) => e.type === 'ws.warning',
    after: () => follow?.end(args.follow!.stream, io),
    record: (m) => {
      if (m.type === 'ws.warning') {
        writeWebSocketWarningJson(m, lineBytes!);
        return { connection: m.connection, dir: m.dir, type: 'warning', ts: m.lastTs, json: lineBytes!.take() };
      }
      writeWebSocketMessageJson(m, lineBytes!);
      return { connection: m.connection, dir: m.dir, type: m.kind, ts: m.lastTs, json: lineBytes!.take() };
    },
  });
}

/**
 * `websocketRecords()` that also tells `facts` of the other events (TLS connections not
 * decrypted): one stage per event instead of a `tap` and a filter.
 */
function recordsSeeingTls(facts: RunFacts): OperatorFunction<AppEvent, WsRecord> {
  return (events) =>
    new Observable<WsRecord>((subscriber) =>
      events.subscribe({
        next: (e) => {
          if (e.type === 'ws.message' || e.type === 'ws.warning') subscriber.next(e);
          else facts.seeTls(e);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}

/**
 * One line for people: time, `#N` (the connection), client, arrow (`→` client to server, `←`
 * server to client), server, what the connection came through (`[tls]`), type, payload length, marks (`[deflate]` compressed, `[N frames]`,
 * warning codes), then the payload: text (shortened with `… (N chars)` unless `--full`), hex or
 * base64 for binary, code and reason for a close, a payload dissector's summary, or
 * `[undecodable: why]`.
 */
export function textLine(m: WebSocketMessage, view: TextView): string {
  const c = m.connection;
  const head = `${view.time.format(m.lastTs)} ${view.dim(`#${c.id}`)} ${formatEndpoint(c.client)} ${view.arrow(m.dir)} ${formatEndpoint(c.server)}${viaText(c.via)} ${view.kind(m.kind)}`;
  const warnings = m.warnings.length ? ' ' + view.warn(`[${m.warnings.map((w) => w.code).join(',')}]`) : '';
  // A message that could not be decoded has no payload to count: say why instead of "0B".
  if (m.undecodable !== undefined) return `${head}${warnings} ${view.warn(`[undecodable: ${m.undecodable}]`)}`;
  let body: string;
  if (m.decoded !== undefined) body = `${m.decoded.protocol}: ${view.oneLine(m.decoded.summary ?? compactJson(m.decoded.value))}`;
  // The payload's own text: only the part shown is decoded (a 63 MiB message makes no 63 MiB string).
  else if (m.kind === 'text') body = textIsPayload(m) ? view.oneLineUtf8(m.payload) : view.oneLine(m.text ?? '');
  else if (m.kind === 'close') body = m.closeCode === undefined ? '' : `${m.closeCode} ${view.oneLine(m.closeReason ?? '')}`;
  else body = view.inlineBytes(m.payload);
  const flags = `${m.partial ? view.warn(` [partial: ${m.unknownBytes ?? 0} bytes unknown]`) : ''}${m.compressed ? ' [deflate]' : ''}${m.frames > 1 ? ` [${m.frames} frames]` : ''}${warnings}`;
  return `${head} ${m.payload.length}B${flags}${body ? ' ' + body : ''}`;
}

/** A `ws.warning` for people: time, `#N`, client, arrow, server, `warning`, the codes and what they say. */
export function warningLine(w: WebSocketWarning, view: TextView): string {
  const c = w.connection;
  const what = w.warnings.map((d) => `[${d.code}] ${d.message}`).join('; ');
  return `${view.time.format(w.lastTs)} ${view.dim(`#${c.id}`)} ${formatEndpoint(c.client)} ${view.arrow(w.dir)} ${formatEndpoint(c.server)} ${view.warn(`warning ${what}`)}`;
}

/** The lines under a message line: pretty JSON (`--pretty`), a hexdump (`--hexdump`). */
function payloadLines(m: WebSocketMessage, view: TextView): string[] {
  if (m.undecodable !== undefined) return [];
  if (m.kind === 'text') return view.options.pretty ? view.prettyLines(m.text) : [];
  if (m.kind === 'binary' || m.kind === 'ping' || m.kind === 'pong') return view.hexdumpLines(m.payload);
  return [];
}

function compactJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

const RULE = '='.repeat(67);

/**
 * `-z follow,ws,N`, as tshark's `-z follow`: a header naming the two ends, then every message of
 * the connection with its whole payload — text as it is, line ends kept; binary as a hexdump;
 * closes with code and reason; a partial message marked `[partial: N bytes unknown]` — and its
 * warnings (`ws.warning`) where they happen, client's flush left, server's indented by a tab;
 * then the counts.
 */
class FollowWriter {
  private started = false;
  private readonly count = { c2s: 0, s2c: 0 };
  private warnings = 0;

  constructor(private readonly view: TextView) {}

  private header(c: WsRecord['connection'], out: LineWriter): void {
    if (this.started) return;
    this.started = true;
    out.line(RULE);
    out.line(`Follow: ws,${c.id}`);
    out.line(`Client: ${formatEndpoint(c.client)}`);
    out.line(`Server: ${formatEndpoint(c.server)}`);
    if (typeof c.via?.tunnel === 'string') out.line(`Tunnel: ${c.via.tunnel}`);
    out.line(RULE);
  }

  /** A finding that belongs to no message, where it happened in the conversation, on the side it is about. */
  warning(w: WebSocketWarning, out: LineWriter): void {
    this.header(w.connection, out);
    this.warnings++;
    const v = this.view;
    const what = w.warnings.map((d) => `[${d.code}] ${d.message}`).join('; ');
    out.line(`${w.dir === 'c2s' ? '' : '\t'}${v.time.format(w.lastTs)} ${v.arrow(w.dir)} ${v.warn(`warning ${what}`)}`);
  }

  message(m: WebSocketMessage, out: LineWriter): void {
    this.header(m.connection, out);
    this.count[m.dir]++;
    const indent = m.dir === 'c2s' ? '' : '\t';
    // A partial message's unknown bytes read as U+FFFD: say so, as the main view does.
    const flags = `${m.partial ? this.view.warn(` [partial: ${m.unknownBytes ?? 0} bytes unknown]`) : ''}${m.compressed ? ' [deflate]' : ''}${m.frames > 1 ? ` [${m.frames} frames]` : ''}${m.warnings.length ? ' ' + this.view.warn(`[${m.warnings.map((w) => w.code).join(',')}]`) : ''}`;
    const v = this.view;
    if (m.undecodable !== undefined) {
      out.line(`${indent}${v.time.format(m.lastTs)} ${v.arrow(m.dir)} ${v.kind(m.kind)}${flags} ${v.warn(`[undecodable: ${m.undecodable}]`)}`);
      return;
    }
    out.line(`${indent}${v.time.format(m.lastTs)} ${v.arrow(m.dir)} ${v.kind(m.kind)} ${m.payload.length}B${flags}`);
    let body: string[];
    if (m.kind === 'text') body = (m.text ?? '').split('\n');
    else if (m.kind === 'close') body = m.closeCode === undefined ? [] : [`${m.closeCode} ${m.closeReason ?? ''}`];
    else body = hexdump(m.payload);
    for (const l of body) out.line(indent + l);
  }

  end(stream: number, io: CliIO): void {
    if (!this.started) {
      io.stdout.write(`${RULE}\nFollow: ws,${stream}\nno WebSocket messages on connection #${stream}\n${RULE}\n`);
      return;
    }
    const warnings = this.warnings > 0 ? `, ${this.warnings} warning${this.warnings === 1 ? '' : 's'}` : '';
    io.stdout.write(`${RULE}\n${this.count.c2s + this.count.s2c} messages: ${this.count.c2s} client to server, ${this.count.s2c} server to client${warnings}\n${RULE}\n`);
  }
}
