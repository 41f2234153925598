import { Opcode, type WebSocketFrameHeader } from './types.js';

/** 2^53: the largest 64-bit payload length that is still an exact JavaScript number. */
const MAX_SAFE_HIGH_WORD = 0x1fffff;

/**
 * The length of the frame header that starts at `buf[off]` (2 to 14), or 2 when fewer than 2
 * bytes are there to tell.
 */
export function frameHeaderLength(buf: Uint8Array, off: number): number {
  if (buf.length - off < 2) return 2;
  const b1 = buf[off + 1]!;
  const len7 = b1 & 0x7f;
  return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
}

/**
 * Reads the frame header at `buf[off]` (RFC 6455 §5.2). Returns undefined when the header is not
 * all there yet. A 64-bit length over 2^53 (which includes one with the most significant bit set,
 * forbidden by §5.2) gives `payloadLength` -1: the caller treats it as a protocol error.
 */
export function readFrameHeader(buf: Uint8Array, off: number): WebSocketFrameHeader | undefined {
  if (buf.length - off < frameHeaderLength(buf, off)) return undefined;
  const h: MutableFrameHeader = { fin: false, rsv: 0, opcode: 0, masked: false, maskKey: 0, payloadLength: 0, headerLength: 0 };
  readFrameHeaderInto(buf, off, h);
  return h;
}

/** A frame header's fields, written in place by {@link readFrameHeaderInto}. */
export type MutableFrameHeader = { -readonly [K in keyof WebSocketFrameHeader]: WebSocketFrameHeader[K] };

/**
 * {@link readFrameHeader} into an object the caller reuses (a parser's one frame at hand): no
 * object per frame. The header must be all there (`frameHeaderLength(buf, off)` bytes from `off`).
 */
export function readFrameHeaderInto(buf: Uint8Array, off: number, h: MutableFrameHeader): void {
  const b0 = buf[off]!;
  const b1 = buf[off + 1]!;
  const len7 = b1 & 0x7f;
  let p = off + 2;
  let payloadLength: number = len7;
  if (len7 === 126) {
    payloadLength = (buf[p]! << 8) | buf[p + 1]!;
    p += 2;
  } else if (len7 === 127) {
    const hi = ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
    const lo = ((buf[p + 4]! << 24) | (buf[p + 5]! << 16) | (buf[p + 6]! << 8) | buf[p + 7]!) >>> 0;
    payloadLength = hi > MAX_SAFE_HIGH_WORD ? -1 : hi * 0x1_0000_0000 + lo;
    p += 8;
  }
  const masked = (b1 & 0x80) !== 0;
  h.fin = (b0 & 0x80) !== 0;
  h.rsv = (b0 >> 4) & 7;
  h.opcode = b0 & 0x0f;
  h.masked = masked;
  h.maskKey = masked ? ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0 : 0;
  h.payloadLength = payloadLength;
  h.headerLength = p + (masked ? 4 : 0) - off;
}

/** Whether an opcode is one RFC 6455 defines (0-2 data, 8-10 control). */
export function isKnownOpcode(opcode: number): boolean {
  return opcode <= Opcode.BINARY || (opcode >= Opcode.CLOSE && opcode <= Opcode.PONG);
}

/** Whether an opcode is a control frame's (§5.5: the most significant opcode bit is set). */
export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x08) !== 0;
}

/** What a header must look like to be believed when searching for frames without context. */
export interface FramePlausibility {
  /** Frames must be masked (client side), must not be (server side), or either (unknown). */
  readonly expectMask?: boolean;
  /** Whether RSV1 may be set (permessage-deflate negotiated, or unknown because no handshake). */
  readonly allowRsv1: boolean;
}

/**
 * Whether a header is one a conforming peer could send: a known opcode, no RSV2/RSV3, RSV1 only on
 * a data frame's first fragment and only when allowed, control frames final and at most 125 bytes
 * (§5.5), a close payload of 0 or at least 2 bytes (§5.5.1), no empty non-final fragment, lengths in their shortest encoding
 * (§5.2: "the minimal number of bytes MUST be used"), and the expected masking.
 */
export function isPlausibleHeader(h: WebSocketFrameHeader, rules: FramePlausibility): boolean {
  if (!isKnownOpcode(h.opcode) || (h.rsv & 3) !== 0 || h.payloadLength < 0) return false;
  if (h.rsv & 4 && (!rules.allowRsv1 || h.opcode === Opcode.CONTINUATION || isControlOpcode(h.opcode))) return false;
  if (isControlOpcode(h.opcode) && (!h.fin || h.payloadLength > 125)) return false;
  // An empty fragment that is not the last says nothing; peers do not send them, and runs of zero
  // bytes would otherwise read as endless empty continuations.
  if (!h.fin && h.payloadLength === 0) return false;
  if (h.opcode === Opcode.CLOSE && h.payloadLength === 1) return false;
  const extLen = h.headerLength - 2 - (h.masked ? 4 : 0);
  if ((extLen === 2 && h.payloadLength < 126) || (extLen === 8 && h.payloadLength < 0x10000)) return false;
  if (rules.expectMask !== undefined && h.masked !== rules.expectMask) return false;
  return true;
}
