import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import type { Diagnostic } from '@netrx/core';

/** The GUID RFC 6455 §1.3 appends to the key when computing `Sec-WebSocket-Accept`. */
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key` (RFC 6455 §4.2.2 step 5.4). */
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

/** A warning diagnostic with a stream offset. */
export function warning(code: string, message: string, offset?: number): Diagnostic {
  return offset === undefined ? { code, severity: 'warning', message } : { code, severity: 'warning', message, offset };
}

/**
 * Decodes UTF-8 over a whole message (so a character split across fragments is fine). Returns the
 * text and whether it was valid; invalid sequences become U+FFFD. A leading BOM is kept: the text
 * must be exactly what was sent. (Node's native `isUtf8` then `Buffer#toString` measured about
 * twice as fast as a fatal `TextDecoder` on chat-sized messages.)
 */
export function decodeUtf8(bytes: Uint8Array): { text: string; valid: boolean } {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { text: b.toString('utf8'), valid: isUtf8(b) };
}
