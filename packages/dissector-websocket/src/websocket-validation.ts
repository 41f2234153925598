// The RFC 6455 rules a dissector checks but does not enforce: each violation is a warning (a
// diagnostic with a code from `WebSocketCodes`) on the message, never a reason to stop. The
// message assembler decides when a rule applies (which frame, which message); the rules are here.
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import type { Diagnostic } from '@netrx/core';
import type { WebSocketFrameHeader } from './types.js';
import type { WebSocketCode } from './websocket-codes.js';
import { isControlOpcode } from './websocket-frame-header.js';
import { Opcode } from './types.js';

/** The GUID RFC 6455 §1.3 appends to the key when computing `Sec-WebSocket-Accept`. */
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/**
 * `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key` (RFC 6455 §4.2.2 step 5.4).
 *
 * @example
 * ```ts
 * acceptKey('dGhlIHNhbXBsZSBub25jZQ=='); // 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=' (RFC 6455 §1.3)
 * ```
 */
export function acceptKey(key: string): string {
  return createHash('sha1').update(key.trim() + WS_GUID).digest('base64');
}

/**
 * Whether a close status code may appear in a close frame (RFC 6455 §7.4): 1000-1003 and 1007-1011
 * are defined, 1012-1014 registered with IANA since, 3000-4999 are for libraries and applications.
 * 1004 is reserved, and 1005, 1006 and 1015 must never be sent.
 */
export function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/** A warning diagnostic, with a stream offset when it concerns one frame. */
export function warning(code: WebSocketCode, message: string, offset?: number): Diagnostic {
  return offset === undefined ? { code, severity: 'warning', message } : { code, severity: 'warning', message, offset };
}

/**
 * The handshake's key check (RFC 6455 §4.2.2 step 5.4, §4.1): the 101's `Sec-WebSocket-Accept`
 * must be the key's {@link acceptKey}; a captured request without a key, or a response without an
 * accept, is a violation too. `requestSeen` is false when only the response was captured.
 */
export function handshakeViolation(key: string | undefined, accept: string | undefined, requestSeen: boolean): Diagnostic | undefined {
  if (key !== undefined && accept !== undefined && acceptKey(key) !== accept.trim()) {
    return warning('WARN_WS_ACCEPT_MISMATCH', `Sec-WebSocket-Accept "${accept}" does not match the key "${key}" (RFC 6455 §4.2.2)`);
  }
  if (requestSeen && (key === undefined || accept === undefined)) {
    return warning('WARN_WS_ACCEPT_MISMATCH', `handshake without ${key === undefined ? 'Sec-WebSocket-Key' : 'Sec-WebSocket-Accept'} (RFC 6455 §4.1)`);
  }
  return undefined;
}

/**
 * The rules one frame header must follow on its own: masking by side (§5.1), RSV bits only as a
 * negotiated extension defines them (§5.2; permessage-deflate's RSV1 only on a data message's
 * first frame, RFC 7692 §6.1), control frames final and at most 125 bytes (§5.5). Returns the
 * violations, or undefined when there are none (nothing is allocated for a conforming frame).
 *
 * @param clientSide Whether the frame travels client to server.
 * @param deflatePossible Whether permessage-deflate is (or, without a handshake, may be) on.
 */
export function frameViolations(
  h: WebSocketFrameHeader,
  offset: number,
  clientSide: boolean,
  deflatePossible: boolean,
): Diagnostic[] | undefined {
  let w: Diagnostic[] | undefined;
  const control = isControlOpcode(h.opcode);
  if (clientSide && !h.masked) (w ??= []).push(warning('WARN_WS_CLIENT_UNMASKED', 'client frame is not masked (RFC 6455 §5.1)', offset));
  if (!clientSide && h.masked) (w ??= []).push(warning('WARN_WS_SERVER_MASKED', 'server frame is masked (RFC 6455 §5.1)', offset));
  if (h.rsv & 3) (w ??= []).push(warning('WARN_WS_RSV', `RSV2/RSV3 set (0x${h.rsv.toString(16)}) without a negotiated extension (RFC 6455 §5.2)`, offset));
  if (h.rsv & 4) {
    if (!deflatePossible) {
      (w ??= []).push(warning('WARN_WS_RSV', 'RSV1 set, but no extension was negotiated (RFC 6455 §5.2)', offset));
    } else if (control || h.opcode === Opcode.CONTINUATION) {
      (w ??= []).push(warning('WARN_WS_RSV', `RSV1 set on a ${control ? 'control' : 'continuation'} frame (RFC 7692 §6.1)`, offset));
    }
  }
  if (control) {
    if (h.payloadLength > 125) (w ??= []).push(warning('WARN_WS_CONTROL_TOO_LONG', `control frame of ${h.payloadLength} bytes (at most 125, RFC 6455 §5.5)`, offset));
    if (!h.fin) (w ??= []).push(warning('WARN_WS_CONTROL_FRAGMENTED', 'control frame without FIN (RFC 6455 §5.5)', offset));
  }
  return w;
}

/** A text message's payload must be valid UTF-8 as a whole (§5.6, §8.1): the finding when it is not. */
export const INVALID_UTF8_TEXT: Diagnostic = warning('WARN_WS_INVALID_UTF8', 'text message is not valid UTF-8 (RFC 6455 §8.1)');

/**
 * A close frame's payload (§5.5.1): empty, or a status code that may be sent (§7.4) and a UTF-8
 * reason; never one byte. Appends the violations to `w`.
 */
export function closeViolations(payload: Uint8Array, w: Diagnostic[] | undefined): Diagnostic[] | undefined {
  if (payload.length === 1) (w ??= []).push(warning('WARN_WS_CLOSE_PAYLOAD', 'close frame with a 1-byte payload (RFC 6455 §5.5.1)'));
  if (payload.length >= 2) {
    const code = closeCodeOf(payload);
    if (!isValidCloseCode(code)) (w ??= []).push(warning('WARN_WS_CLOSE_CODE', `close code ${code} may not be sent (RFC 6455 §7.4)`));
    if (!isUtf8(payload.subarray(2))) (w ??= []).push(warning('WARN_WS_INVALID_UTF8', 'close reason is not valid UTF-8 (RFC 6455 §5.5.1)'));
  }
  return w;
}

/** The status code of a close payload of at least 2 bytes (§5.5.1: network byte order). */
export function closeCodeOf(payload: Uint8Array): number {
  return (payload[0]! << 8) | payload[1]!;
}
