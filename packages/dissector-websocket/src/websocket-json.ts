import { Observable, type OperatorFunction } from 'rxjs';
import { connectionJsonFields, formatTimestamp, type Connection, type Diagnostic } from '@netrx/core';
import { utf8Text } from './bytes.js';
import { textIsPayload, textIsUtf8Payload } from './lazy-text.js';
import { forEachUtf8Piece } from './utf8-pieces.js';
import type { WebSocketMessage, WebSocketWarning } from './types.js';

/** Where {@link writeWebSocketMessageJson} puts a line (the CLI's `LineWriter` is one). */
export interface JsonLineSink {
  /** Appends a string. */
  text(s: string): void;
  /** Appends valid UTF-8 bytes as the inside of a JSON string, escaped as `JSON.stringify` would. */
  jsonStringBody(utf8: Uint8Array): void;
}

/**
 * Payloads larger than this are written to the sink in pieces of this many bytes (their hex, their
 * text): a 63 MiB message is never one 126 MiB hex string, and the sink can pass each piece on.
 */
export const JSON_PIECE_BYTES = 64 * 1024;

/** `"stream":…,"client":…,"server":…` of a connection, made once per connection object. */
const connectionJson = new WeakMap<Connection, string>();

/**
 * Writes a message as one line of the `netrx ws --format jsonl` contract (the fields are listed at
 * {@link websocketMessageJson}, which is this line made a string) into `sink`, without the line
 * end. The contract is written here only. Valid UTF-8 text goes from the payload bytes straight to
 * the sink, escaped there, and is never made a JS string; the connection's part is made once per
 * connection. What the CLI writes.
 *
 * @example
 * ```ts
 * let line = '';
 * const sink = { text: (s: string) => (line += s), jsonStringBody: (b: Uint8Array) => (line += JSON.stringify(Buffer.from(b).toString()).slice(1, -1)) };
 * writeWebSocketMessageJson(message, sink); // line === websocketMessageJson(message)
 * ```
 */
export function writeWebSocketMessageJson(m: WebSocketMessage, sink: JsonLineSink): void {
  const c = m.connection;
  let conn = connectionJson.get(c);
  if (conn === undefined) {
    conn = connectionJsonFields(c);
    connectionJson.set(c, conn);
  }
  const p = m.payload;
  let head = `{"ts":"${formatTimestamp(m.lastTs)}",${conn},"dir":"${m.dir}","type":"${m.kind}","length":${p.length},`;
  if (m.undecodable !== undefined) head += `"undecodable":${JSON.stringify(m.undecodable)}`;
  else if (m.kind !== 'text') {
    const b = Buffer.from(p.buffer, p.byteOffset, p.byteLength);
    if (p.length <= JSON_PIECE_BYTES) head += `"hex":"${b.toString('hex')}"`;
    else {
      // Large: the hex in pieces, each handed to the sink as it is made.
      sink.text(head + '"hex":"');
      for (let o = 0; o < p.length; o += JSON_PIECE_BYTES) sink.text(b.toString('hex', o, Math.min(p.length, o + JSON_PIECE_BYTES)));
      head = '"';
    }
  } else if (p.length > 0 && textIsUtf8Payload(m)) {
    // The text is the payload decoded (RFC 6455 §5.6), so its JSON is the payload's bytes escaped
    // and the text is never made.
    sink.text(head + '"text":"');
    sink.jsonStringBody(p);
    head = '"';
  } else if (p.length > JSON_PIECE_BYTES && textIsPayload(m)) {
    // Large and not valid UTF-8: decoded and escaped piece by piece, cut where the pieces decode
    // to exactly the whole's text (U+FFFD for the same bytes), never one string.
    sink.text(head + '"text":"');
    forEachUtf8Piece(p, JSON_PIECE_BYTES, (t) => sink.text(JSON.stringify(t).slice(1, -1)));
    head = '"';
  } else head += `"text":${JSON.stringify(m.text ?? '')}`;
  if (m.kind === 'close' && m.closeCode !== undefined) head += `,"code":${m.closeCode},"reason":${JSON.stringify(m.closeReason ?? '')}`;
  head += `,"compressed":${m.compressed},"frames":${m.frames}`;
  if (m.partial) head += `,"partial":true,"unknownBytes":${m.unknownBytes ?? 0}`;
  const decoded = m.decoded === undefined ? undefined : (JSON.stringify(m.decoded) as string | undefined);
  if (decoded !== undefined) head += `,"decoded":${decoded}`;
  if (m.warnings.length > 0) head += `,"warnings":${JSON.stringify(warningsJson(m.warnings))}`;
  sink.text(head + '}');
}

