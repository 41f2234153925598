import type { ClientDecider, ProbeResult } from '@netrx/core';
import { HandshakeType } from './handshake-parser.js';
import { ContentType, MAX_TLS12_FRAGMENT, RECORD_HEADER_LENGTH, isRecordHeader } from './record-parser.js';

/** The smallest protected record that can hold anything: a 16-byte tag and TLS 1.3's content type. */
const MIN_PROTECTED = 17;

/**
 * Whether a stream starts with a ClientHello or ServerHello record (RFC 8446 §4): a handshake
 * record header, version 3.x, a length within the limit, and handshake type 1 or 2. `undefined`
 * when fewer than 6 bytes are there.
 */
function helloType(bytes: Uint8Array): number | undefined {
  if (bytes.length < RECORD_HEADER_LENGTH + 1) return undefined;
  if (bytes[0] !== ContentType.handshake || !isRecordHeader(bytes, 0, MAX_TLS12_FRAGMENT)) return 0;
  const t = bytes[RECORD_HEADER_LENGTH]!;
  return t === HandshakeType.clientHello || t === HandshakeType.serverHello ? t : 0;
}

/**
 * The `tcp` heuristic: a stream is TLS when it starts with a ClientHello or ServerHello record,
 * or (picked up midstream) with a TLS 1.2-style application data record header whose length can
 * hold a tag, followed, when the bytes reach that far, by another record header. Looks at most at
 * the first record header and the next one's position within what it is shown.
 */
export function probeTls(bytes: Uint8Array): ProbeResult {
  const hello = helloType(bytes);
  if (hello === undefined) return bytes.length === 0 || bytes[0] === ContentType.handshake || bytes[0] === ContentType.applicationData ? 'need-more' : 'reject';
  if (hello !== 0) return 'match';
  // Midstream: protected records (opaque type 23, version 0x0303 on the wire in TLS 1.2 and 1.3).
  if (bytes[0] !== ContentType.applicationData || bytes[1] !== 3 || bytes[2] !== 3 || !isRecordHeader(bytes, 0, MAX_TLS12_FRAGMENT)) return 'reject';
  const length = (bytes[3]! << 8) | bytes[4]!;
  if (length < MIN_PROTECTED) return 'reject';
  const next = RECORD_HEADER_LENGTH + length;
  if (bytes.length >= next + RECORD_HEADER_LENGTH) return isRecordHeader(bytes, next, MAX_TLS12_FRAGMENT) ? 'match' : 'reject';
  return 'match';
}

/**
 * The `tcp.client` entry of TLS: the side that sent a ClientHello is the client, the side that
 * sent a ServerHello the server.
 */
export const tlsClientDecider: ClientDecider = {
  name: 'tls',
  decide(bytes) {
    const t = helloType(bytes);
    if (t === HandshakeType.clientHello) return 'sender';
    if (t === HandshakeType.serverHello) return 'receiver';
    return undefined;
  },
};
