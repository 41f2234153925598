import { copyBytes } from '@netrx/core';
import { ExtensionType, HelloReader, readAlpn, readExtensions } from './hello-reader.js';

/** What the dissector reads from a ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2). */
export interface ClientHello {
  /** `legacy_version` (0x0303 for TLS 1.2 and 1.3). */
  readonly legacyVersion: number;
  /** The 32-byte client random (a copy): the key log's key for this connection. */
  readonly random: Uint8Array;
  /** The legacy session id (a copy; empty when none). */
  readonly sessionId: Uint8Array;
  /** Offered cipher suites, in the client's order. */
  readonly cipherSuites: readonly number[];
  /** The server name (SNI host name, RFC 6066 §3), if sent. */
  readonly serverName?: string;
  /** The ALPN protocols offered (RFC 7301), if any. */
  readonly alpn?: readonly string[];
  /** The versions of `supported_versions` (RFC 8446 §4.2.1), if sent. */
  readonly supportedVersions?: readonly number[];
  /** Whether a `session_ticket` extension (RFC 5077) with a ticket was sent. */
  readonly sessionTicket: boolean;
  /** Whether a TLS 1.3 PSK (`pre_shared_key`) was offered: a resumption attempt. */
  readonly psk: boolean;
  /** Whether the client offered 0-RTT data (`early_data`). */
  readonly earlyData: boolean;
}

const latin1 = new TextDecoder('latin1');

/** Parses a ClientHello body (after the 4-byte handshake header); a string says why it is malformed. */
export function parseClientHello(body: Uint8Array): ClientHello | string {
  const r = new HelloReader(body);
  const legacyVersion = r.u16();
  const random = copyBytes(r.bytes(32));
  // Copies (not slice: on a Buffer view of capture data that is a view, keeping the chunk alive).
  const sessionId = copyBytes(r.vector(1));
  const suitesBytes = r.vector(2);
  r.vector(1); // compression methods
  if (r.bad) return 'ClientHello is cut short before its extensions';
  if (sessionId.length > 32) return `ClientHello session id is ${sessionId.length} bytes (at most 32)`;
  if (suitesBytes.length % 2 !== 0) return 'ClientHello cipher suite list has an odd length';
  const cipherSuites: number[] = [];
  for (let i = 0; i < suitesBytes.length; i += 2) cipherSuites.push((suitesBytes[i]! << 8) | suitesBytes[i + 1]!);
  let serverName: string | undefined;
  let alpn: string[] | undefined;
  let supportedVersions: number[] | undefined;
  let sessionTicket = false;
  let psk = false;
  let earlyData = false;
  // Extensions are optional before TLS 1.3 (RFC 5246 §7.4.1.2).
  if (r.left > 0) {
    const exts = readExtensions(r);
    if (exts === undefined) return 'ClientHello extensions are malformed';
    for (const e of exts) {
      switch (e.type) {
        case ExtensionType.serverName: {
          const list = new HelloReader(e.data).sub(2);
          while (list.left > 0 && !list.bad) {
            const kind = list.u8();
            const name = list.vector(2);
            if (kind === 0 && !list.bad && serverName === undefined) serverName = latin1.decode(name);
          }
          break;
        }
        case ExtensionType.alpn:
          alpn = readAlpn(e.data);
          if (alpn === undefined) return 'ClientHello ALPN extension is malformed';
          break;
        case ExtensionType.supportedVersions: {
          const v = new HelloReader(e.data).vector(1);
          supportedVersions = [];
          for (let i = 0; i + 1 < v.length; i += 2) supportedVersions.push((v[i]! << 8) | v[i + 1]!);
          break;
        }
        case ExtensionType.sessionTicket:
          sessionTicket = e.data.length > 0;
          break;
        case ExtensionType.preSharedKey:
          psk = true;
          break;
        case ExtensionType.earlyData:
          earlyData = true;
          break;
      }
    }
  }
  return {
    legacyVersion,
    random,
    sessionId,
    cipherSuites,
    serverName,
    alpn,
    supportedVersions,
    sessionTicket,
    psk,
    earlyData,
  };
}
