import { Observable, type OperatorFunction } from 'rxjs';
import type { AppEvent } from '@netrx/core';
import type { WebSocketFrame, WebSocketMessage, WebSocketWarning } from './types.js';

/**
 * Keeps the `ws.message` events of a `dissectStreams()` output: every WebSocket message, in the
 * order its last frame arrived.
 *
 * @example
 * ```ts
 * fromCaptureFile('chat.pcap')
 *   .pipe(dissect(registry), reassembleTcp(registry), dissectStreams(registry), websocketMessages())
 *   .subscribe((m) => console.log(m.dir, m.kind, m.text));
 * ```
 */
export function websocketMessages(): OperatorFunction<AppEvent, WebSocketMessage> {
  return (source) =>
    new Observable<WebSocketMessage>((subscriber) =>
      source.subscribe({
        next: (ev) => {
          if (ev.type === 'ws.message') subscriber.next(ev);
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}

/**
 * Keeps the `ws.frame` events: one per frame, emitted only when the plugin was made with
 * `createWebSocketPlugin({ frames: true })`.
 *
 * @example
 * ```ts
 * const registry = createRegistry([corePlugin, tcpPlugin, httpPlugin, createWebSocketPlugin({ frames: true })]);
 * events$.pipe(websocketFrames()).subscribe((f) => console.log(f.opcode, f.fin, f.payloadLength));
 * ```
 */
export function websocketFrames(): OperatorFunction<AppEvent, WebSocketFrame> {
  return (source) =>
    new Observable<WebSocketFrame>((subscriber) =>
      source.subscribe({
        next: (ev) => {
          if (ev.type === 'ws.frame') subscriber.next(ev);
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}

/**
 * Keeps the `ws.message` and `ws.warning` events: every message, and the findings that belong to
 * no message (a wrong `Sec-WebSocket-Accept` with no later message, bytes never parsed as frames),
 * which would otherwise be lost. What `netrx ws` prints.
 *
 * @example
 * ```ts
 * events$.pipe(websocketRecords()).subscribe((r) => console.log(r.type === 'ws.warning' ? r.warnings : r.text));
 * ```
 */
export function websocketRecords(): OperatorFunction<AppEvent, WebSocketMessage | WebSocketWarning> {
  return (source) =>
    new Observable<WebSocketMessage | WebSocketWarning>((subscriber) =>
      source.subscribe({
        next: (ev) => {
          if (ev.type === 'ws.message' || ev.type === 'ws.warning') subscriber.next(ev);
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}
