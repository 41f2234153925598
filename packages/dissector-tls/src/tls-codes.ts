/**
 * Stable codes of the diagnostics the TLS dissector reports, each with what it means. Errors
 * (`ERR_TLS_*`) stop decoding a direction or a connection; warnings (`WARN_TLS_*`) say that some
 * bytes were not decrypted and what became of them.
 */
export const TlsCodes = {
  ERR_TLS_RECORD_TYPE: 'a record header has an unknown content type or version: the bytes are not TLS records (or framing was lost); this direction is no longer read',
  ERR_TLS_RECORD_TOO_LONG: 'a record claims more bytes than RFC 8446 §5.2 / RFC 5246 §6.2.3 allow (2^14+256 for TLS 1.3, 2^14+2048 for TLS 1.2); this direction is no longer read',
  ERR_TLS_HANDSHAKE_MALFORMED: 'a handshake message could not be parsed; the connection is not decrypted',
  ERR_TLS_HANDSHAKE_TOO_LONG: 'a handshake message is longer than the dissector holds; the connection is not decrypted',
  WARN_TLS_RECORD_AUTH: 'a record did not authenticate (damaged bytes, or a wrong key): it became a gap for the next dissector, never plaintext',
  WARN_TLS_RECORD_MALFORMED: 'a decrypted record is not valid (all padding, or over 2^14 bytes): it became a gap for the next dissector',
  WARN_TLS_GAP: 'bytes of the TLS stream were not captured: the records they held are lost (a gap for the next dissector); the next record that authenticates is looked for, and if none is found the direction is given up',
  WARN_TLS_HELD_LIMIT: 'records waiting for their key ran past the hold limit: the connection is not decrypted',
  WARN_TLS_HELD_MEMORY: 'a record waiting for its key could not be held because the pipeline’s memory budget (--memory) is spent: the connection is not decrypted',
  WARN_TLS_ALERT: 'a decrypted or plaintext alert other than close_notify',
  WARN_TLS_UNEXPECTED_RECORD: 'a record of a type not allowed at this point of the handshake was skipped',
} as const;

/** A stable code from {@link TlsCodes}. */
export type TlsCode = keyof typeof TlsCodes;

/** Why a connection was not decrypted, as the `reason` of a `tls.connection` event. */
export const TlsNotDecryptedReasons = {
  'no-key': 'no key for this client random',
  'unsupported-suite': 'the cipher suite is not one this dissector decrypts',
  'unsupported-version': 'the protocol version is not TLS 1.2 or 1.3',
  'handshake-not-captured': 'the handshake was not captured, so the client random and the cipher suite are unknown',
  'handshake-incomplete': 'the capture ended before the handshake chose a version and suite',
  'handshake-malformed': 'a handshake message could not be parsed',
  'key-mismatch': "the key log's secrets for this client random do not authenticate its records",
  'not-tls': 'the bytes are not TLS records (or the capture began inside one)',
} as const;

/** A key of {@link TlsNotDecryptedReasons}. */
export type TlsNotDecryptedReason = keyof typeof TlsNotDecryptedReasons;
