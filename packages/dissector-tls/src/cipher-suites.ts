/** The AEAD algorithms this package decrypts, by their Node `crypto` names. */
export type TlsAead = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';

/** A cipher suite this package can decrypt: what its records and keys are made of. */
export interface TlsCipherSuite {
  /** The IANA code point (`0x1301`). */
  readonly id: number;
  /** The IANA name (`TLS_AES_128_GCM_SHA256`). */
  readonly name: string;
  /** The protocol version it belongs to: TLS 1.3 suites name no key exchange. */
  readonly version: 'TLSv1.3' | 'TLSv1.2';
  readonly aead: TlsAead;
  /** The hash of HKDF (TLS 1.3) or of the PRF (TLS 1.2), as Node names it. */
  readonly hash: 'sha256' | 'sha384';
  /** Bytes of the write key. */
  readonly keyLength: number;
  /**
   * Bytes of the write IV the key schedule yields: 12 for TLS 1.3 and for ChaCha20 in TLS 1.2
   * (RFC 7905 §2); 4 (the implicit "salt") for AES-GCM in TLS 1.2 (RFC 5288 §3).
   */
  readonly ivLength: number;
  /**
   * Bytes of explicit nonce each record carries before its ciphertext: 8 for AES-GCM in TLS 1.2
   * (RFC 5288 §3), 0 otherwise.
   */
  readonly explicitNonceLength: number;
}

const suites: readonly TlsCipherSuite[] = [
  // RFC 8446 §B.4.
  { id: 0x1301, name: 'TLS_AES_128_GCM_SHA256', version: 'TLSv1.3', aead: 'aes-128-gcm', hash: 'sha256', keyLength: 16, ivLength: 12, explicitNonceLength: 0 },
  { id: 0x1302, name: 'TLS_AES_256_GCM_SHA384', version: 'TLSv1.3', aead: 'aes-256-gcm', hash: 'sha384', keyLength: 32, ivLength: 12, explicitNonceLength: 0 },
  { id: 0x1303, name: 'TLS_CHACHA20_POLY1305_SHA256', version: 'TLSv1.3', aead: 'chacha20-poly1305', hash: 'sha256', keyLength: 32, ivLength: 12, explicitNonceLength: 0 },
  // RFC 5289 §3.2 (ECDHE with AES-GCM; the PRF hash is the suite's) and RFC 7905 (ChaCha20).
  { id: 0xc02b, name: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', version: 'TLSv1.2', aead: 'aes-128-gcm', hash: 'sha256', keyLength: 16, ivLength: 4, explicitNonceLength: 8 },
  { id: 0xc02c, name: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', version: 'TLSv1.2', aead: 'aes-256-gcm', hash: 'sha384', keyLength: 32, ivLength: 4, explicitNonceLength: 8 },
  { id: 0xc02f, name: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', version: 'TLSv1.2', aead: 'aes-128-gcm', hash: 'sha256', keyLength: 16, ivLength: 4, explicitNonceLength: 8 },
  { id: 0xc030, name: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', version: 'TLSv1.2', aead: 'aes-256-gcm', hash: 'sha384', keyLength: 32, ivLength: 4, explicitNonceLength: 8 },
  { id: 0xcca8, name: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', version: 'TLSv1.2', aead: 'chacha20-poly1305', hash: 'sha256', keyLength: 32, ivLength: 12, explicitNonceLength: 0 },
  { id: 0xcca9, name: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', version: 'TLSv1.2', aead: 'chacha20-poly1305', hash: 'sha256', keyLength: 32, ivLength: 12, explicitNonceLength: 0 },
];

const byId = new Map<number, TlsCipherSuite>(suites.map((s) => [s.id, s]));

/** The cipher suites this package decrypts, by IANA id. */
export const TLS_CIPHER_SUITES: ReadonlyMap<number, TlsCipherSuite> = byId;

/** The suite with this IANA id, if this package can decrypt it. */
export function cipherSuite(id: number): TlsCipherSuite | undefined {
  return byId.get(id);
}

// Names of common suites this package does not decrypt, so a report can name what was chosen.
const otherNames: ReadonlyMap<number, string> = new Map([
  [0x1304, 'TLS_AES_128_CCM_SHA256'],
  [0x1305, 'TLS_AES_128_CCM_8_SHA256'],
  [0x002f, 'TLS_RSA_WITH_AES_128_CBC_SHA'],
  [0x0035, 'TLS_RSA_WITH_AES_256_CBC_SHA'],
  [0x003c, 'TLS_RSA_WITH_AES_128_CBC_SHA256'],
  [0x003d, 'TLS_RSA_WITH_AES_256_CBC_SHA256'],
  [0x009c, 'TLS_RSA_WITH_AES_128_GCM_SHA256'],
  [0x009d, 'TLS_RSA_WITH_AES_256_GCM_SHA384'],
  [0x009e, 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256'],
  [0x009f, 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384'],
  [0xccaa, 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256'],
  [0xc009, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA'],
  [0xc00a, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA'],
  [0xc013, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'],
  [0xc014, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA'],
  [0xc023, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256'],
  [0xc024, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384'],
  [0xc027, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256'],
  [0xc028, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384'],
  [0xc0ac, 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM'],
  [0xc0ad, 'TLS_ECDHE_ECDSA_WITH_AES_256_CCM'],
]);

/** The IANA name of a suite id when known (decryptable or not), else `0x....` in hex. */
export function cipherSuiteName(id: number): string {
  return byId.get(id)?.name ?? otherNames.get(id) ?? `0x${id.toString(16).padStart(4, '0')}`;
}
