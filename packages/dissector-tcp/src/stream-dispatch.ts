import {
  concatBytes,
  copyBytes,
  streamErrorEvent,
  type AppEvent,
  type Connection,
  type Direction,
  type MemoryBudget,
  type Registry,
  type Severity,
  type StreamContext,
  type StreamDissector,
  type StreamDissectorFactory,
} from '@netrx/core';
import { DissectorChoice, dispatchLimits, type StreamDispatchLimits } from './dissector-choice.js';
import { HeuristicProbe } from './heuristic-probe.js';

/** Stable codes of the `stream.error` events stream dispatch ({@link dissectStreams}, {@link createStreamDispatch}) emits. */
export const StreamDispatchCodes = {
  ERR_TCP_STREAM_GAP: 'bytes are missing and the dissector cannot resume after a gap: it was stopped for this connection',
  ERR_TCP_DISSECTOR_THREW: 'the dissector threw: it was stopped for this connection',
  ERR_TCP_PROBE_BUDGET: 'the memory budget could not hold the bytes seen while the heuristics decide: the connection is not dissected',
} as const;

/**
 * What a connection whose dissector the heuristics are still choosing draws on the memory budget
 * besides the bytes held: the probe and the heuristics' own state (a stateful probe's searches;
 * with the default plugins, a connection probing after a SYN and 8 bytes costs about 3.2 KB more
 * than one not dissected, measured with `bench/hostile.ts`).
 */
const PROBE_COST = 3072;
/** What each chunk of bytes held (while probing, or for a dissector that asked for more) draws besides its bytes. */
const CHUNK_COST = 128;

/** Options of {@link createStreamDispatch}. */
export interface StreamDispatchOptions extends StreamDispatchLimits {
  /**
   * Step 1 of the choice: the dissector to use before anything else is considered (the protocol
   * an unwrapping layer negotiated, such as TLS ALPN).
   */
  readonly preferred?: StreamDissectorFactory;
  /**
   * A dissector never chosen by port or heuristics: the unwrapping dissector itself, which the
   * `tcp.port` table names for the very port its plaintext came from.
   */
  readonly exclude?: StreamDissectorFactory;
  /**
   * The memory budget put on the chosen dissector's `StreamContext` (default: the budget of the
   * context the dispatch is made in).
   */
  readonly budget?: MemoryBudget;
}

/** Where a dispatch's events go. */
export interface EventSink {
  emit(event: AppEvent): void;
}

const DIRS: readonly Direction[] = ['c2s', 's2c'];

/**
 * Runs the dissector choice over one byte stream (a TCP connection's, or the plaintext a layer
 * unwrapped from it) in the order DESIGN "Choosing a dissector" fixes: 1. a dissector chosen before
 * (`pin`, `preferred`); 2. a decode-as rule on `tcp.port`; 3. negotiated, when the running
 * dissector calls `switchTo`; 4. the `tcp.port` table; 5. the `tcp` heuristics, with the bytes held
 * until one matches and then replayed to it; 6. raw: nothing is emitted. The first match is pinned.
 *
 * It is the pinned dissector's {@link StreamContext}, and feeds it: bytes held back while it waits
 * for more, gaps (or a stop with `ERR_TCP_STREAM_GAP` if it cannot resume), the end; a dissector
 * that throws is stopped with `ERR_TCP_DISSECTOR_THREW`. The chosen dissector is created by
 * {@link StreamDispatch.start}, or else with the first call.
 */
export class StreamDispatch implements StreamDissector, StreamContext {
  /** `chosen`: a dissector is chosen but not created yet. */
  private mode: 'chosen' | 'probe' | 'pinned' | 'off';
  private factory: StreamDissectorFactory | undefined;
  private dissector: StreamDissector | undefined;
  /** The heuristics' state, made with the first bytes or gap while probing. */
  private probe: HeuristicProbe | undefined;
  /** While pinned: bytes held back because the dissector asked for more (made when it first asks). */
  private held: HeldBack | undefined;
  /** Bytes drawn on {@link budget} for the probe and what it holds. */
  private probeDrawn = 0;
  private switching: { factory: StreamDissectorFactory; init: unknown; leftover?: Partial<Record<Direction, Uint8Array>> } | undefined;
  private lastTs = 0n;
  private lastFrame = 0;

