import { Observable, type OperatorFunction } from 'rxjs';
import { formatEndpoint, formatTimestamp } from '@netrx/core';
import type { WebSocketMessage } from './types.js';

/**
 * A message as one line of the `netrx ws --format jsonl` contract (DESIGN.md "The command"):
 * `ts` (of the last frame), `stream`, `client`, `server`, `dir`, `type`, `length`, then `text`
 * for text or `hex` for the rest, `code` and `reason` for closes, `compressed`, `frames`, and
 * `undecodable` (instead of a payload) and `warnings` (codes and messages) when there are any.
 *
 * @example
 * ```ts
 * websocketMessageJson(message);
 * // {"ts":"1700000000.123456789","stream":0,"client":"127.0.0.1:60653","server":"127.0.0.1:7272",
 * //  "dir":"c2s","type":"text","length":11,"text":"hi, all ！","compressed":false,"frames":1}
 * ```
 */
export function websocketMessageJson(m: WebSocketMessage): string {
  const c = m.connection;
  const o: Record<string, unknown> = {
    ts: formatTimestamp(m.lastTs),
    stream: c.id,
    client: formatEndpoint(c.client),
    server: formatEndpoint(c.server),
    dir: m.dir,
    type: m.kind,
    length: m.payload.length,
  };
  if (m.undecodable !== undefined) o.undecodable = m.undecodable;
  else if (m.kind === 'text') o.text = m.text ?? '';
  else o.hex = Buffer.from(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength).toString('hex');
  if (m.kind === 'close' && m.closeCode !== undefined) {
    o.code = m.closeCode;
    o.reason = m.closeReason ?? '';
  }
  o.compressed = m.compressed;
  o.frames = m.frames;
  if (m.decoded !== undefined) o.decoded = m.decoded;
  if (m.warnings.length > 0) o.warnings = m.warnings.map((w) => (w.offset === undefined ? { code: w.code, message: w.message } : { code: w.code, message: w.message, offset: w.offset }));
  return JSON.stringify(o);
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
