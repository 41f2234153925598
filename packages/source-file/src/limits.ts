import type { SecretsSink } from './decryption-secrets.js';

/**
 * Caps on what a capture file may make a reader allocate. A length read from the file is checked
 * against these before anything is allocated for it.
 */
export interface ReaderLimits {
  /**
   * Largest record a reader accepts, in bytes, whatever the file's snaplen says (default 16 MiB).
   * A classic pcap record longer than its file's snaplen is accepted up to 256 KiB (libpcap's
   * and Wireshark's ceiling for ordinary link types), and up to the snaplen beyond that.
   */
  readonly maxRecordLength?: number;
  /** Largest pcapng block accepted, in bytes (default 16 MiB + 64 KiB: a maximal record and its options). */
  readonly maxBlockLength?: number;
}

/** What a reader is given besides its frame sink: its {@link ReaderLimits}, and where secrets go. */
export interface ReaderOptions extends ReaderLimits {
  /**
   * Receives the contents of each pcapng Decryption Secrets Block, in file order, before the
   * frames that follow it (see {@link SecretsSink}). Classic pcap files have none.
   */
  readonly onSecrets?: SecretsSink;
}

/** Default {@link ReaderLimits.maxRecordLength}. */
export const DEFAULT_MAX_RECORD_LENGTH = 16 * 1024 * 1024;
/** Default {@link ReaderLimits.maxBlockLength}. */
export const DEFAULT_MAX_BLOCK_LENGTH = DEFAULT_MAX_RECORD_LENGTH + 64 * 1024;
/**
 * The record length libpcap (`MAXIMUM_SNAPLEN`) and Wireshark (`WTAP_MAX_PACKET_SIZE_STANDARD`)
 * accept from a pcap file whatever its header's snaplen: files whose snaplen is smaller than
 * their records exist in the wild (zeek's `trunc-hdr.pcap`: snaplen 1, caplen 8) and both read them.
 */
export const STANDARD_MAX_SNAPLEN = 262_144;