/**
 * Writes a `ws.warning` (findings that belong to no message) as one line of the `netrx ws --format
 * jsonl` contract: `ts`, `stream`, `client`, `server`, `dir`, `"type":"warning"`, `warnings`
 * (codes, messages, offsets), without the line end.
 *
 * @example
 * ```ts
 * writeWebSocketWarningJson(w, sink);
 * // {"ts":"…","stream":0,"client":"…","server":"…","dir":"c2s","type":"warning","warnings":[{"code":"WARN_WS_ACCEPT_MISMATCH",…}]}
 * ```
 */
export function writeWebSocketWarningJson(w: WebSocketWarning, sink: JsonLineSink): void {
  sink.text(websocketWarningJson(w));
}

/** A `ws.warning` as its JSON line (see {@link writeWebSocketWarningJson}), made a string. */
export function websocketWarningJson(w: WebSocketWarning): string {
  return `{"ts":"${formatTimestamp(w.lastTs)}",${connectionJsonFields(w.connection)},"dir":"${w.dir}","type":"warning","warnings":${JSON.stringify(warningsJson(w.warnings))}}`;
}

function warningsJson(warnings: readonly Diagnostic[]): object[] {
  return warnings.map((w) => (w.offset === undefined ? { code: w.code, message: w.message } : { code: w.code, message: w.message, offset: w.offset }));
}

/**
 * A message as one line of the `netrx ws --format jsonl` contract (DESIGN.md "The command"):
 * `ts` (of the last frame), `stream`, `client`, `server`, `dir`, `type`, `length`, then `text`
 * for text or `hex` for the rest, `code` and `reason` for closes, `compressed`, `frames`,
 * `partial` and `unknownBytes` when compressed history that was not captured left bytes unknown,
 * `decoded` when a payload dissector decoded it, and `undecodable` (instead of a payload) and
 * `warnings` (codes and messages) when there are any. The same line as
 * {@link writeWebSocketMessageJson} writes, made a string.
 *
 * @example
 * ```ts
 * websocketMessageJson(message);
 * // {"ts":"1700000000.123456789","stream":0,"client":"127.0.0.1:60653","server":"127.0.0.1:7272",
 * //  "dir":"c2s","type":"text","length":11,"text":"hi, all ！","compressed":false,"frames":1}
 * ```
 */
export function websocketMessageJson(m: WebSocketMessage): string {
  const sink = new StringSink();
  writeWebSocketMessageJson(m, sink);
  return sink.line;
}

/** A {@link JsonLineSink} that makes the line a string. */
class StringSink implements JsonLineSink {
  line = '';

  text(s: string): void {
    this.line += s;
  }

  jsonStringBody(utf8: Uint8Array): void {
    this.line += JSON.stringify(utf8Text(utf8)).slice(1, -1);
  }
}

/**
 * Turns messages into JSON lines ({@link websocketMessageJson}), one string per message.
 *
 * @example
 * ```ts
 * events$.pipe(websocketMessages(), websocketJsonLines()).subscribe((line) => process.stdout.write(line + '\n'));
 * ```
 */
export function websocketJsonLines(): OperatorFunction<WebSocketMessage, string> {
  return (source) =>
    new Observable<string>((subscriber) =>
      source.subscribe({
        next: (m) => subscriber.next(websocketMessageJson(m)),
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}
