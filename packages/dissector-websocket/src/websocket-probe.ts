import type { Connection, Direction, ProbeResult } from '@netrx/core';
import { findFrameChain, type ChainVerdict } from './frame-chain-search.js';
import { SECURITY_BITS_HEURISTIC } from './frame-evidence.js';

/** Most bytes the heuristic looks at. */
export const WS_PROBE_BYTES = 4096;

/**
 * The WebSocket heuristic (the `tcp` list): do the first bytes of a direction hold WebSocket
 * frames? Only what RFC 6455 allows in that direction counts (client frames masked, server frames
 * not; RSV1 only as permessage-deflate may set it; RSV2/RSV3 never; control frames final and
 * short; valid close codes; shortest length encoding), and a match needs a chain of frames whose
 * evidence reaches {@link SECURITY_BITS_HEURISTIC} bits plus log2 of the positions searched
 * (frame-evidence.ts), so one or two plausible headers in arbitrary data never match.
 *
 * With the SYN seen, the direction's first byte starts a frame or none does, no continuation
 * comes first, and the direction's role says whether it masks. Picked up midstream, the bytes may
 * begin inside a frame (every position is tried) and either masking is tried. The answer is
 * `need-more` while a chain may still be proven within {@link WS_PROBE_BYTES}. Never throws.
 */
export function probeWebSocket(bytes: Uint8Array, dir: Direction, connection: Connection): ProbeResult {
  if (bytes.length < 2) return 'need-more';
  const fromStart = connection.clientBy === 'syn';
  let waiting = false;
  for (const masked of fromStart ? [dir === 'c2s'] : [true, false]) {
    const v: ChainVerdict = findFrameChain(bytes, { masked, rsv1: true, continuationFirst: !fromStart }, { securityBits: SECURITY_BITS_HEURISTIC, starts: fromStart ? 'first' : 'byte' });
    if (v.kind === 'match') return 'match';
    if (v.kind === 'need') waiting = true;
  }
  return waiting && bytes.length < WS_PROBE_BYTES ? 'need-more' : 'reject';
}
