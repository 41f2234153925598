import type { TlsCipherSuite } from './cipher-suites.js';
import type { TlsKeyStore } from './key-store.js';
import { RecordDecrypter } from './record-decrypter.js';
import type { TlsSide } from './tls-side.js';
import { tls12KeyBlock } from './tls12-prf.js';
import { hashLength, tls13NextTrafficSecret, tls13TrafficKeys } from './tls13-key-schedule.js';

/** The protocol version numbers decrypted (RFC 8446 §4.2.1, RFC 5246 §6.2.1). */
export const TLS13 = 0x0304;
export const TLS12 = 0x0303;

/** The keys a direction would use next (TLS 1.3), tried when a record does not open with the current ones. */
export interface NextKeys {
  readonly decrypter: RecordDecrypter;
  readonly secret: Uint8Array;
  /** True: the next generation after a KeyUpdate; false: the application keys after the Finished. */
  readonly update: boolean;
}

/**
 * The key schedule of one connection once its ServerHello chose a version and a supported suite:
 * finds the connection's secrets in the key store by its client random and installs each
 * direction's record keys (TLS 1.3: the handshake traffic keys, with the application traffic
 * secrets kept for after each side's Finished, RFC 8446 §7.1; TLS 1.2: the key block from the
 * master secret, RFC 5246 §6.3), then moves a direction on to its application keys and to each
 * next generation (KeyUpdate, RFC 8446 §7.2).
 *
 * @internal
 */
export class ConnectionKeys {
  /** Keys are needed and not yet found. */
  pending = true;
  /** KeyUpdates seen (or inferred), both directions. */
  keyUpdates = 0;

  constructor(
    /** {@link TLS13} or {@link TLS12}. */
    readonly version: number,
    readonly suite: TlsCipherSuite,
  ) {}

  /**
   * Looks the connection's secrets up in `store`; when all it needs are there, installs the
   * record keys of both directions, clears {@link ConnectionKeys.pending} and returns true.
   * Cheap to call again while they are missing (the store may learn them later).
   */
  install(store: TlsKeyStore | undefined, clientRandom: Uint8Array, serverRandom: Uint8Array, c2s: TlsSide, s2c: TlsSide): boolean {
    if (!this.pending || store === undefined) return false;
    const s = store.get(clientRandom);
    if (s === undefined) return false;
    const suite = this.suite;
    if (this.version === TLS13) {
      const n = hashLength(suite.hash);
      const chs = s.clientHandshakeTrafficSecret;
      const shs = s.serverHandshakeTrafficSecret;
      const cap = s.clientTrafficSecret0;
      const sap = s.serverTrafficSecret0;
      if (chs?.length !== n || shs?.length !== n || cap?.length !== n || sap?.length !== n) return false;
      c2s.decrypter = this.decrypter(chs);
      s2c.decrypter = this.decrypter(shs);
      c2s.appSecret = cap;
      s2c.appSecret = sap;
    } else {
      if (s.masterSecret?.length !== 48) return false;
      const kb = tls12KeyBlock(suite, s.masterSecret, clientRandom, serverRandom);
      c2s.decrypter = new RecordDecrypter(suite, kb.clientKey, kb.clientIv);
      s2c.decrypter = new RecordDecrypter(suite, kb.serverKey, kb.serverIv);
    }
    this.pending = false;
    return true;
  }

  /**
   * `side` sent its Finished: in TLS 1.3 its next records use its application traffic secret
   * (RFC 8446 §7.1; a key change falls on a record boundary, §5.1). In TLS 1.2 application data
   * is expected from here on under the same keys.
   */
  finished(side: TlsSide): void {
    if (this.version === TLS13 && !side.appKeys) side.decrypter = this.decrypter(side.appSecret!);
    side.appKeys = true;
  }

  /** `side` sent a KeyUpdate (TLS 1.3): its next records use the next secret (RFC 8446 §4.6.3, §7.2). */
  keyUpdate(side: TlsSide): void {
    side.appSecret = tls13NextTrafficSecret(this.suite, side.appSecret!);
    side.decrypter = this.decrypter(side.appSecret);
    this.keyUpdates++;
  }

  /** TLS 1.3: the keys `side` would use next (after its Finished, or after a KeyUpdate). */
  next(side: TlsSide): NextKeys | undefined {
    if (this.version !== TLS13 || side.appSecret === undefined) return undefined;
    const secret = side.appKeys ? tls13NextTrafficSecret(this.suite, side.appSecret) : side.appSecret;
    return { decrypter: this.decrypter(secret), secret, update: side.appKeys };
  }

  /** Makes `side` use `next` (a Finished or KeyUpdate was lost and its records open under them). */
  useNext(side: TlsSide, next: NextKeys): void {
    side.decrypter = next.decrypter;
    side.appSecret = next.secret;
    if (next.update) this.keyUpdates++;
    side.appKeys = true;
  }

  /** A TLS 1.3 decrypter for the traffic keys of `secret` (RFC 8446 §7.3). */
  private decrypter(secret: Uint8Array): RecordDecrypter {
    const k = tls13TrafficKeys(this.suite, secret);
    return new RecordDecrypter(this.suite, k.key, k.iv);
  }
}
