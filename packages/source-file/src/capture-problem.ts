import type { Diagnostic } from '@netrx/core';

/**
 * Why a capture reader stopped: a {@link Diagnostic} with severity `error`, a stable code
 * (`ERR_PCAP_*`, `ERR_PCAPNG_*`, `ERR_CAPTURE_*`) and the byte offset in the (decompressed) file
 * where the bad header, record or block starts. The message is a whole sentence naming that offset.
 */
export interface CaptureProblem extends Diagnostic {
  readonly severity: 'error';
  readonly offset: number;
}

/** Builds a {@link CaptureProblem}. */
export function problem(code: string, offset: number, message: string): CaptureProblem {
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
