import { formatEndpoint } from '@netrx/core';
import { websocketRecords, writeWebSocketMessageJson, writeWebSocketWarningJson, type WebSocketMessage, type WebSocketWarning } from '@netrx/dissector-websocket';
import type { CliArgs } from '../args.js';
import { LineBytes, type CliIO } from '../output.js';
import { runCommand } from '../run.js';
import { formatTimeOfDay } from '../time.js';

/** Longest payload text output shows without `--full`. */
const SHORT = 120;

/**
 * `netrx ws`: every WebSocket message of a capture (`-r FILE`) or a live capture (`-i DEVICE`),
 * unmasked, inflated and reassembled, in the order each message's last frame arrived. WebSocket
 * is found on any port by its handshake or by the frame heuristic; `--decode-as
 * tcp.port==N,websocket` forces it. `--format jsonl` writes the JSON contract of DESIGN.md ("The
 * command"); text is one line per message for people. A capture file that breaks part-way is
 * reported after the messages read before the break (exit status 1). `--sink URL` also writes
 * each message to Redis Streams, its JSON line as `json`, its kind as `type`.
 */
export async function ws(args: CliArgs, io: CliIO): Promise<number> {
  const jsonl = args.format === 'jsonl';
  // --sink: each record's JSON line built as bytes by the code that prints it, sent as they are.
  const lineBytes = args.sink === undefined ? undefined : new LineBytes();
  return runCommand(args, io, {
    stages: (pipeline) => (frames) => frames.pipe(pipeline.events(), websocketRecords()),
    each: (m, out, shown) => {
      if (m.type === 'ws.warning') {
        // Findings that belong to no message: a record of their own, never dropped.
        if (args.quiet) return;
        if (jsonl) {
          writeWebSocketWarningJson(m, out);
          out.endLine();
        } else out.line(warningLine(m));
        return;
      }
      shown.add(m.connection.id);
      if (args.quiet) return;
      // JSON lines are built in the writer's buffer: the text goes from payload bytes to output.
      if (jsonl) {
        writeWebSocketMessageJson(m, out);
        out.endLine();
      } else out.line(textLine(m, args.full));
    },
    shown: 'WebSocket messages',
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

/** One line for people: time, arrow, endpoints, type, printable payload. */
export function textLine(m: WebSocketMessage, full: boolean): string {
  const c = m.connection;
  const arrow = m.dir === 'c2s' ? '→' : '←';
  const head = `${formatTimeOfDay(m.lastTs)} #${c.id} ${formatEndpoint(c.client)} ${arrow} ${formatEndpoint(c.server)} ${m.kind}`;
  let body: string;
  if (m.undecodable !== undefined) body = `[undecodable: ${m.undecodable}]`;
  else if (m.kind === 'text') body = printable(m.text ?? '', full);
  else if (m.kind === 'close') body = m.closeCode === undefined ? '' : `${m.closeCode} ${printable(m.closeReason ?? '', full)}`;
  else body = hex(m.payload, full);
  const flags = `${m.partial ? ` [partial: ${m.unknownBytes ?? 0} bytes unknown]` : ''}${m.compressed ? ' [deflate]' : ''}${m.frames > 1 ? ` [${m.frames} frames]` : ''}${m.warnings.length ? ` [${m.warnings.map((w) => w.code).join(',')}]` : ''}`;
  return `${head} ${m.payload.length}B${flags}${body ? ' ' + body : ''}`;
}

/** A `ws.warning` for people: time, arrow, endpoints, `warning`, the codes and what they say. */
export function warningLine(w: WebSocketWarning): string {
  const c = w.connection;
  const arrow = w.dir === 'c2s' ? '→' : '←';
  return `${formatTimeOfDay(w.lastTs)} #${c.id} ${formatEndpoint(c.client)} ${arrow} ${formatEndpoint(c.server)} warning ${w.warnings.map((d) => `[${d.code}] ${d.message}`).join('; ')}`;
}

function printable(s: string, full: boolean): string {
  // Control characters would break the one-line-per-message layout.
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\u0000-\u001f\u007f]/g, (ch) => (ch === '\n' ? '⏎' : '·'));
  return full || clean.length <= SHORT ? clean : `${clean.slice(0, SHORT)}… (${clean.length} chars)`;
}

function hex(b: Uint8Array, full: boolean): string {
  const n = full ? b.length : Math.min(b.length, SHORT / 2);
  const h = Buffer.from(b.buffer, b.byteOffset, n).toString('hex');
  return n < b.length ? `${h}…` : h;
}
