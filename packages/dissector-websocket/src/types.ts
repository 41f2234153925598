import type { AppEventBase, Diagnostic } from '@netrx/core';

/** The opcodes of RFC 6455 §5.2 (others are reserved). */
export const Opcode = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

/** What a message is: its opcode, by name. */
export type WebSocketMessageKind = 'text' | 'binary' | 'ping' | 'pong' | 'close';

/** One frame's header as read off the wire (RFC 6455 §5.2). */
export interface WebSocketFrameHeader {
  readonly fin: boolean;
  /** RSV1..RSV3 as a 3-bit number: RSV1 = 4 (permessage-deflate's "compressed" bit), RSV2 = 2, RSV3 = 1. */
  readonly rsv: number;
  readonly opcode: number;
  readonly masked: boolean;
  /** The masking key as an unsigned 32-bit number (0 when not masked). */
  readonly maskKey: number;
  /** Payload length from the header. */
  readonly payloadLength: number;
  /** Header length: 2 to 14 bytes. */
  readonly headerLength: number;
}

/**
 * A WebSocket frame, emitted as `ws.frame` when the dissector was asked for frames. `payload` is
 * unmasked and still compressed when RSV1 is set; it is the dissector's own buffer.
 */
export interface WebSocketFrame extends AppEventBase, WebSocketFrameHeader {
  readonly type: 'ws.frame';
  /** Stream offset of the frame's first header byte in its direction. */
  readonly streamOffset: number;
  readonly payload: Uint8Array;
  /** Why the payload is incomplete (a capture gap, a cap), if it is. */
  readonly incomplete?: string;
}

/**
 * A WebSocket message, emitted as `ws.message`: fragments joined, unmasked and inflated. Control
 * frames (ping, pong, close) are messages of their own.
 */
export interface WebSocketMessage extends AppEventBase {
  readonly type: 'ws.message';
  readonly kind: WebSocketMessageKind;
  /** The payload after unmasking, reassembly and inflation (empty when `undecodable`). */
  readonly payload: Uint8Array;
  /** The payload as text, for text messages (lossy when the UTF-8 was invalid: see `warnings`); decoded when first read. */
  readonly text?: string;
  /** Close status code, when the close frame carried one. */
  readonly closeCode?: number;
  readonly closeReason?: string;
  /** Whether the message was sent compressed (permessage-deflate, RSV1 on its first frame). */
  readonly compressed: boolean;
  /** Number of frames the message was made of. */
  readonly frames: number;
  /** Why the payload could not be decoded; when set, `payload` and `text` are empty. */
  readonly undecodable?: string;
  /**
   * Set when the message copies compressed history that was not captured (permessage-deflate with
   * context takeover, no handshake or after a gap): `unknownBytes` of the payload are not known
   * and read as 0 (U+FFFD in `text`); the rest is exactly what was sent.
   */
  readonly partial?: boolean;
  /** How many bytes of a `partial` message's payload are unknown. */
  readonly unknownBytes?: number;
  /** RFC violations and other findings that did not stop decoding. */
  readonly warnings: readonly Diagnostic[];
  /** The subprotocol negotiated in the handshake (`Sec-WebSocket-Protocol`), if any. */
  readonly protocol?: string;
  /** What a payload dissector made of the message (see {@link WebSocketPayloadDissector}). */
  readonly decoded?: DecodedPayload;
}

/**
 * Findings that belong to no message, emitted as `ws.warning` rather than lost: a wrong
 * `Sec-WebSocket-Accept` on a connection with no later message in that direction, bytes skipped
 * by a resynchronisation or never parsed as frames when the connection ended (DESIGN: "a
 * diagnostic that belongs to no message is a record of its own").
 */
export interface WebSocketWarning extends AppEventBase {
  readonly type: 'ws.warning';
  readonly warnings: readonly Diagnostic[];
}

/** A payload dissector's result, attached to the message. */
export interface DecodedPayload {
  /** The payload dissector's name. */
  readonly protocol: string;
  readonly value: unknown;
  /** One line for people about the value, from the payload dissector's `summarize` (what `netrx ws` text output shows). */
  readonly summary?: string;
}

/**
 * Decodes WebSocket message payloads of one application protocol (a chat's JSON, STOMP…).
 * Registered in the `ws.protocol` table (by `Sec-WebSocket-Protocol`), the `ws.port` table (by
 * server port) or the `ws` heuristic list. Without one, text stays text and binary stays bytes.
 *
 * @example
 * ```ts
 * const chatJson: WebSocketPayloadDissector = {
 *   name: 'chat',
 *   decode: (m) => (m.kind === 'text' && m.text?.startsWith('{') ? JSON.parse(m.text) : undefined),
 * };
 * registry.table('ws.port').add(7272, chatJson);
 * ```
 */
export interface WebSocketPayloadDissector {
  readonly name: string;
  /**
   * Returns the decoded value, or undefined when the payload is not this protocol (for a
   * heuristic, that is a reject). Must not throw; a throw counts as undefined.
   */
  decode(message: WebSocketMessage): unknown;
  /**
   * Optional: one line for people about a value `decode` returned (`mynick says "hi"`), kept as
   * the message's `decoded.summary`. Must not throw; a throw or a non-string means no summary.
   */
  summarize?(value: unknown, message: WebSocketMessage): string;
}

declare module '@netrx/core' {
  interface AppEventMap {
    'ws.frame': WebSocketFrame;
    'ws.message': WebSocketMessage;
    'ws.warning': WebSocketWarning;
  }
  interface DissectorTables {
    /** `Sec-WebSocket-Protocol` value (exactly as the 101 response gave it: subprotocol names are case-sensitive) → payload dissector. */
    'ws.protocol': WebSocketPayloadDissector;
    /** Server port → payload dissector. */
    'ws.port': WebSocketPayloadDissector;
  }
  interface HeuristicLists {
    /** Payload heuristics: tried in order on each message of a connection with no table match. */
    ws: WebSocketPayloadDissector;
  }
}

/** Limits and switches of the WebSocket dissector. All sizes are in bytes. */
export interface WebSocketOptions {
  /** Largest frame payload kept; a larger frame is skipped and its message reported undecodable. Default 64 MiB. */
  readonly maxFramePayload?: number;
  /** Largest message (joined, and after inflation); larger ones are undecodable. Default 64 MiB. */
  readonly maxMessageSize?: number;
  /** Emit a `ws.frame` event per frame as well as `ws.message`. Default false. */
  readonly frames?: boolean;
}
