import { streamErrorEvent, type AppEventBase, type Diagnostic, type Direction, type StreamContext } from '@netrx/core';
import type { HttpRequestHead, HttpResponseHead } from './http-head.js';
import type { ParsedHttpMessage } from './http-message-parser.js';
import type { HttpRequest, HttpResponse } from './types.js';

/** What events are stamped with: connection, direction, first and last times and frames. */
export type EventBase = Pick<AppEventBase, 'connection' | 'dir' | 'firstTs' | 'lastTs' | 'firstFrame' | 'lastFrame'>;

/** The fields requests and responses share, from a parsed message. */
function messageFields(msg: ParsedHttpMessage) {
  return {
    version: msg.head.version,
    headers: msg.head.headers,
    rawHead: msg.rawHead,
    body: msg.body,
    bodyLength: msg.bodyLength,
    trailers: msg.trailers,
    streamOffset: msg.streamOffset,
    diagnostics: msg.diagnostics.length ? msg.diagnostics : undefined,
  };
}

/** The `http.request` event of a parsed request (`head` is `msg.head`, narrowed). */
export function requestEvent(msg: ParsedHttpMessage, head: HttpRequestHead, base: EventBase): HttpRequest {
  return { type: 'http.request', ...base, ...messageFields(msg), method: head.method, target: head.target };
}

/** The `http.response` event of a parsed response (`head` is `msg.head`, narrowed), paired with `request` when it is known. */
export function responseEvent(msg: ParsedHttpMessage, head: HttpResponseHead, base: EventBase, request: HttpRequest | undefined): HttpResponse {
  return { type: 'http.response', ...base, ...messageFields(msg), status: head.status, reason: head.reason, request };
}

/** Times and frames of the first and last packet a `stream.error` concerns. */
export interface Span {
  readonly firstTs: bigint;
  readonly lastTs: bigint;
  readonly firstFrame: number;
  readonly lastFrame: number;
}

/** Emits the HTTP dissector's `stream.error` for a diagnostic on one direction of the connection. */
export function emitStreamError(ctx: StreamContext, dir: Direction, span: Span, diagnostic: Diagnostic): void {
  ctx.emit(streamErrorEvent(ctx.connection, dir, 'http', diagnostic, span.firstTs, span.firstFrame, span.lastTs, span.lastFrame));
}
