/**
 * What `TrackingInflater.inflate` (`tracking-inflater.ts`) returns: an inflated message, its bytes
 * that copied history not captured marked, or an error with a stable code (the catalogue below,
 * documented in docs/codes.md) and the byte offset where it was found.
 */

/** Stable codes of the errors `TrackingInflater.inflate` returns, with what they mean. */
export const TrackingInflateCodes = {
  ERR_INFLATE_BLOCK_TYPE: 'invalid block type 3 (RFC 1951 §3.2.3)',
  ERR_INFLATE_STORED_LENGTH: 'stored block LEN and NLEN do not agree (RFC 1951 §3.2.4)',
  ERR_INFLATE_TOO_MANY_SYMBOLS: 'more than 286 literal/length or 30 distance codes (RFC 1951 §3.2.7)',
  ERR_INFLATE_CODE_LENGTHS: 'the code length code is over-subscribed or incomplete',
  ERR_INFLATE_REPEAT: 'a code length repeat has nothing to repeat or runs past the end',
  ERR_INFLATE_NO_END_OF_BLOCK: 'the literal/length code has no end-of-block symbol',
  ERR_INFLATE_LITLEN_SET: 'the literal/length code is over-subscribed or incomplete',
  ERR_INFLATE_DIST_SET: 'the distance code is over-subscribed or incomplete',
  ERR_INFLATE_LITLEN_CODE: 'an unused literal/length code (286, 287, or none)',
  ERR_INFLATE_DIST_CODE: 'an unused distance code (30, 31, or none)',
  ERR_INFLATE_DISTANCE_TOO_FAR: 'a distance reaches before the start of the history',
  ERR_INFLATE_TRUNCATED: 'the message ends inside a block',
  ERR_INFLATE_TOO_LARGE: 'the inflated message is over the cap',
  ERR_INFLATE_MEMORY: 'the memory budget refused room for the inflated message',
} as const;

/** A code of {@link TrackingInflateCodes}. */
export type TrackingInflateCode = keyof typeof TrackingInflateCodes;

/** Why a message could not be inflated. The history is unknown from here on (see `TrackingInflater.inflate`). */
export interface TrackingInflateError {
  readonly ok: false;
  readonly code: TrackingInflateCode;
  readonly message: string;
  /** Byte offset in the message's compressed bytes (the appended tail included) where it was found. */
  readonly offset: number;
}

/** One inflated message. */
export interface TrackedMessage {
  readonly ok: true;
  /** The inflated bytes (a new buffer the caller owns); unknown bytes read as 0. */
  readonly data: Uint8Array;
  /** How many bytes of `data` were copied from history that was not captured. */
  readonly unknownBytes: number;
  /** One byte per byte of `data`, 1 where it is unknown; undefined when `unknownBytes` is 0. */
  readonly unknown: Uint8Array | undefined;
  /** A final block (BFINAL) ended the deflate stream: the next message starts a new one, with empty history. */
  readonly ended: boolean;
}

/** The result of `TrackingInflater.inflate`. */
export type TrackingInflateResult = TrackedMessage | TrackingInflateError;

/**
 * The runs of unknown bytes in a message's `unknown` marks, as `[start, end)` pairs, in order.
 */
export function unknownRuns(unknown: Uint8Array | undefined): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  if (unknown === undefined) return runs;
  let i = 0;
  const n = unknown.length;
  while (i < n) {
    if (unknown[i] === 0) {
      i++;
      continue;
    }
    const start = i;
    while (i < n && unknown[i] !== 0) i++;
    runs.push([start, i]);
  }
  return runs;
}
