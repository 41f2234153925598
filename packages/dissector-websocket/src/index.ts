/**
 * `@netrx/dissector-websocket`: RFC 6455 frames and messages on reassembled TCP streams,
 * permessage-deflate (RFC 7692), the `ws.protocol`/`ws.port` tables and `ws` heuristics for
 * payload dissectors, and the `websocketMessages()`/`websocketFrames()` operators.
 *
 * @packageDocumentation
 * @module @netrx/dissector-websocket
 */
export { Opcode } from './types.js';
export type {
  DecodedPayload,
  WebSocketFrame,
  WebSocketFrameHeader,
  WebSocketMessage,
  WebSocketMessageKind,
  WebSocketOptions,
  WebSocketPayloadDissector,
  WebSocketWarning,
} from './types.js';
export { WebSocketCodes } from './websocket-codes.js';
export type { WebSocketCode } from './websocket-codes.js';
export { acceptKey, isValidCloseCode } from './websocket-validation.js';
export { websocketClientDecider } from './websocket-client-decider.js';
export { createWebSocketFactory, DEFAULT_MAX_MESSAGE } from './websocket-dissector.js';
export { textIsPayload } from './lazy-text.js';
export { utf8TextPreview } from './utf8-pieces.js';
export { inflateContextBytes } from './message-inflater.js';
export { createWebSocketPlugin, websocketPlugin } from './websocket-plugin.js';
export { websocketFrames, websocketMessages, websocketRecords } from './websocket-operators.js';
export { websocketJsonLines, websocketMessageJson, websocketWarningJson, writeWebSocketMessageJson, writeWebSocketWarningJson } from './websocket-json.js';
export type { JsonLineSink } from './websocket-json.js';
