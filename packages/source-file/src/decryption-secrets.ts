/**
 * The contents of a pcapng Decryption Secrets Block (block type 0x0000000A,
 * draft-ietf-opsawg-pcapng §4.7): secrets a capture carries so it can be decrypted without a
 * separate key file (`editcap --inject-secrets tls,keys.log` writes one).
 */
export interface DecryptionSecrets {
  /** The secrets type (see {@link SecretsType}): `0x544c534b` (`TLSK`) is a TLS key log. */
  readonly type: number;
  /** The secrets, without padding: a view valid only during the callback (copy what you keep). */
  readonly data: Uint8Array;
  /** Byte offset of the block in the (decompressed) file. */
  readonly offset: number;
}

/**
 * Receives each Decryption Secrets Block, synchronously and in file order: before the frames of
 * the packet blocks that follow it, so secrets are known before the packets they decrypt.
 */
export type SecretsSink = (secrets: DecryptionSecrets) => void;

/** Secrets types of Decryption Secrets Blocks (pcapng §4.7). */
export const SecretsType = {
  /** `TLSK`: a TLS key log in the NSS `SSLKEYLOGFILE` format. */
  TLS_KEY_LOG: 0x544c534b,
  /** `WGKL`: a WireGuard key log. */
  WIREGUARD_KEY_LOG: 0x57474b4c,
  /** `ZNWK`: Zigbee NWK keys. */
  ZIGBEE_NWK_KEY: 0x5a4e574b,
  /** `ZAPS`: Zigbee APS keys. */
  ZIGBEE_APS_KEY: 0x5a415053,
} as const;
