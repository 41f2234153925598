import { concatBytes, copyBytes, type Connection, type Direction, type StreamDissectorFactory } from '@netrx/core';
import type { Limits } from './dissector-choice.js';

/** Something seen while probing, replayed in order to the dissector that matches: bytes (a copy) or a gap. */
export interface ProbedItem {
  readonly dir: Direction;
  readonly bytes: Uint8Array | undefined;
  /** The gap's length, when `bytes` is undefined. */
  readonly gap: number;
  readonly ts: bigint;
  readonly frame: number;
}

/** What {@link HeuristicProbe.data} concluded: a heuristic matched, all rejected (`'raw'`), or not yet. */
export type ProbeOutcome = StreamDissectorFactory | 'raw' | undefined;

const EMPTY = new Uint8Array(0);

/**
 * Step 5 of choosing a connection's dissector: shows the first bytes of each direction to the
 * heuristics in priority order until one matches, and keeps everything seen meanwhile (bytes and
 * gaps, in order) to replay to it. Bounded: each heuristic sees at most its `probeBytes`, and past
 * `maxProbe` bytes held the stream is raw.
 */
export class HeuristicProbe {
  private held: ProbedItem[] = [];
  private heldBytes = 0;
  /** Each direction's first bytes since its start or its last gap, as many as a heuristic wants. */
  private readonly first: Record<Direction, Uint8Array> = { c2s: EMPTY, s2c: EMPTY };
  /** Per direction, which heuristics have said no. */
  private readonly rejected: Record<Direction, boolean[]>;

  constructor(
    private readonly heuristics: readonly StreamDissectorFactory[],
    private readonly connection: Connection,
    private readonly limits: Limits,
  ) {
    this.rejected = { c2s: heuristics.map(() => false), s2c: heuristics.map(() => false) };
  }

  /** Holds `bytes` (a view, copied) and asks the heuristics that have not said no yet. */
  data(dir: Direction, bytes: Uint8Array, ts: bigint, frame: number): ProbeOutcome {
    if (this.heldBytes + bytes.length > this.limits.maxProbe) return 'raw';
    const copy = copyBytes(bytes);
    this.held.push({ dir, bytes: copy, gap: 0, ts, frame });
    this.heldBytes += copy.length;
    const rejected = this.rejected[dir];
    const hs = this.heuristics;
    // The probes see at most `wanted` bytes: keep no more, so small segments cost linear time.
    let wanted = 0;
    for (let k = 0; k < hs.length; k++) if (!rejected[k]) wanted = Math.max(wanted, hs[k]!.probeBytes ?? this.limits.probeBytes);
    const prev = this.first[dir];
    if (prev.length < wanted) this.first[dir] = prev.length === 0 ? copy : concatBytes([prev, copy.subarray(0, wanted - prev.length)]);
    const buf = this.first[dir];
    for (let k = 0; k < hs.length; k++) {
      if (rejected[k]) continue;
      const h = hs[k]!;
      if (h.probe === undefined) {
        rejected[k] = true;
        continue;
      }
      const n = h.probeBytes ?? this.limits.probeBytes;
      let answer;
      try {
        answer = h.probe(buf.length > n ? buf.subarray(0, n) : buf, dir, this.connection);
      } catch {
        answer = 'reject'; // a probe is plugin code: one that throws says no
      }
      if (answer === 'match') return h;
      if (answer === 'reject' || buf.length >= n) rejected[k] = true;
    }
    return this.rejected.c2s.every(Boolean) && this.rejected.s2c.every(Boolean) ? 'raw' : undefined;
  }

  /** Holds a gap; the bytes after it are a new start for the heuristics of this direction. */
  gap(dir: Direction, length: number, ts: bigint, frame: number): void {
    this.held.push({ dir, bytes: undefined, gap: length, ts, frame });
    this.first[dir] = EMPTY;
    this.rejected[dir].fill(false);
  }

  /** Everything held, in order, for the dissector that matched; the probe is empty afterwards. */
  take(): readonly ProbedItem[] {
    const held = this.held;
    this.clear();
    return held;
  }

  /** Lets go of everything held. */
  clear(): void {
    this.held = [];
    this.heldBytes = 0;
    this.first.c2s = this.first.s2c = EMPTY;
  }
}
