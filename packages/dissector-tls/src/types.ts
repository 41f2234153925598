import type { AppEventBase, Connection, ConnectionVia, Diagnostic, Direction, StreamContext, StreamDissector, StreamDissectorFactory } from '@netrx/core';
import type { TlsNotDecryptedReason } from './tls-codes.js';

/**
 * The TLS facts of a decrypted connection, carried as `via.tls` by the connection its plaintext
 * dissectors see (see {@link TlsConnection}), so every event built from the plaintext says it came
 * through TLS: JSON lines get `"tls":{"version":…,"suite":…,"sni":…}` after `server`.
 */
export type TlsInfo = {
  /** `TLSv1.3` or `TLSv1.2`. */
  readonly version: string;
  /** The IANA name of the cipher suite (`TLS_AES_128_GCM_SHA256`). */
  readonly suite: string;
  /** The server name the client asked for (SNI), if any. */
  readonly sni?: string;
};

/**
 * The connection a TLS connection's plaintext dissectors are given: the TCP connection (same id,
 * endpoints and roles) with `via.tls` added to what it already came through.
 */
export interface TlsConnection extends Connection {
  readonly via: ConnectionVia & { readonly tls: TlsInfo };
}

/** The TLS facts of a connection (its `via.tls`), if its events came through TLS. */
export function tlsInfo(connection: Connection): TlsInfo | undefined {
  const v = connection.via?.['tls'];
  return typeof v === 'object' ? (v as TlsInfo) : undefined;
}

/** Counters of one direction of a TLS connection. */
export interface TlsDirectionStats {
  /** Records seen (plaintext and protected). */
  records: number;
  /** Bytes of records seen, headers included. */
  bytes: number;
  /** Application data bytes decrypted and handed to the next dissector. */
  plaintextBytes: number;
  /** Protected records that did not authenticate (each became a gap). */
  authFailures: number;
  /** Records that could not be read: held past the limit, lost in a gap, or after decryption stopped. */
  undecrypted: number;
}

/**
 * Emitted once per TLS connection, when it ends: what it negotiated, whether it was decrypted
 * and, when not, why; records and bytes per direction. Built without its plaintext.
 */
export interface TlsConnectionEvent extends AppEventBase {
  readonly type: 'tls.connection';
  /** The server name of the ClientHello (SNI), if any. */
  readonly sni?: string;
  /** The ALPN protocols the client offered. */
  readonly alpnOffered?: readonly string[];
  /** The ALPN protocol chosen, if known. */
  readonly alpn?: string;
  /** `TLSv1.3`, `TLSv1.2`…, once the ServerHello was seen. */
  readonly version?: string;
  /** The cipher suite's IANA name (or its id in hex), once the ServerHello was seen. */
  readonly suite?: string;
  /** The client random as hex: what a key log line must name. */
  readonly clientRandom?: string;
  /** Whether the server asked for a second ClientHello (HelloRetryRequest). */
  readonly helloRetryRequest: boolean;
  /** Whether the handshake resumed a session (TLS 1.2 session id or ticket; TLS 1.3 PSK offered). */
  readonly resumed: boolean;
  /** KeyUpdates seen (TLS 1.3), both directions. */
  readonly keyUpdates: number;
  /** Whether the application data was decrypted (every record that authenticated was handed on). */
  readonly decrypted: boolean;
  /** Why not, when `decrypted` is false. */
  readonly reason?: TlsNotDecryptedReason;
  /** The reason in words, with details (the suite's name, the client random). */
  readonly reasonText?: string;
  /** Counters per direction. */
  readonly stats: Readonly<Record<Direction, Readonly<TlsDirectionStats>>>;
  /** Diagnostics about this connection (the first ones; see `warningCount`). */
  readonly warnings: readonly Diagnostic[];
  /** How many diagnostics there were in all. */
  readonly warningCount: number;
}

declare module '@netrx/core' {
  interface AppEventMap {
    'tls.connection': TlsConnectionEvent;
  }
}

/**
 * Runs the dissection of a decrypted byte stream: given the plaintext's context (whose
 * connection is a {@link TlsConnection}) and, when ALPN named a protocol, the dissector it
 * prefers, returns the dissector that gets the plaintext. `createStreamDispatch` of
 * `@netrx/dissector-tcp` is meant to be one; tests pass a recorder or a factory's `create`.
 */
export type InnerDispatch = (ctx: StreamContext, preferred?: StreamDissectorFactory) => StreamDissector;
