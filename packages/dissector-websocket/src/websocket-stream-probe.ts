import type { Connection, Direction, StreamProbe, StreamProbeVerdict } from '@netrx/core';
import { FrameChainSearch } from './frame-chain-search.js';
import { SECURITY_BITS_HEURISTIC } from './frame-evidence.js';
import { WS_PROBE_BYTES } from './websocket-probe.js';

/**
 * Segment starts tried per direction and masking before the heuristic gives up on a connection
 * picked up midstream: a capture that begins inside a frame of up to about this many segments is
 * still found when the next frame begins (at 1448-byte segments, about 11 MiB; on loopback, with
 * 64 KiB segments, far more). Each segment start costs a few header checks, and chains are
 * followed by skipping, so the CPU per segment is bounded.
 */
export const WS_PROBE_SEGMENT_BUDGET = 8192;

/**
 * The stateful WebSocket heuristic of one connection (`createProbe` of the `tcp` list entry): the
 * frame-chain search of frame-evidence.ts over both directions, at {@link SECURITY_BITS_HEURISTIC}.
 * With the SYN seen, each direction's first byte starts a frame or none does, and its role says
 * whether it masks. Picked up midstream, frames are looked for at every position of the first
 * {@link WS_PROBE_BYTES} bytes and at each segment start (where senders begin frames), either masking, for {@link WS_PROBE_SEGMENT_BUDGET} segments, long
 * frames followed by skipping: a connection that begins inside a long frame is found when its
 * next frame begins. Matches when a chain is proven in either direction; rejects when every search
 * has failed or spent its budget.
 */
export class WebSocketStreamProbe implements StreamProbe {
  private readonly searches: Record<Direction, FrameChainSearch[]>;
  /** Segment starts left per direction (a gap starts new searches with what is left). */
  private readonly budget: Record<Direction, number> = { c2s: WS_PROBE_SEGMENT_BUDGET, s2c: WS_PROBE_SEGMENT_BUDGET };
  /** The searches at segment starts (made midstream only). */
  private segmentSearches: WeakSet<FrameChainSearch> | undefined;

  constructor(connection: Connection) {
    const fromStart = connection.clientBy === 'syn';
    this.searches = { c2s: this.make('c2s', fromStart), s2c: this.make('s2c', fromStart) };
  }

  private make(dir: Direction, fromStart: boolean): FrameChainSearch[] {
    if (this.budget[dir] <= 0) return [];
    const out: FrameChainSearch[] = [];
    for (const masked of fromStart ? [dir === 'c2s'] : [true, false]) {
      const rules = { masked, rsv1: true, continuationFirst: !fromStart };
      if (fromStart) {
        out.push(new FrameChainSearch(rules, { securityBits: SECURITY_BITS_HEURISTIC, starts: 'first' }));
        continue;
      }
      // Every position of the first bytes (the capture may start inside a header), then segment starts.
      out.push(new FrameChainSearch(rules, { securityBits: SECURITY_BITS_HEURISTIC, starts: 'byte', maxStarts: WS_PROBE_BYTES }));
      const segments = new FrameChainSearch(rules, { securityBits: SECURITY_BITS_HEURISTIC, starts: 'chunk', maxStarts: this.budget[dir] });
      (this.segmentSearches ??= new WeakSet()).add(segments);
      out.push(segments);
    }
    return out;
  }

  push(dir: Direction, bytes: Uint8Array): StreamProbeVerdict {
    const list = this.searches[dir];
    for (let i = 0; i < list.length; ) {
      const v = list[i]!.push(bytes);
      if (v.kind === 'match') return 'match';
      if (v.kind === 'reject') list.splice(i, 1);
      else i++;
    }
    return this.searches.c2s.length === 0 && this.searches.s2c.length === 0 ? 'reject' : { need: 1 };
  }

  gap(dir: Direction): void {
    // The bytes after a gap begin at an unknown point: new searches (no chain may run across the
    // gap), midstream ones, with the budget that is left. A gap costs one segment start at least:
    // 200,000 one-byte segments each behind a hole made 800,000 searches before it did.
    let used = 1;
    for (const s of this.searches[dir]) if (this.segmentSearches?.has(s)) used = Math.max(used, s.searched);
    this.budget[dir] -= used;
    this.searches[dir] = this.make(dir, false);
  }
}
