import { createHash, createHmac } from 'node:crypto';
import type { TlsCipherSuite } from './cipher-suites.js';

/** A hash as Node names it, for HKDF and the TLS 1.2 PRF. */
export type TlsHash = 'sha256' | 'sha384';

/** Output length of a hash in bytes. */
export function hashLength(hash: TlsHash): number {
  return hash === 'sha256' ? 32 : 48;
}

/** HKDF-Extract (RFC 5869 §2.2): HMAC-Hash(salt, IKM); an empty salt is HashLen zero bytes. */
export function hkdfExtract(hash: TlsHash, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  const key = salt.length === 0 ? new Uint8Array(hashLength(hash)) : salt;
  return new Uint8Array(createHmac(hash, key).update(ikm).digest());
}

/**
 * HKDF-Expand (RFC 5869 §2.3): T(i) = HMAC-Hash(PRK, T(i-1) | info | i), concatenated and cut
 * to `length` (at most 255 hash lengths).
 */
export function hkdfExpand(hash: TlsHash, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const n = hashLength(hash);
  if (length > 255 * n) throw new RangeError(`HKDF-Expand: ${length} bytes is more than 255 hash lengths`);
  const out = new Uint8Array(length);
  let prev: Uint8Array = new Uint8Array(0);
  for (let i = 1, pos = 0; pos < length; i++) {
    prev = new Uint8Array(createHmac(hash, prk).update(prev).update(info).update(Uint8Array.of(i)).digest());
    out.set(prev.subarray(0, Math.min(n, length - pos)), pos);
    pos += n;
  }
  return out;
}

const encoder = new TextEncoder();

/**
 * HKDF-Expand-Label (RFC 8446 §7.1): HKDF-Expand with the `HkdfLabel` structure as info — the
 * output length (uint16), the label prefixed with `"tls13 "` (opaque<7..255>) and the context
 * (opaque<0..255>).
 */
export function hkdfExpandLabel(hash: TlsHash, secret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
  const full = encoder.encode(`tls13 ${label}`);
  const info = new Uint8Array(2 + 1 + full.length + 1 + context.length);
  info[0] = length >>> 8;
  info[1] = length & 0xff;
  info[2] = full.length;
  info.set(full, 3);
  info[3 + full.length] = context.length;
  info.set(context, 4 + full.length);
  return hkdfExpand(hash, secret, info, length);
}

/** Derive-Secret (RFC 8446 §7.1): HKDF-Expand-Label(secret, label, Transcript-Hash(messages), Hash.length). */
export function deriveSecret(hash: TlsHash, secret: Uint8Array, label: string, messages: Uint8Array): Uint8Array {
  const transcript = new Uint8Array(createHash(hash).update(messages).digest());
  return hkdfExpandLabel(hash, secret, label, transcript, hashLength(hash));
}

/** The write key and IV of one direction. */
export interface TrafficKeys {
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
}

/**
 * The record protection key and IV a TLS 1.3 traffic secret yields (RFC 8446 §7.3):
 * `HKDF-Expand-Label(secret, "key", "", key_length)` and `(secret, "iv", "", iv_length)`.
 */
export function tls13TrafficKeys(suite: TlsCipherSuite, secret: Uint8Array): TrafficKeys {
  const none = new Uint8Array(0);
  return { key: hkdfExpandLabel(suite.hash, secret, 'key', none, suite.keyLength), iv: hkdfExpandLabel(suite.hash, secret, 'iv', none, suite.ivLength) };
}

/**
 * The next application traffic secret after a KeyUpdate (RFC 8446 §7.2):
 * `HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "", Hash.length)`.
 */
export function tls13NextTrafficSecret(suite: TlsCipherSuite, secret: Uint8Array): Uint8Array {
  return hkdfExpandLabel(suite.hash, secret, 'traffic upd', new Uint8Array(0), hashLength(suite.hash));
}
