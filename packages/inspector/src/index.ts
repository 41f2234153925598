/**
 * `@netrx/inspector`: a page to look at WebSocket traffic instead of lines to read. A sink for any
 * netrx pipeline ({@link serveInspector}) that keeps the messages in a bounded ring and serves the
 * page (connections, handshakes, messages with filters, detail, timeline, NDJSON and HAR export)
 * on 127.0.0.1 below an unguessable token, live over server-sent events.
 *
 * @packageDocumentation
 * @module @netrx/inspector
 */
export { serveInspector } from './serve-inspector.js';
export type { Inspector, ServeInspectorOptions } from './serve-inspector.js';
export { runInspector } from './run-inspector.js';
export type { RunInspectorOptions } from './run-inspector.js';
export { keepConnectionEvents } from './keep-connection-events.js';
export { yieldToEventLoop } from './yield-to-event-loop.js';
export type { InspectorInput, InspectorStoreOptions, SourceStatus } from './inspector-store.js';
export type { MessageRingLimits } from './message-ring.js';
export type { ConnectionState, ConnectionView, HandshakeView } from './connection-view.js';
export { connectionHar } from './har.js';
export type { HarWebSocketMessage, MessageLines } from './har.js';
