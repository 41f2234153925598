import { createDecipheriv, type DecipherGCM, type DecipherChaCha20Poly1305 } from 'node:crypto';
import type { TlsCipherSuite } from './cipher-suites.js';

/** Bytes of the authentication tag of every AEAD this package decrypts. */
export const AEAD_TAG_LENGTH = 16;

/** What decrypting one record gave. */
export type DecryptedRecord =
  /** Authenticated: the content type (the inner one, for TLS 1.3) and the plaintext. */
  | { readonly ok: true; readonly type: number; readonly plaintext: Uint8Array }
  /**
   * Not usable: `auth` (the tag did not verify: wrong key, wrong sequence number or damaged
   * bytes), `short` (too few bytes for nonce and tag), `no-type` (a TLS 1.3 record that is all
   * padding), `too-long` (plaintext over 2^14 bytes, RFC 8446 §5.2 / RFC 5246 §6.2.3).
   */
  | { readonly ok: false; readonly reason: 'auth' | 'short' | 'no-type' | 'too-long' };

/** Largest plaintext fragment (RFC 8446 §5.1, RFC 5246 §6.2.1). */
const MAX_PLAINTEXT = 1 << 14;

const DECIPHER_OPTIONS = { authTagLength: AEAD_TAG_LENGTH } as const;

/**
 * Decrypts the protected records of one direction of one connection with one key: AES-GCM or
 * ChaCha20-Poly1305, with the nonce and additional data of TLS 1.3 (RFC 8446 §5.2–5.3) or TLS 1.2
 * (RFC 5288 §3 for AES-GCM's explicit nonce, RFC 7905 §2 for ChaCha20's nonce from the sequence
 * number; RFC 5246 §6.2.3.3 for the additional data). The sequence number starts at 0 and counts
 * every record given to {@link RecordDecrypter.decrypt}, authenticated or not, as the sender's did.
 *
 * Each record gets a Node decipher of its own: a GCM or ChaCha20-Poly1305 decipher takes one nonce
 * for its life. That costs about 2–3 µs per record, most of it making the native object, not
 * decrypting. Measured against it in the whole pipeline (the bench's wss:// capture): one AES-ECB
 * cipher kept per key for the counter blocks, with GHASH in JavaScript over Shoup's 8-bit or 4-bit
 * tables for records up to 192 or 256 bytes, took more CPU, not less.
 */
export class RecordDecrypter {
  /** The sequence number of the next record. */
  seq = 0;
  private readonly nonce: Uint8Array;
  private readonly aad: Uint8Array;
  private readonly tls13: boolean;

  constructor(
    /** The connection's suite. */
    readonly suite: TlsCipherSuite,
    private readonly key: Uint8Array,
    private readonly iv: Uint8Array,
  ) {
    this.tls13 = suite.version === 'TLSv1.3';
    this.nonce = new Uint8Array(12);
    this.aad = new Uint8Array(this.tls13 ? 5 : 13);
  }

  /**
   * Decrypts one record: its header's `type`, `version` and `fragment` (the bytes after the
   * 5-byte header). The result's plaintext is a new buffer. Advances the sequence number.
   */
  decrypt(type: number, version: number, fragment: Uint8Array): DecryptedRecord {
    const seq = this.seq++;
    return this.decryptAt(seq, type, version, fragment);
  }

  /** Decrypts one record as if it had sequence number `seq`, without changing {@link RecordDecrypter.seq}. */
  decryptAt(seq: number, type: number, version: number, fragment: Uint8Array): DecryptedRecord {
    const explicit = this.suite.explicitNonceLength;
    const ctLength = fragment.length - explicit - AEAD_TAG_LENGTH;
    if (ctLength < 0) return { ok: false, reason: 'short' };
    const nonce = this.nonce;
    if (explicit > 0) {
      // AES-GCM in TLS 1.2: salt from the key block, then the record's explicit nonce.
      nonce.set(this.iv.subarray(0, 4));
      nonce.set(fragment.subarray(0, explicit), 4);
    } else {
      // The IV XOR the 64-bit sequence number, left-padded with zeros (RFC 8446 §5.3, RFC 7905 §2).
      nonce.set(this.iv);
      const hi = Math.floor(seq / 0x1_0000_0000);
      const lo = seq >>> 0;
      nonce[4]! ^= hi >>> 24;
      nonce[5]! ^= (hi >>> 16) & 0xff;
      nonce[6]! ^= (hi >>> 8) & 0xff;
      nonce[7]! ^= hi & 0xff;
      nonce[8]! ^= lo >>> 24;
      nonce[9]! ^= (lo >>> 16) & 0xff;
      nonce[10]! ^= (lo >>> 8) & 0xff;
      nonce[11]! ^= lo & 0xff;
    }
    const aad = this.aad;
    if (this.tls13) {
      // The record header as sent (RFC 8446 §5.2): opaque_type, legacy_record_version, length.
      aad[0] = type;
      aad[1] = version >>> 8;
      aad[2] = version & 0xff;
      aad[3] = fragment.length >>> 8;
      aad[4] = fragment.length & 0xff;
    } else {
      // seq_num + type + version + length of the plaintext (RFC 5246 §6.2.3.3).
      const hi = Math.floor(seq / 0x1_0000_0000);
      const lo = seq >>> 0;
      aad[0] = hi >>> 24;
      aad[1] = (hi >>> 16) & 0xff;
      aad[2] = (hi >>> 8) & 0xff;
      aad[3] = hi & 0xff;
      aad[4] = lo >>> 24;
      aad[5] = (lo >>> 16) & 0xff;
      aad[6] = (lo >>> 8) & 0xff;
      aad[7] = lo & 0xff;
      aad[8] = type;
      aad[9] = version >>> 8;
      aad[10] = version & 0xff;
      aad[11] = ctLength >>> 8;
      aad[12] = ctLength & 0xff;
    }
    const ciphertext = fragment.subarray(explicit, explicit + ctLength);
    const tag = fragment.subarray(explicit + ctLength);
    let plaintext: Uint8Array;
    try {
      const aead = this.suite.aead;
      let d: DecipherGCM | DecipherChaCha20Poly1305;
      if (aead === 'chacha20-poly1305') {
        const c = createDecipheriv(aead, this.key, nonce, DECIPHER_OPTIONS);
        c.setAAD(aad, { plaintextLength: ctLength });
        d = c;
      } else {
        const g: DecipherGCM = createDecipheriv(aead, this.key, nonce, DECIPHER_OPTIONS);
        // No options object: plaintextLength is for CCM (Node's setAAD), and one per record costs.
        g.setAAD(aad);
        d = g;
      }
      d.setAuthTag(tag);
      const head = d.update(ciphertext);
      const tail = d.final();
      plaintext = tail.length === 0 ? head : Buffer.concat([head, tail]);
    } catch {
      return { ok: false, reason: 'auth' };
    }
    if (!this.tls13) {
      if (plaintext.length > MAX_PLAINTEXT) return { ok: false, reason: 'too-long' };
      return { ok: true, type, plaintext };
    }
    // TLSInnerPlaintext (RFC 8446 §5.2): content, the real type, then zero padding.
    let end = plaintext.length;
    while (end > 0 && plaintext[end - 1] === 0) end--;
    if (end === 0) return { ok: false, reason: 'no-type' };
    if (end - 1 > MAX_PLAINTEXT) return { ok: false, reason: 'too-long' };
    return { ok: true, type: plaintext[end - 1]!, plaintext: new Uint8Array(plaintext.buffer, plaintext.byteOffset, end - 1) };
  }
}
