import type { Diagnostic } from '@netrx/core';

/**
 * Every code a capture reader stops with, with what it means: the `code` of a
 * {@link CaptureProblem}, and of the `cause` of `fromCaptureFile()`'s `ERR_CAPTURE_FILE`. Programs
 * match on the code; messages are for people and may change.
 */
export const SourceFileCodes = {
  ERR_PCAP_MAGIC: 'the file does not start with a pcap magic number (microseconds or nanoseconds, either byte order)',
  ERR_PCAP_VERSION: 'a pcap file header with a major version other than 2',
  ERR_PCAP_TRUNCATED: 'the file ends inside the pcap file header, a record header or a record',
  ERR_PCAP_RECORD_TOO_LARGE: 'a record claims more captured bytes than the snaplen and the reader limit allow: the file is corrupt from this record on',
  ERR_PCAPNG_BYTE_ORDER: 'a section header block without a valid byte-order magic',
  ERR_PCAPNG_NO_SECTION: 'a block before any section header block',
  ERR_PCAPNG_VERSION: 'a section header with a major version other than 1',
  ERR_PCAPNG_BLOCK_TOO_LARGE: 'a block claims a total length over the reader limit: the file is corrupt from this block on',
  ERR_PCAPNG_BLOCK_LENGTH: 'a block length under 12 or not a multiple of 4, different at its start and end, or too short for its type',
  ERR_PCAPNG_RECORD_LENGTH: 'a packet or decryption secrets block claims more bytes than the block holds',
  ERR_PCAPNG_INTERFACE: 'a packet block names an interface its section does not describe',
  ERR_PCAPNG_TRUNCATED: 'the file ends inside a block',
} as const;

/** A stable code of a {@link CaptureProblem} (see {@link SourceFileCodes}). */
export type SourceFileCode = keyof typeof SourceFileCodes;

/**
 * Why a capture reader stopped: a {@link Diagnostic} with severity `error`, a stable code (one of
 * {@link SourceFileCodes}: `ERR_PCAP_*`, `ERR_PCAPNG_*`) and the byte offset in the
 * (decompressed) file where the bad header, record or block starts. The message is a whole
 * sentence naming that offset.
 */
export interface CaptureProblem extends Diagnostic {
  readonly code: SourceFileCode;
  readonly severity: 'error';
  readonly offset: number;
}

/** Builds a {@link CaptureProblem}. */
export function problem(code: SourceFileCode, offset: number, message: string): CaptureProblem {
  return { code, severity: 'error', offset, message };
}

/** A byte count for people: `3.7 GiB`, `512 KiB`, `17 bytes`. */
export function formatSize(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = -1;
  do {
    v /= 1024;
    u++;
  } while (v >= 1024 && u < units.length - 1);
  return `${v >= 10 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}