  constructor(
    readonly connection: Connection,
    readonly registry: Registry,
    private readonly sink: EventSink,
    private readonly choice: DissectorChoice,
    /** Chosen by steps 1, 2 or 4; undefined leaves it to the heuristics, or raw when there are none. */
    chosen: StreamDissectorFactory | undefined,
    /** The pipeline's memory budget, for the dissectors (see `StreamContext.budget`). */
    readonly budget?: MemoryBudget,
  ) {
    this.factory = chosen;
    if (chosen !== undefined) this.mode = 'chosen';
    else if (choice.heuristics.length > 0) {
      this.mode = 'probe';
    } else this.mode = 'off';
  }

  /** True once nothing more will be dispatched: raw, stopped or ended. */
  get done(): boolean {
    return this.mode === 'off';
  }

  /** Creates the chosen dissector now (at the connection's `open`), if one was chosen. */
  start(ts: bigint, frame: number): void {
    if (this.mode === 'chosen') this.pin(this.factory!, undefined, ts, frame);
  }

  emit(event: AppEvent): void {
    this.sink.emit(event);
  }

  switchTo(factory: StreamDissectorFactory, init: unknown, leftover?: Partial<Record<Direction, Uint8Array>>): void {
    // Applied when the running call returns, so the old dissector is never re-entered.
    this.switching = { factory, init, leftover: copyLeftover(leftover) };
  }

  data(dir: Direction, bytes: Uint8Array, ts: bigint, frame: number): void {
    this.lastTs = ts;
    this.lastFrame = frame;
    if (this.mode === 'pinned') this.feed(dir, bytes, ts, frame);
    else if (this.mode === 'probe') {
      const outcome = this.probing().data(dir, bytes, ts, frame);
      if (outcome !== undefined || this.drawProbe(dir, ts, frame)) this.probed(outcome, ts, frame);
    }
    else if (this.mode === 'chosen') {
      this.start(ts, frame);
      this.data(dir, bytes, ts, frame);
    }
  }

  gap(dir: Direction, length: number, ts: bigint, frame: number): void {
    this.lastTs = ts;
    this.lastFrame = frame;
    if (this.mode === 'probe') {
      this.probing().gap(dir, length, ts, frame);
      this.drawProbe(dir, ts, frame);
      return;
    }
    this.start(ts, frame);
    if (this.mode !== 'pinned') return;
    this.flushPending(dir, ts, frame);
    if (this.mode !== 'pinned') return;
    const f = this.factory!;
    if (!f.resumesAfterGap) {
      this.stop(dir, 'ERR_TCP_STREAM_GAP', `${length} bytes missing at this point; ${f.name} cannot resume after a gap`, ts, frame, 'warning');
      return;
    }
    try {
      this.dissector!.gap(dir, length, ts, frame);
    } catch (err) {
      this.switching = undefined;
      this.stop(dir, 'ERR_TCP_DISSECTOR_THREW', `${f.name}.gap threw: ${describe(err)}`, ts, frame);
      return;
    }
    if (this.switching !== undefined) this.applySwitch(ts, frame);
  }

  end(ts: bigint, frame: number): void {
    this.start(ts, frame);
    if (this.mode !== 'pinned') {
      this.giveUp();
      return;
    }
    for (const dir of DIRS) this.flushPending(dir, ts, frame);
    if (this.mode !== 'pinned') return;
    try {
      this.dissector!.end(ts, frame);
    } catch (err) {
      this.stop('c2s', 'ERR_TCP_DISSECTOR_THREW', `${this.factory!.name}.end threw: ${describe(err)}`, ts, frame);
    }
    this.mode = 'off';
  }

  private pin(factory: StreamDissectorFactory, init: unknown, ts: bigint, frame: number): void {
    this.mode = 'pinned';
    this.factory = factory;
    this.dropHeld();
    try {
      this.dissector = factory.create(this, init);
    } catch (err) {
      this.stop('c2s', 'ERR_TCP_DISSECTOR_THREW', `${factory.name}.create threw: ${describe(err)}`, ts, frame);
    }
  }

