/**
 * `@netrx/dissector-websocket`: RFC 6455 frames and messages on reassembled TCP streams,
 * permessage-deflate (RFC 7692), the `ws.protocol`/`ws.port` tables and `ws` heuristics for
 * payload dissectors, and the `websocketMessages()`/`websocketFrames()` operators.
 *
 * @packageDocumentation
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
} from './types.js';
export { readFrameHeader, isPlausibleHeader } from './websocket-frame-header.js';
export type { FramePlausibility } from './websocket-frame-header.js';
export { WebSocketFrameParser, unmask } from './websocket-frame-parser.js';
export type { FrameParserOptions, FrameSink, ParsedFrame } from './websocket-frame-parser.js';
export { findFrameRun } from './websocket-resync.js';
export type { FrameRunResult, FrameRunRules } from './websocket-resync.js';
export { MessageInflater, parsePerMessageDeflate } from './permessage-deflate.js';
export type { DeflateParams, InflateResult } from './permessage-deflate.js';
export { WebSocketMessageAssembler } from './websocket-message-assembler.js';
export type { AssemblerOptions, AssemblerOwner, CompressionState } from './websocket-message-assembler.js';
export { acceptKey, isValidCloseCode } from './websocket-validation.js';
export { probeWebSocket, WS_PROBE_BYTES } from './websocket-probe.js';
export { looksLikeMaskedWebSocketFrame, websocketClientDecider } from './websocket-client-decider.js';
export { WebSocketStreamDissector, createWebSocketFactory } from './websocket-dissector.js';
export { createWebSocketPlugin, websocketPlugin } from './websocket-plugin.js';
export { websocketFrames, websocketMessages } from './websocket-operators.js';
export { websocketJsonLines, websocketMessageJson, writeWebSocketMessageJson } from './websocket-json.js';
export type { JsonLineSink } from './websocket-json.js';
