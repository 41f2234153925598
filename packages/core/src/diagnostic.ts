/** How bad a diagnostic is. `error` means the data could not be decoded past that point. */
export type Severity = 'info' | 'warning' | 'error';

/**
 * A finding about the data (a bad checksum, an RFC violation, a truncated header).
 *
 * Codes are stable (`ERR_<PROTO>_<WHAT>` for errors, `WARN_<PROTO>_<WHAT>` for warnings) so
 * programs can match on them; the message is for people.
 */
export interface Diagnostic {
  /** Stable code to match on. */
  readonly code: string;
  /** How bad it is. */
  readonly severity: Severity;
  /** What was found, for people. */
  readonly message: string;
  /** Byte offset the finding refers to (in the frame for packet layers, in the stream for streams). */
  readonly offset?: number;
  /** Bytes the finding counts, when it counts some (skipped by a resynchronisation, never parsed). */
  readonly bytes?: number;
}