  /** Acts on what the heuristics said: pin the match and replay what was held to it, or go raw. */
  private probed(outcome: StreamDissectorFactory | 'raw' | undefined, ts: bigint, frame: number): void {
    if (outcome === undefined) return;
    if (outcome === 'raw') {
      this.giveUp();
      return;
    }
    const held = this.probing().take();
    this.probe = undefined;
    this.releaseProbe();
    this.pin(outcome, undefined, ts, frame);
    for (const item of held) {
      if (this.mode !== 'pinned') return;
      if (item.bytes !== undefined) this.feed(item.dir, item.bytes, item.ts, item.frame);
      else this.gap(item.dir, item.gap, item.ts, item.frame);
    }
  }

  private giveUp(): void {
    this.mode = 'off';
    this.probe?.clear();
    this.probe = undefined;
    this.releaseProbe();
  }

  /**
   * Draws on the budget for what the probe holds now. Refused (after the budget's reclaimers
   * closed what they could), the connection is not dissected, with `ERR_TCP_PROBE_BUDGET`.
   */
  private drawProbe(dir: Direction, ts: bigint, frame: number): boolean {
    const budget = this.budget;
    if (budget === undefined || this.probe === undefined) return true;
    const want = PROBE_COST + this.probe.heldCost(CHUNK_COST);
    const drawn = this.probeDrawn;
    if (want <= drawn) {
      budget.release(drawn - want);
      this.probeDrawn = want;
      return true;
    }
    if (budget.take(want - drawn)) {
      this.probeDrawn = want;
      return true;
    }
    this.stop(dir, 'ERR_TCP_PROBE_BUDGET', `the memory budget is spent: ${this.probe.heldCost(0)} bytes seen while choosing a dissector could not be held; this connection is not dissected`, ts, frame, 'warning');
    return false;
  }

  /** Lets go of the bytes held back for the dissector, and of what they drew. */
  private dropHeld(): void {
    if (this.held !== undefined && this.budget !== undefined) this.budget.release(this.held.drawn.c2s + this.held.drawn.s2c);
    this.held = undefined;
  }

  private releaseProbe(): void {
    if (this.probeDrawn > 0) this.budget!.release(this.probeDrawn);
    this.probeDrawn = 0;
  }

  /** Delivers bytes to the pinned dissector, holding them back while it waits for more. */
  private feed(dir: Direction, bytes: Uint8Array, ts: bigint, frame: number): void {
    const held = this.held;
    if (held !== undefined && held.need[dir] > 0) {
      held.chunks[dir].push(copyBytes(bytes));
      held.bytes[dir] += bytes.length;
      // Without room in the budget, the dissector gets what is held now rather than waiting for more.
      const budget = this.budget;
      let room = true;
      if (budget !== undefined) {
        const cost = bytes.length + CHUNK_COST;
        room = budget.take(cost);
        if (room) held.drawn[dir] += cost;
      }
      if (room && held.bytes[dir] < held.need[dir]) return;
      bytes = this.takePending(dir);
    }
    this.call(dir, bytes, ts, frame);
  }

  private flushPending(dir: Direction, ts: bigint, frame: number): void {
    if (this.pendingBytes(dir) === 0) return;
    this.call(dir, this.takePending(dir), ts, frame);
  }

  private takePending(dir: Direction): Uint8Array {
    const held = this.held!;
    const out = concatBytes(held.chunks[dir], held.bytes[dir]);
    held.chunks[dir] = [];
    held.bytes[dir] = 0;
    held.need[dir] = 0;
    if (held.drawn[dir] > 0) this.budget!.release(held.drawn[dir]);
    held.drawn[dir] = 0;
    return out;
  }

  private pendingBytes(dir: Direction): number {
    return this.held === undefined ? 0 : this.held.bytes[dir];
  }

  private probing(): HeuristicProbe {
    return (this.probe ??= new HeuristicProbe(this.choice.heuristics, this.connection, this.choice.limits));
  }

  private call(dir: Direction, bytes: Uint8Array, ts: bigint, frame: number): void {
    let wanted: number | void;
    try {
      wanted = this.dissector!.data(dir, bytes, ts, frame);
    } catch (err) {
      this.switching = undefined;
      this.stop(dir, 'ERR_TCP_DISSECTOR_THREW', `${this.factory!.name}.data threw: ${describe(err)}`, ts, frame);
      return;
    }
    if (this.switching !== undefined) {
      this.applySwitch(ts, frame);
      return;
    }
    const need = typeof wanted === 'number' && wanted > 0 ? Math.min(wanted, this.choice.limits.maxNeed) : 0;
    if (need > 0 || this.held !== undefined) (this.held ??= newHeldBack()).need[dir] = need;
  }

