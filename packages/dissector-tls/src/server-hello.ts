import { copyBytes } from '@netrx/core';
import { ExtensionType, HelloReader, readAlpn, readExtensions } from './hello-reader.js';

/**
 * The random of a HelloRetryRequest: SHA-256 of "HelloRetryRequest" (RFC 8446 §4.1.3). A
 * ServerHello with it asks the client for a second ClientHello.
 */
export const HELLO_RETRY_REQUEST_RANDOM: Uint8Array = Uint8Array.from(
  Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex'),
);

/** What the dissector reads from a ServerHello (RFC 8446 §4.1.3, RFC 5246 §7.4.1.3). */
export interface ServerHello {
  /** `legacy_version`. */
  readonly legacyVersion: number;
  /** The version chosen: `supported_versions` when present (TLS 1.3), else `legacy_version`. */
  readonly version: number;
  /** The 32-byte server random (a copy). */
  readonly random: Uint8Array;
  /** The session id echoed (a copy). */
  readonly sessionId: Uint8Array;
  /** The cipher suite chosen. */
  readonly cipherSuite: number;
  /** The ALPN protocol chosen, when in the ServerHello (TLS 1.2; TLS 1.3 sends it encrypted). */
  readonly alpn?: string;
  /** Whether this is a HelloRetryRequest rather than a ServerHello. */
  readonly helloRetryRequest: boolean;
}

/** Parses a ServerHello body (after the 4-byte handshake header); a string says why it is malformed. */
export function parseServerHello(body: Uint8Array): ServerHello | string {
  const r = new HelloReader(body);
  const legacyVersion = r.u16();
  const random = copyBytes(r.bytes(32));
  // Copies (not slice: on a Buffer view of capture data that is a view, keeping the chunk alive).
  const sessionId = copyBytes(r.vector(1));
  const cipherSuite = r.u16();
  r.u8(); // compression method
  if (r.bad) return 'ServerHello is cut short before its extensions';
  let version = legacyVersion;
  let alpn: string | undefined;
  if (r.left > 0) {
    const exts = readExtensions(r);
    if (exts === undefined) return 'ServerHello extensions are malformed';
    for (const e of exts) {
      if (e.type === ExtensionType.supportedVersions) {
        // In a ServerHello it is the one version chosen (RFC 8446 §4.2.1).
        if (e.data.length !== 2) return 'ServerHello supported_versions is not one version';
        version = (e.data[0]! << 8) | e.data[1]!;
      } else if (e.type === ExtensionType.alpn) {
        const list = readAlpn(e.data);
        if (list === undefined || list.length !== 1) return 'ServerHello ALPN extension is not one protocol';
        alpn = list[0];
      }
    }
  }
  const helloRetryRequest = Buffer.compare(random, HELLO_RETRY_REQUEST_RANDOM) === 0;
  return { legacyVersion, version, random, sessionId, cipherSuite, alpn, helloRetryRequest };
}

/**
 * The ALPN protocol an EncryptedExtensions body (RFC 8446 §4.3.1) selects: its id, `null` when it
 * selects none, or `{ malformed }` saying what is wrong with the body.
 */
export function parseEncryptedExtensionsAlpn(body: Uint8Array): string | null | { readonly malformed: string } {
  const r = new HelloReader(body);
  const exts = readExtensions(r);
  if (exts === undefined) return { malformed: 'EncryptedExtensions is malformed' };
  for (const e of exts) {
    if (e.type !== ExtensionType.alpn) continue;
    const list = readAlpn(e.data);
    if (list === undefined || list.length !== 1) return { malformed: 'EncryptedExtensions ALPN is not one protocol' };
    return list[0]!;
  }
  return null;
}
