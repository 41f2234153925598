import { cipherSuite, cipherSuiteName } from './cipher-suites.js';
import { parseClientHello, type ClientHello } from './client-hello.js';
import { ConnectionKeys, TLS12, TLS13 } from './connection-keys.js';
import { versionName } from './hello-reader.js';
import { parseEncryptedExtensionsAlpn, parseServerHello, type ServerHello } from './server-hello.js';
import { TlsNotDecryptedReasons, type TlsNotDecryptedReason } from './tls-codes.js';
import type { TlsInfo } from './types.js';

/** What reading one hello message came to, for the connection to act on. */
export type HelloOutcome =
  /** Read; nothing changes for the records. */
  | { readonly kind: 'read' }
  /** Not where one is expected: skipped (a warning). */
  | { readonly kind: 'skipped'; readonly message: string }
  /** Could not be parsed: the connection is not decrypted. */
  | { readonly kind: 'malformed'; readonly why: string }
  /** The connection will not be decrypted, for this reason. */
  | { readonly kind: 'not-decrypted'; readonly reason: TlsNotDecryptedReason; readonly text: string }
  /** The final ServerHello chose a supported version and suite: the connection's key schedule. */
  | { readonly kind: 'decided'; readonly keys: ConnectionKeys };

const READ: HelloOutcome = { kind: 'read' };

/**
 * What the handshake of one connection negotiated, read from its hello messages: the ClientHello
 * (client random, SNI, ALPN offered, PSK and early data offered), the ServerHello or
 * HelloRetryRequest (version, suite, ALPN in TLS 1.2), TLS 1.3's EncryptedExtensions (ALPN), and
 * whether the session was resumed. Each message's outcome tells the connection what to do.
 *
 * @internal
 */
export class TlsHandshake {
  clientHello: ClientHello | undefined;
  serverHello: ServerHello | undefined;
  /** Whether the server asked for a second ClientHello (RFC 8446 §4.1.4). */
  helloRetryRequest = false;
  /** The final ServerHello was read: version and suite are known. */
  decided = false;
  /** The final ServerHello's version (0 before it). */
  version = 0;
  suiteId: number | undefined;
  alpn: string | undefined;
  resumed = false;

  /** A ClientHello's body (a view valid during the call). */
  clientHelloMessage(body: Uint8Array): HelloOutcome {
    const ch = parseClientHello(body);
    if (typeof ch === 'string') return { kind: 'malformed', why: ch };
    if (this.clientHello !== undefined && !this.helloRetryRequest) return { kind: 'skipped', message: 'a second ClientHello without a HelloRetryRequest: skipped' };
    this.clientHello = ch;
    return READ;
  }

  /** A ServerHello's body (a view valid during the call). */
  serverHelloMessage(body: Uint8Array): HelloOutcome {
    if (this.decided) return { kind: 'skipped', message: 'a second ServerHello: skipped' };
    const sh = parseServerHello(body);
    if (typeof sh === 'string') return { kind: 'malformed', why: sh };
    this.serverHello = sh;
    this.suiteId = sh.cipherSuite;
    if (sh.helloRetryRequest) {
      // The client answers with a second ClientHello; the next ServerHello decides.
      this.helloRetryRequest = true;
      return READ;
    }
    this.version = sh.version;
    const ch = this.clientHello;
    if (ch === undefined) return notDecrypted('handshake-not-captured', 'the ClientHello was not captured, so the client random is unknown');
    this.alpn = sh.alpn;
    this.decided = true;
    if (sh.version !== TLS13 && sh.version !== TLS12) {
      return notDecrypted('unsupported-version', `${TlsNotDecryptedReasons['unsupported-version']}: ${versionName(sh.version)}`);
    }
    const suite = cipherSuite(sh.cipherSuite);
    if (suite === undefined || suite.version !== versionName(sh.version)) {
      return notDecrypted('unsupported-suite', `${TlsNotDecryptedReasons['unsupported-suite']}: ${cipherSuiteName(sh.cipherSuite)} with ${versionName(sh.version)}`);
    }
    // TLS 1.3 resumes with a PSK; TLS 1.2 by echoing the session id (RFC 5246 §7.4.1.3).
    this.resumed = sh.version === TLS13 ? ch.psk : sh.sessionId.length > 0 && Buffer.compare(sh.sessionId, ch.sessionId) === 0;
    return { kind: 'decided', keys: new ConnectionKeys(sh.version, suite) };
  }

  /** TLS 1.3 EncryptedExtensions' body: where the server's ALPN choice is (RFC 8446 §4.3.1). */
  encryptedExtensionsMessage(body: Uint8Array): HelloOutcome {
    const alpn = parseEncryptedExtensionsAlpn(body);
    if (typeof alpn === 'object' && alpn !== null) return { kind: 'malformed', why: alpn.malformed };
    if (alpn !== null) this.alpn = alpn;
    return READ;
  }

  /** The connection's {@link TlsInfo}, once decided, with its suite's name. */
  info(suite: string): TlsInfo {
    const sni = this.clientHello?.serverName;
    return { version: versionName(this.version), suite, ...(sni !== undefined ? { sni } : {}) };
  }
}

function notDecrypted(reason: TlsNotDecryptedReason, text: string): HelloOutcome {
  return { kind: 'not-decrypted', reason, text };
}
