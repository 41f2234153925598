import { Observable, type OperatorFunction } from 'rxjs';
import { connectionJsonFields, formatTimestamp, timestampSecond, type Connection, type Diagnostic } from '@netrx/core';
import { utf8Text } from './bytes.js';
import { textIsPayload, textIsUtf8Payload } from './lazy-text.js';
import { forEachUtf8Piece } from './utf8-pieces.js';
import type { WebSocketMessage, WebSocketMessageKind, WebSocketWarning } from './types.js';

/** Where {@link writeWebSocketMessageJson} puts a line (the CLI's `LineWriter` is one). */
export interface JsonLineSink {
  /** Appends a string. */
  text(s: string): void;
  /** Appends valid UTF-8 bytes as the inside of a JSON string, escaped as `JSON.stringify` would. */
  jsonStringBody(utf8: Uint8Array): void;
  /** Appends UTF-8 bytes as they are. */
  bytes(utf8: Uint8Array): void;
  /** Appends a non-negative integer's decimal digits, zero-padded to `width`. */
  digits(n: number, width?: number): void;
  /** Appends bytes as lower-case hex. */
  hex(bytes: Uint8Array): void;
}

/**
 * Text that is not valid UTF-8 and larger than this is decoded and written to the sink in pieces
 * of this many bytes: a 63 MiB message is never one string, and the sink can pass each piece on.
 */
export const JSON_PIECE_BYTES = 64 * 1024;

const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');

/**
 * The bytes of a line between the timestamp and the message kind, by connection and direction:
 * `",` + `"stream":…,"client":…,"server":…` (and `via` fields) + `,"dir":"c2s","type":"`. Made
 * once per connection; every message's line copies them.
 */
const connectionBytes = new WeakMap<Connection, { readonly c2s: Uint8Array; readonly s2c: Uint8Array }>();
/** `text","length":` and the like, by message kind. */
const KIND_BYTES: Readonly<Record<WebSocketMessageKind, Uint8Array>> = {
  text: utf8('text","length":'),
  binary: utf8('binary","length":'),
  ping: utf8('ping","length":'),
  pong: utf8('pong","length":'),
  close: utf8('close","length":'),
};
const HEX_OPEN = utf8(',"hex":"');
const TEXT_OPEN = utf8(',"text":"');
const QUOTE = utf8('"');
const CLOSE = utf8('}');
const COMPRESSED = utf8(',"compressed":true,"frames":');
const UNCOMPRESSED = utf8(',"compressed":false,"frames":');

/** The seconds last written (core's `timestampSecond` text) and `{"ts":"<seconds>.` as bytes: messages mostly share them. */
let tsSecond = '';
let tsOpen = utf8('{"ts":"');

/** `{"ts":"<seconds>.<nanoseconds>` — the text {@link formatTimestamp} makes, written as digits. */
function writeTimestamp(ns: bigint, sink: JsonLineSink): void {
  const second = timestampSecond(ns);
  if (second === undefined) {
    sink.text(`{"ts":"${formatTimestamp(ns)}`);
    return;
  }
  if (second !== tsSecond) {
    tsSecond = second;
    tsOpen = utf8(`{"ts":"${second}`);
  }
  sink.bytes(tsOpen);
  sink.digits(Number(ns % 1_000_000_000n), 9);
}

function connectionPart(c: Connection, dir: 'c2s' | 's2c'): Uint8Array {
  let parts = connectionBytes.get(c);
  if (parts === undefined) {
    const fields = connectionJsonFields(c);
    parts = { c2s: utf8(`",${fields},"dir":"c2s","type":"`), s2c: utf8(`",${fields},"dir":"s2c","type":"`) };
    connectionBytes.set(c, parts);
  }
  return parts[dir];
}

/**
 * Writes a message as one line of the `netrx ws --format jsonl` contract (the fields are listed at
 * {@link websocketMessageJson}, which is this line made a string) into `sink`, without the line
 * end. The contract is written here only. Valid UTF-8 text goes from the payload bytes straight to
 * the sink, escaped there, and is never made a JS string; binary payloads go to the sink as hex
 * without a string either; the constant parts and the connection's are bytes made once. What the
 * CLI writes.
 *
 * @example
 * ```ts
 * writeWebSocketMessageJson(message, lineWriter); // the CLI's LineWriter: the line's bytes, in its output buffer
 * // the same bytes as Buffer.from(websocketMessageJson(message))
 * ```
 */
export function writeWebSocketMessageJson(m: WebSocketMessage, sink: JsonLineSink): void {
  const p = m.payload;
  writeTimestamp(m.lastTs, sink);
  sink.bytes(connectionPart(m.connection, m.dir));
  sink.bytes(KIND_BYTES[m.kind]);
  sink.digits(p.length);
  if (m.undecodable !== undefined) sink.text(`,"undecodable":${JSON.stringify(m.undecodable)}`);
  else if (m.kind !== 'text') {
    sink.bytes(HEX_OPEN);
    sink.hex(p);
    sink.bytes(QUOTE);
  } else if (p.length > 0 && textIsUtf8Payload(m)) {
    // The text is the payload decoded (RFC 6455 §5.6), so its JSON is the payload's bytes escaped
    // and the text is never made.
    sink.bytes(TEXT_OPEN);
    sink.jsonStringBody(p);
    sink.bytes(QUOTE);
  } else if (p.length > JSON_PIECE_BYTES && textIsPayload(m)) {
    // Large and not valid UTF-8: decoded and escaped piece by piece, cut where the pieces decode
    // to exactly the whole's text (U+FFFD for the same bytes), never one string.
    sink.bytes(TEXT_OPEN);
    forEachUtf8Piece(p, JSON_PIECE_BYTES, (t) => sink.text(JSON.stringify(t).slice(1, -1)));
    sink.bytes(QUOTE);
  } else sink.text(`,"text":${JSON.stringify(m.text ?? '')}`);
  if (m.kind === 'close' && m.closeCode !== undefined) sink.text(`,"code":${m.closeCode},"reason":${JSON.stringify(m.closeReason ?? '')}`);
  sink.bytes(m.compressed ? COMPRESSED : UNCOMPRESSED);
  sink.digits(m.frames);
  let tail = '';
  if (m.partial) tail += `,"partial":true,"unknownBytes":${m.unknownBytes ?? 0}`;
  const decoded = m.decoded === undefined ? undefined : (JSON.stringify(m.decoded) as string | undefined);
  if (decoded !== undefined) tail += `,"decoded":${decoded}`;
  if (m.warnings.length > 0) tail += `,"warnings":${JSON.stringify(warningsJson(m.warnings))}`;
  if (tail !== '') sink.text(tail);
  sink.bytes(CLOSE);
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

  bytes(utf8: Uint8Array): void {
    this.line += utf8Text(utf8);
  }

  digits(n: number, width = 1): void {
    this.line += String(n).padStart(width, '0');
  }

  hex(bytes: Uint8Array): void {
    this.line += Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
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
