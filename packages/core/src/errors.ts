const codes = {
  ERR_PLUGIN_DUPLICATE: 'a plugin with this name is already registered',
  ERR_PLUGIN_DEPENDENCY: 'a plugin depends on one that is not registered',
  ERR_PLUGIN_CORE_VERSION: 'a plugin does not support this core version',
  ERR_PLUGIN_INVALID: 'a plugin definition is malformed',
  ERR_TABLE_UNKNOWN: 'no dissector table or heuristic list by this name',
  ERR_TABLE_DUPLICATE: 'a dissector table or heuristic list by this name already exists',
  ERR_DECODE_AS_SYNTAX: 'a decode-as rule is malformed',
  ERR_DECODE_AS_UNKNOWN: 'a decode-as rule names an unknown dissector',
  ERR_INVALID_OPTION: 'an option has an invalid value',
  ERR_CAPTURE_FILE: 'a capture file could not be read',
  ERR_CAPTURE_LIVE: 'live capture failed',
} as const;

/** A stable error code from {@link ErrorCodes}. */
export type ErrorCode = keyof typeof codes;

/**
 * The catalogue of errors netrx throws, each code with what it means. Exceptions are only for
 * configuration and programmer mistakes and for sources that cannot go on (an unreadable file, no
 * capture permission); bad packets are values ({@link FailureLayer}, {@link Diagnostic}), never
 * exceptions.
 */
export const ErrorCodes: Readonly<Record<ErrorCode, string>> = codes;

/** An error with a stable {@link ErrorCode}; `message` says what happened and what to do. */
export class NetrxError extends Error {
  /** Always `NetrxError`. */
  override readonly name = 'NetrxError';

  constructor(
    /** The stable code to match on. */
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
