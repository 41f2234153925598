import type { Diagnostic } from '@netrx/core';

/**
 * Every code the HTTP dissector emits, with what it means. `ERR_*` codes are fatal for the
 * connection (a `stream.error`, and HTTP stops on it) unless the parser was searching for a start
 * line (midstream or after a gap), where they only mean "not a message here". `WARN_*` codes ride
 * on the message they concern (`diagnostics`), or on a `stream.error` of severity `warning` when
 * no message carries them. Programs match on the code; messages are for people and may change.
 * `docs/codes.md` describes each one.
 */
export const HttpCodes = {
  ERR_HTTP_REQUEST_LINE: 'a request line that is not `method SP target SP HTTP/x.y` (RFC 9112 §3)',
  ERR_HTTP_STATUS_LINE: 'a status line that is not `HTTP/x.y SP 3DIGIT SP reason` (RFC 9112 §4)',
  ERR_HTTP_HEAD_TOO_LARGE: 'a head, or a chunked body\'s trailers, longer than `maxHeadBytes`',
  ERR_HTTP_TOO_MANY_HEADERS: 'more header lines than `maxHeaders`',
  ERR_HTTP_CONTENT_LENGTH: 'a Content-Length that is not a number, or a list of differing values (RFC 9112 §6.3)',
  ERR_HTTP_TRANSFER_ENCODING: 'a request whose Transfer-Encoding does not end in chunked: it cannot be framed (RFC 9112 §6.3)',
  ERR_HTTP_CHUNK_SIZE: 'a chunk-size line that is not hexadecimal, or a size of more than 13 hex digits (RFC 9112 §7.1)',
  ERR_HTTP_CHUNK_FRAMING: 'chunk data not followed by CRLF (RFC 9112 §7.1)',
  ERR_HTTP_LINE_TOO_LONG: 'a chunk-size or trailer line longer than 4096 bytes',
  WARN_HTTP_OBS_FOLD: 'a header value folded over lines (obs-fold, RFC 9112 §5.2): joined with a space',
  WARN_HTTP_HEADER_SYNTAX: 'a header line without a name and colon: skipped',
  WARN_HTTP_HEADER_NAME: 'a header name that is not a token, or has whitespace before the colon (RFC 9112 §5.1)',
  WARN_HTTP_TE_AND_CL: 'Transfer-Encoding and Content-Length together: Transfer-Encoding wins (RFC 9112 §6.3)',
  WARN_HTTP_TOO_MANY_TRAILERS: 'more trailer lines than `maxHeaders`: the trailers were ignored',
  WARN_HTTP_BODY_GAP: 'body bytes were not captured: counted in `bodyLength`, not kept',
  WARN_HTTP_INCOMPLETE: 'the message ended inside missing bytes or at the end of the stream',
  WARN_HTTP_RESYNC: 'bytes before this message were skipped to find its start line (midstream or after a gap)',
  WARN_HTTP_UPGRADE_UNPAIRED: 'a 101 came before any request it could answer, and none came: emitted unpaired, HTTP stops, no handover',
  WARN_HTTP_UPGRADE_BYTES_LOST: 'bytes held until an upgrade was decided had a hole: the next dissector gets only those before it',
} as const;

/** A code of {@link HttpCodes}. */
export type HttpCode = keyof typeof HttpCodes;

/**
 * A diagnostic with a code from {@link HttpCodes}: severity `error` for `ERR_*`, `warning` for
 * `WARN_*`. `offset` is in the stream of the direction concerned, left out when unknown.
 */
export function httpDiagnostic(code: HttpCode, message: string, offset?: number): Diagnostic {
  const severity = code.startsWith('ERR_') ? 'error' : 'warning';
  return offset === undefined ? { code, severity, message } : { code, severity, message, offset };
}
