const codes = {
  WARN_WS_ACCEPT_MISMATCH: 'the handshake’s Sec-WebSocket-Accept does not match its Sec-WebSocket-Key, or one of them is missing (RFC 6455 §4.1, §4.2.2)',
  WARN_WS_EXTENSION: 'the 101 response’s Sec-WebSocket-Extensions is malformed (RFC 6455 §9.1) or its permessage-deflate parameters are wrong (RFC 7692 §7.1)',
  WARN_WS_GAP: 'bytes were not captured where a frame header was due: frames are searched for again',
  WARN_WS_BAD_HEADER: 'a frame header no peer may send (a reserved opcode, a 64-bit length over 2^53): frames are searched for again (RFC 6455 §5.2)',
  WARN_WS_RESYNC: 'frames were found again after bytes that could not be parsed as frames',
  WARN_WS_UNCONFIRMED: 'messages of unmasked frames were not shown: without a handshake, only proven masked (client) frames confirm a connection is WebSocket',
  WARN_WS_UNPARSED: 'bytes searched for frames where none was proven before the connection ended or a gap: no message is shown for them',
  WARN_WS_CLIENT_UNMASKED: 'a client frame is not masked (RFC 6455 §5.1)',
  WARN_WS_SERVER_MASKED: 'a server frame is masked (RFC 6455 §5.1)',
  WARN_WS_RSV: 'an RSV bit is set that no negotiated extension defines, or RSV1 on a control or continuation frame (RFC 6455 §5.2, RFC 7692 §6.1)',
  WARN_WS_CONTROL_TOO_LONG: 'a control frame has a payload over 125 bytes (RFC 6455 §5.5)',
  WARN_WS_CONTROL_FRAGMENTED: 'a control frame has FIN clear (RFC 6455 §5.5)',
  WARN_WS_UNEXPECTED_CONTINUATION: 'a continuation frame with no message to continue (RFC 6455 §5.4)',
  WARN_WS_INTERRUPTED_MESSAGE: 'a new data message began before the previous one’s final fragment (RFC 6455 §5.4)',
  WARN_WS_INVALID_UTF8: 'a text message or close reason is not valid UTF-8 (RFC 6455 §5.6, §8.1)',
  WARN_WS_CLOSE_PAYLOAD: 'a close frame with a 1-byte payload (RFC 6455 §5.5.1)',
  WARN_WS_MEMORY: 'the memory budget refused what a message needed (its inflate context, its inflated bytes, its fragments or a frame split across packets): the message is undecodable',
  WARN_WS_CLOSE_CODE: 'a close status code that may not be sent (RFC 6455 §7.4)',
} as const;

/** A stable code of a WebSocket diagnostic (all are warnings: nothing here stops a connection). */
export type WebSocketCode = keyof typeof codes;

/**
 * Every {@link WebSocketCode} the WebSocket dissector puts on a message's `warnings` (or on the
 * next message, for findings between messages), with what it means. Programs match on the code;
 * the diagnostic's `message` says the details for people and may change.
 *
 * @example
 * ```ts
 * for (const w of message.warnings) console.log(w.code, WebSocketCodes[w.code as WebSocketCode]);
 * ```
 */
export const WebSocketCodes: Readonly<Record<WebSocketCode, string>> = codes;