  /** Step 3, negotiated: the new dissector gets the leftovers, then what was held back. */
  private applySwitch(ts: bigint, frame: number): void {
    const { factory, init, leftover } = this.switching!;
    this.switching = undefined;
    const held = { c2s: this.pendingBytes('c2s') > 0 ? this.takePending('c2s') : undefined, s2c: this.pendingBytes('s2c') > 0 ? this.takePending('s2c') : undefined };
    this.pin(factory, init, ts, frame);
    for (const dir of DIRS) {
      const first = leftover?.[dir];
      if (first !== undefined && first.length > 0 && this.mode === 'pinned') this.feed(dir, first, ts, frame);
    }
    for (const dir of DIRS) {
      const rest = held[dir];
      if (rest !== undefined && this.mode === 'pinned') this.feed(dir, rest, ts, frame);
    }
  }

  private stop(dir: Direction, code: keyof typeof StreamDispatchCodes, message: string, ts: bigint, frame: number, severity: Severity = 'error'): void {
    this.mode = 'off';
    this.dissector = undefined;
    this.dropHeld();
    this.probe?.clear();
    this.probe = undefined;
    this.releaseProbe();
    const lastTs = ts > this.lastTs ? ts : this.lastTs;
    const lastFrame = frame > this.lastFrame ? frame : this.lastFrame;
    this.sink.emit(streamErrorEvent(this.connection, dir, this.factory?.name ?? 'unknown', { code, severity, message }, ts, frame, lastTs, lastFrame));
  }
}

/**
 * The stream-dissector choice of {@link dissectStreams} as a {@link StreamDissector} of its own,
 * for a dissector that unwraps a layer (TLS decrypting records) to run over the byte stream it
 * unwrapped: feed it `data`, `gap` and `end` as they come; it chooses, buffers and feeds the
 * chosen dissector exactly as `dissectStreams` does for a connection (`options.preferred` first),
 * emits through `ctx.emit`, and handles the chosen dissector's `switchTo` itself. Its `data`
 * never asks for more bytes; a gap never stops it (the dissector it chose may stop, with a
 * `stream.error`). Throws `ERR_INVALID_OPTION` for a limit that is not a positive number.
 *
 * @example
 * ```ts
 * // In a TLS dissector's create(ctx): the plaintext goes to HTTP when ALPN said so, else by port/heuristics.
 * const plaintext = createStreamDispatch(ctx, { preferred: alpn === 'http/1.1' ? httpDissector : undefined, exclude: tlsDissector });
 * // …for each decrypted record:
 * plaintext.data(dir, decrypted, ts, frame);
 * ```
 */
export function createStreamDispatch(ctx: StreamContext, options: StreamDispatchOptions = {}): StreamDissector {
  const choice = new DissectorChoice(ctx.registry, dispatchLimits(options, 'createStreamDispatch'), options.exclude);
  return new StreamDispatch(ctx.connection, ctx.registry, ctx, choice, options.preferred ?? choice.byPort(ctx.connection), options.budget ?? ctx.budget);
}

/** Bytes held back per direction for a dissector that asked for more, and how many it asked for. */
interface HeldBack {
  readonly need: Record<Direction, number>;
  readonly chunks: Record<Direction, Uint8Array[]>;
  readonly bytes: Record<Direction, number>;
  /** What the held bytes drew on the budget. */
  readonly drawn: Record<Direction, number>;
}

function newHeldBack(): HeldBack {
  return { need: { c2s: 0, s2c: 0 }, chunks: { c2s: [], s2c: [] }, bytes: { c2s: 0, s2c: 0 }, drawn: { c2s: 0, s2c: 0 } };
}

function copyLeftover(l: Partial<Record<Direction, Uint8Array>> | undefined): Partial<Record<Direction, Uint8Array>> | undefined {
  if (l === undefined) return undefined;
  // Leftovers are views valid only during the dissector's call: keep copies.
  return { c2s: l.c2s && copyBytes(l.c2s), s2c: l.s2c && copyBytes(l.s2c) };
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
