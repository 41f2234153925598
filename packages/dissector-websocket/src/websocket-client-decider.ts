import type { ClientDecider } from '@netrx/core';
import { isPlausibleHeader, readFrameHeader, type FramePlausibility } from './websocket-frame-header.js';

/** A client's frame (§5.3: clients mask every frame); RSV1 may be permessage-deflate's. */
const CLIENT_FRAME: FramePlausibility = { expectMask: true, allowRsv1: true };

/**
 * Whether `b` starts with a plausible client-to-server WebSocket frame header: the whole header is
 * there, the MASK bit is set (RFC 6455 §5.3: clients mask every frame), and it follows the rules
 * of {@link isPlausibleHeader} (a known opcode, RSV2/RSV3 clear and RSV1 only on a data message's
 * first frame, a minimally encoded length, control frames final and at most 125 bytes).
 */
export function looksLikeMaskedWebSocketFrame(b: Uint8Array): boolean {
  const h = readFrameHeader(b, 0);
  return h !== undefined && isPlausibleHeader(h, CLIENT_FRAME);
}

/**
 * The `tcp.client` entry of WebSocket: on a connection picked up without its SYN, the side that
 * sends masked frames is the client (RFC 6455 §5.3).
 */
export const websocketClientDecider: ClientDecider = {
  name: 'ws-mask',
  decide: (b) => (looksLikeMaskedWebSocketFrame(b) ? 'sender' : undefined),
};
