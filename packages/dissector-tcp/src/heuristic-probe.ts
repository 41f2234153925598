import { concatBytes, copyBytes, type Connection, type Direction, type StreamDissectorFactory, type StreamProbe } from '@netrx/core';
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
/** Put in place of an item that slid out of the window, so that it is not kept alive. */
const DROPPED: ProbedItem = { dir: 'c2s', bytes: undefined, gap: 0, ts: 0n, frame: 0 };

/**
 * Step 5 of choosing a connection's dissector: shows the first bytes of each direction to the
 * heuristics in priority order until one matches, and keeps everything seen meanwhile (bytes and
 * gaps, in order) to replay to it. Bounded: each heuristic sees at most its `probeBytes`, and past
 * `maxProbe` bytes held the stream is raw.
 *
 * A heuristic with state (`createProbe`) is shown every byte of both directions for as long as it
 * says neither `match` nor `reject` (its own budget bounds that). Meanwhile only the last
 * `maxProbe` bytes are held (the oldest chunks are dropped), and on a match what was dropped is
 * replayed as a gap before the rest: the dissector resumes after it as after any gap.
 */
export class HeuristicProbe {
  /** What was seen, in order, from {@link heldStart} on (the items before it slid out of the window). */
  private held: ProbedItem[] = [];
  private heldStart = 0;
  private heldBytes = 0;
  /** Each direction's first bytes since its start or its last gap, as many as a heuristic wants. */
  private readonly first: Record<Direction, Uint8Array> = { c2s: EMPTY, s2c: EMPTY };
  /** Per direction, which heuristics have said no. */
  private readonly rejected: Record<Direction, boolean[]>;
  /** The stateful probes (by heuristic), made on first use; and which of them said no (for both directions). */
  private readonly stateful: (StreamProbe | undefined)[];
  private readonly statefulRejected: boolean[];
  /** Bytes dropped from the front of the held window, per direction: replayed as gaps. */
  private readonly dropped: Record<Direction, number> = { c2s: 0, s2c: 0 };

  constructor(
    private readonly heuristics: readonly StreamDissectorFactory[],
    private readonly connection: Connection,
    private readonly limits: Limits,
  ) {
    this.rejected = { c2s: heuristics.map(() => false), s2c: heuristics.map(() => false) };
    this.stateful = heuristics.map(() => undefined);
    this.statefulRejected = heuristics.map(() => false);
  }

  /**
   * What is held now, as the memory budget counts it: the bytes, plus `perItem` for each chunk or
   * gap held (its copy's buffer and its entry).
   */
  heldCost(perItem: number): number {
    return this.heldBytes + (this.held.length - this.heldStart) * perItem;
  }

  /** Whether a stateful probe is still deciding: then the held window slides instead of going raw. */
  private statefulAlive(): boolean {
    for (let k = 0; k < this.heuristics.length; k++) if (this.heuristics[k]!.createProbe !== undefined && !this.statefulRejected[k]) return true;
    return false;
  }

  /** Holds `bytes` (a view, copied) and asks the heuristics that have not said no yet. */
  data(dir: Direction, bytes: Uint8Array, ts: bigint, frame: number): ProbeOutcome {
    if (this.heldBytes + bytes.length > this.limits.maxProbe) {
      if (!this.statefulAlive()) return 'raw';
      // Slide the window: drop the oldest held chunks (always keeping the newest). The array is
      // compacted only when half of it is dropped: one-byte segments past the window would
      // otherwise copy the whole window each (O(window) per segment).
      const held = this.held;
      let i = this.heldStart;
      while (i < held.length && this.heldBytes + bytes.length > this.limits.maxProbe) {
        const item = held[i]!;
        held[i++] = DROPPED;
        if (item.bytes !== undefined) {
          this.heldBytes -= item.bytes.length;
          this.dropped[item.dir] += item.bytes.length;
        } else this.dropped[item.dir] += item.gap;
      }
      if (i > held.length / 2) {
        this.held = held.slice(i);
        this.heldStart = 0;
      } else this.heldStart = i;
    }
    const copy = copyBytes(bytes);
    this.held.push({ dir, bytes: copy, gap: 0, ts, frame });
    this.heldBytes += copy.length;
    const rejected = this.rejected[dir];
    const hs = this.heuristics;
    // The probes see at most `wanted` bytes: keep no more, so small segments cost linear time.
    let wanted = 0;
    for (let k = 0; k < hs.length; k++) if (!rejected[k] && hs[k]!.createProbe === undefined) wanted = Math.max(wanted, hs[k]!.probeBytes ?? this.limits.probeBytes);
    const prev = this.first[dir];
    if (prev.length < wanted) this.first[dir] = prev.length === 0 ? copy : concatBytes([prev, copy.subarray(0, wanted - prev.length)]);
    const buf = this.first[dir];
    for (let k = 0; k < hs.length; k++) {
      if (rejected[k]) continue;
      const h = hs[k]!;
      if (h.createProbe !== undefined) {
        let v;
        try {
          const p = (this.stateful[k] ??= h.createProbe(this.connection));
          v = p.push(dir, bytes);
        } catch {
          v = 'reject'; // plugin code: one that throws says no
        }
        if (v === 'match') return h;
        if (v === 'reject') {
          this.statefulRejected[k] = true;
          this.rejected.c2s[k] = this.rejected.s2c[k] = true;
          this.stateful[k] = undefined;
        }
        continue;
      }
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
    const rejected = this.rejected[dir];
    for (let k = 0; k < rejected.length; k++) {
      // A stateful probe follows the gap itself; the others look at the bytes after it afresh.
      if (this.heuristics[k]!.createProbe === undefined) rejected[k] = false;
      else if (!this.statefulRejected[k]) {
        try {
          this.stateful[k]?.gap(dir, length);
        } catch {
          this.statefulRejected[k] = true;
          this.rejected.c2s[k] = this.rejected.s2c[k] = true;
        }
      }
    }
  }

  /** Everything held, in order, for the dissector that matched; the probe is empty afterwards. */
  take(): readonly ProbedItem[] {
    let held = this.heldStart === 0 ? this.held : this.held.slice(this.heldStart);
    const gaps: ProbedItem[] = [];
    const at = held[0];
    for (const dir of ['c2s', 's2c'] as const) {
      if (this.dropped[dir] > 0) gaps.push({ dir, bytes: undefined, gap: this.dropped[dir], ts: at?.ts ?? 0n, frame: at?.frame ?? 0 });
    }
    if (gaps.length > 0) held = [...gaps, ...held];
    this.clear();
    return held;
  }

  /** Lets go of everything held. */
  clear(): void {
    this.held = [];
    this.heldStart = 0;
    this.heldBytes = 0;
    this.dropped.c2s = this.dropped.s2c = 0;
    this.first.c2s = this.first.s2c = EMPTY;
    this.stateful.fill(undefined);
  }
}
