import type { Connection, Direction, ProbeResult } from '@netrx/core';
import { Opcode } from './types.js';
import { isConsistentSuccessor, isControlOpcode, isPlausibleHeader, readFrameHeader } from './websocket-frame-header.js';

/** Most bytes the heuristic looks at. */
export const WS_PROBE_BYTES = 4096;

/** Offsets after the first at which a capture that starts inside a frame may find its first header. */
const SCAN_OFFSETS = 2048;

const RULES = { allowRsv1: true } as const;

/**
 * Follows frame headers from `off`: how many plausible, mutually consistent frames lie back to
 * back, and whether the last ends exactly at the end of `buf` (`exact`), runs past it (`open`),
 * or is followed by something that is not a frame (`broken`).
 */
function followRun(buf: Uint8Array, off: number): { count: number; end: 'exact' | 'open' | 'broken' } {
  let count = 0;
  let prev: ReturnType<typeof readFrameHeader>;
  let fragmented: boolean | undefined;
  while (off < buf.length) {
    const h = readFrameHeader(buf, off);
    if (h === undefined) return { count, end: 'open' };
    if (!isPlausibleHeader(h, RULES)) return { count, end: 'broken' };
    if (prev && !isConsistentSuccessor(prev, h, fragmented ?? h.opcode === Opcode.CONTINUATION)) return { count, end: 'broken' };
    if (!isControlOpcode(h.opcode)) fragmented = !h.fin;
    count++;
    prev = h;
    off += h.headerLength + h.payloadLength;
  }
  return { count, end: off === buf.length ? 'exact' : 'open' };
}

/**
 * The WebSocket heuristic (the `tcp` list): do the first bytes of a direction look like frames?
 * At offset 0, three consistent frames back to back, or two that end exactly where the bytes end,
 * match; fewer ask for more bytes (the dispatcher calls again as segments arrive), so one stray
 * plausible header in arbitrary data is not enough. When the connection was picked up midstream
 * (no SYN seen), the capture may also start inside a frame: then a run of at least four frames
 * that ends exactly at the end of the bytes, found within the first 2 KiB, matches. HTTP and TLS
 * never match (their first bytes read as reserved opcodes or RSV2/RSV3 bits). Never throws.
 */
export function probeWebSocket(bytes: Uint8Array, _dir: Direction, connection: Connection): ProbeResult {
  if (bytes.length < 2) return 'need-more';
  const first = followRun(bytes, 0);
  if (first.count >= 3 || (first.count === 2 && first.end === 'exact')) return 'match';
  const more = bytes.length < WS_PROBE_BYTES ? 'need-more' : 'reject';
  // A run not yet long enough, and not broken: wait for the next segments.
  if (first.end !== 'broken') return more;
  // With the SYN seen, these are the stream's first bytes: a frame starts here or nowhere.
  if (connection.clientBy === 'syn') return 'reject';
  let open = false;
  const last = Math.min(bytes.length - 2, SCAN_OFFSETS);
  for (let i = 1; i <= last; i++) {
    const r = followRun(bytes, i);
    if (r.count >= 4 && r.end === 'exact') return 'match';
    if (r.count >= 1 && r.end !== 'broken') open = true;
  }
  return open ? more : 'reject';
}
