import { createHmac } from 'node:crypto';
import type { TlsCipherSuite } from './cipher-suites.js';
import type { TlsHash } from './tls13-key-schedule.js';

const encoder = new TextEncoder();

/**
 * The TLS 1.2 PRF (RFC 5246 §5): `P_hash(secret, label + seed)` cut to `length` bytes, where
 * `P_hash` chains `A(i) = HMAC(secret, A(i-1))` from `A(0) = seed` and outputs
 * `HMAC(secret, A(i) + seed)` for i = 1, 2, …
 */
export function tls12Prf(hash: TlsHash, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Uint8Array {
  const labelBytes = encoder.encode(label);
  const fullSeed = new Uint8Array(labelBytes.length + seed.length);
  fullSeed.set(labelBytes);
  fullSeed.set(seed, labelBytes.length);
  const out = new Uint8Array(length);
  let a: Uint8Array = fullSeed;
  for (let pos = 0; pos < length; ) {
    a = new Uint8Array(createHmac(hash, secret).update(a).digest());
    const block = createHmac(hash, secret).update(a).update(fullSeed).digest();
    const take = Math.min(block.length, length - pos);
    out.set(block.subarray(0, take), pos);
    pos += take;
  }
  return out;
}

/** The write keys and IVs of both directions of a TLS 1.2 connection. */
export interface Tls12KeyBlock {
  readonly clientKey: Uint8Array;
  readonly serverKey: Uint8Array;
  readonly clientIv: Uint8Array;
  readonly serverIv: Uint8Array;
}

/**
 * The key block of a TLS 1.2 AEAD suite (RFC 5246 §6.3): `PRF(master_secret, "key expansion",
 * server_random + client_random)`, cut into client and server MAC keys (none for AEAD suites),
 * write keys and IVs, in that order.
 */
export function tls12KeyBlock(suite: TlsCipherSuite, masterSecret: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): Tls12KeyBlock {
  const seed = new Uint8Array(64);
  seed.set(serverRandom.subarray(0, 32));
  seed.set(clientRandom.subarray(0, 32), 32);
  const k = suite.keyLength;
  const iv = suite.ivLength;
  const block = tls12Prf(suite.hash, masterSecret, 'key expansion', seed, 2 * k + 2 * iv);
  return {
    clientKey: block.subarray(0, k),
    serverKey: block.subarray(k, 2 * k),
    clientIv: block.subarray(2 * k, 2 * k + iv),
    serverIv: block.subarray(2 * k + iv, 2 * k + 2 * iv),
  };
}
