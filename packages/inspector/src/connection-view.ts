import type { CloseReason, Direction } from '@netrx/core';

/** A handshake message as the page shows it: its start line and headers as they were on the wire. */
export interface HandshakeView {
  /** Timestamp of its last byte, `seconds.nanoseconds`. */
  readonly ts: string;
  /** `GET /chat HTTP/1.1`, `HTTP/1.1 101 Switching Protocols`. */
  readonly startLine: string;
  readonly headers: readonly (readonly [name: string, value: string])[];
}

/**
 * Where a WebSocket connection is: `handshake` (upgrade request seen, no answer yet), `failed` (the
 * server answered the upgrade with something other than 101), `open`, `closing` (one side sent a
 * close frame), `closed` (both did, or the TCP connection ended).
 */
export type ConnectionState = 'handshake' | 'failed' | 'open' | 'closing' | 'closed';

/** One connection as the inspector reports it (the page's connection list, `GET api/connections`). */
export interface ConnectionView {
  /** The connection's `stream` number, as in the messages' JSON lines. */
  readonly id: number;
  readonly client: string;
  readonly server: string;
  /** Request target of the upgrade request. */
  readonly path?: string;
  /** `Host` header of the upgrade request. */
  readonly host?: string;
  /** Negotiated subprotocol (`Sec-WebSocket-Protocol` of the 101, or the messages'). */
  readonly protocol?: string;
  /** Negotiated extensions (`Sec-WebSocket-Extensions` of the 101). */
  readonly extensions?: string;
  /** TLS parameters when the connection came through TLS (as the messages' `tls`). */
  readonly tls?: unknown;
  readonly state: ConnectionState;
  /** When it opened (the 101, or its first message when the capture started mid-connection). */
  readonly opened?: string;
  /** When it closed (the second close frame, or the end of the TCP connection). */
  readonly closed?: string;
  /** How the TCP connection ended (`end`: the capture ended first). */
  readonly tcpClose?: CloseReason;
  /** Code and reason of the first close frame, and who sent it. */
  readonly closeCode?: number;
  readonly closeReason?: string;
  readonly closedBy?: Direction;
  /** Messages and payload bytes per direction, counting evicted messages. */
  readonly messages: Readonly<Record<Direction, number>>;
  readonly bytes: Readonly<Record<Direction, number>>;
  readonly request?: HandshakeView;
  readonly response?: HandshakeView;
  /** No handshake was captured (the capture started mid-connection). */
  readonly midstream?: boolean;
  /** Findings about the connection that belong to no message (a dissector stopped on it). */
  readonly errors?: readonly { readonly code: string; readonly message: string }[];
}
