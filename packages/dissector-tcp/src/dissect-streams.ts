import { Observable, type OperatorFunction } from 'rxjs';
import {
  NetrxError,
  concatBytes,
  copyBytes,
  type AppEvent,
  type Connection,
  type Diagnostic,
  type Direction,
  type Registry,
  type StreamContext,
  type StreamDissector,
  type StreamDissectorFactory,
  type StreamEvent,
} from '@netrx/core';

/** Options of {@link dissectStreams}. */
export interface DissectStreamsOptions {
  /**
   * Step 1 of the choice: a dissector pinned to a connection before anything else is considered
   * (an application that knows what a connection carries). Called once per connection.
   */
  readonly pin?: (connection: Connection) => StreamDissectorFactory | undefined;
  /** Most bytes a heuristic is shown when it does not say (`probeBytes`; default 512). */
  readonly defaultProbeBytes?: number;
  /** Most bytes buffered per connection while heuristics decide; past it the stream is raw (default 64 KiB). */
  readonly maxProbeBuffer?: number;
  /** Most bytes buffered for a dissector that asked for more before calling it anyway (default 1 MiB). */
  readonly maxNeedBuffer?: number;
}

/** Stable codes of the `stream.error` events {@link dissectStreams} emits. */
export const StreamDispatchCodes = {
  ERR_TCP_STREAM_GAP: 'bytes are missing and the dissector cannot resume after a gap: it was stopped for this connection',
  ERR_TCP_DISSECTOR_THREW: 'the dissector threw: it was stopped for this connection',
} as const;

type Item = { dir: Direction; bytes: Uint8Array | undefined; gap: number; ts: bigint; frame: number };

const DIRS: readonly Direction[] = ['c2s', 's2c'];

/**
 * Dispatches each connection's byte streams to stream dissectors and emits what they find. The
 * dissector is chosen once per connection, in this fixed order (see DESIGN "Choosing a
 * dissector"): 1. `options.pin`; 2. a decode-as rule on `tcp.port` (server port, then client
 * port); 3. negotiated (a dissector calling `ctx.switchTo`, as HTTP does after `101`); 4. the
 * `tcp.port` table (server port, then client port); 5. the `tcp` heuristics in priority order,
 * shown the first bytes of each direction (buffered until one matches or all reject); 6. raw:
 * nothing is emitted. The first match is pinned.
 *
 * Dissectors get `data`, `gap` (only if they resume after gaps; otherwise a gap stops them with a
 * `stream.error`) and `end`, like Zeek's `DeliverStream`/`Undelivered`. A dissector that throws
 * is stopped for that connection only (`stream.error`); the rest go on.
 *
 * @example
 * ```ts
 * import { corePlugin, createRegistry, dissect } from '@netrx/core';
 * import { fromCaptureFile } from '@netrx/source-file';
 * import { dissectStreams, reassembleTcp, tcpPlugin } from '@netrx/dissector-tcp';
 * import { httpPlugin } from '@netrx/dissector-http';
 *
 * const registry = createRegistry([corePlugin, tcpPlugin, httpPlugin]);
 * fromCaptureFile('chat.pcap')
 *   .pipe(dissect(registry), reassembleTcp(registry), dissectStreams(registry))
 *   .subscribe((ev) => console.log(ev.type, ev.connection.id, ev.dir));
 * ```
 */
export function dissectStreams(registry: Registry, options: DissectStreamsOptions = {}): OperatorFunction<StreamEvent, AppEvent> {
  const limits = {
    probeBytes: positive(options.defaultProbeBytes, 512, 'defaultProbeBytes'),
    maxProbe: positive(options.maxProbeBuffer, 64 * 1024, 'maxProbeBuffer'),
    maxNeed: positive(options.maxNeedBuffer, 1024 * 1024, 'maxNeedBuffer'),
  };
  return (source) =>
    new Observable<AppEvent>((subscriber) => {
      const table = registry.hasTable('tcp.port') ? registry.table('tcp.port') : undefined;
      const heuristics = (() => {
        try {
          return registry.heuristics('tcp').active;
        } catch {
          return [];
        }
      })();
      const decodeAs = registry.hasDecodeAs('tcp.port');
      const flows = new Map<number, Flow>();
      const emit = (ev: AppEvent): void => subscriber.next(ev);
      const sub = source.subscribe({
        next: (ev) => {
          if (ev.type === 'open') {
            const c = ev.connection;
            const chosen =
              options.pin?.(c) ??
              (decodeAs ? (registry.decodeAs('tcp.port', c.server.port) ?? registry.decodeAs('tcp.port', c.client.port)) : undefined) ??
              table?.get(c.server.port) ??
              table?.get(c.client.port);
            if (chosen === undefined && heuristics.length === 0) return; // raw
            const flow = new Flow(c, registry, emit, limits, heuristics);
            flows.set(c.id, flow);
            if (chosen !== undefined) flow.pin(chosen, undefined, ev.ts, ev.frame);
            return;
          }
          const flow = flows.get(ev.connection.id);
          if (flow === undefined) return;
          if (ev.type === 'data') flow.data(ev.dir, ev.bytes, ev.ts, ev.frame);
          else if (ev.type === 'gap') flow.gap(ev.dir, ev.length, ev.ts, ev.frame);
          else flow.end(ev.ts, ev.frame);
          // Raw, stopped or closed: nothing more to do for this connection, so forget it now.
          if (flow.done) flows.delete(ev.connection.id);
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
      return () => {
        sub.unsubscribe();
        flows.clear();
      };
    });
}

interface Limits {
  readonly probeBytes: number;
  readonly maxProbe: number;
  readonly maxNeed: number;
}

/** One connection's dispatch state; it is also the dissector's {@link StreamContext}. */
class Flow implements StreamContext {
  private mode: 'probe' | 'pinned' | 'off' = 'probe';
  private factory: StreamDissectorFactory | undefined;
  private dissector: StreamDissector | undefined;
  // While probing: everything seen, in order, to replay to the winner; each direction's first bytes.
  private replay: Item[] = [];
  private replayBytes = 0;
  private readonly probeBuf: Record<Direction, Uint8Array> = { c2s: new Uint8Array(0), s2c: new Uint8Array(0) };
  private readonly rejected: Record<Direction, boolean[]>;
  // While pinned: bytes held back because the dissector asked for more.
  private readonly need: Record<Direction, number> = { c2s: 0, s2c: 0 };
  private readonly pending: Record<Direction, Uint8Array[]> = { c2s: [], s2c: [] };
  private readonly pendingBytes: Record<Direction, number> = { c2s: 0, s2c: 0 };
  private switching: { factory: StreamDissectorFactory; init: unknown; leftover?: Partial<Record<Direction, Uint8Array>> } | undefined;
  private lastTs = 0n;
  private lastFrame = 0;

  constructor(
    readonly connection: Connection,
    readonly registry: Registry,
    readonly emit: (event: AppEvent) => void,
    private readonly limits: Limits,
    private readonly heuristics: readonly StreamDissectorFactory[],
  ) {
    this.rejected = { c2s: heuristics.map(() => false), s2c: heuristics.map(() => false) };
  }

  /** True once nothing more will be dispatched: raw, stopped or ended. */
  get done(): boolean {
    return this.mode === 'off';
  }

  switchTo(factory: StreamDissectorFactory, init: unknown, leftover?: Partial<Record<Direction, Uint8Array>>): void {
    // Applied when the running call returns, so the old dissector is never re-entered.
    this.switching = { factory, init, leftover: copyLeftover(leftover) };
  }

  pin(factory: StreamDissectorFactory, init: unknown, ts: bigint, frame: number): void {
    this.mode = 'pinned';
    this.factory = factory;
    this.need.c2s = this.need.s2c = 0;
    try {
      this.dissector = factory.create(this, init);
    } catch (err) {
      this.stop('c2s', 'ERR_TCP_DISSECTOR_THREW', `${factory.name}.create threw: ${describe(err)}`, ts, frame);
    }
  }

  data(dir: Direction, bytes: Uint8Array, ts: bigint, frame: number): void {
    this.lastTs = ts;
    this.lastFrame = frame;
    if (this.mode === 'pinned') this.feed(dir, bytes, ts, frame);
    else if (this.mode === 'probe') this.probe(dir, bytes, ts, frame);
  }

  gap(dir: Direction, length: number, ts: bigint, frame: number): void {
    this.lastTs = ts;
    this.lastFrame = frame;
    if (this.mode === 'probe') {
      this.replay.push({ dir, bytes: undefined, gap: length, ts, frame });
      // The bytes after a gap are a new start for the heuristics of this direction.
      this.probeBuf[dir] = new Uint8Array(0);
      this.rejected[dir].fill(false);
      return;
    }
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

  private probe(dir: Direction, bytes: Uint8Array, ts: bigint, frame: number): void {
    if (this.replayBytes + bytes.length > this.limits.maxProbe) {
      this.giveUp();
      return;
    }
    const copy = copyBytes(bytes);
    this.replay.push({ dir, bytes: copy, gap: 0, ts, frame });
    this.replayBytes += copy.length;
    const rejected = this.rejected[dir];
    const hs = this.heuristics;
    // The probes see at most `wanted` bytes: keep no more, so small segments cost linear time.
    let wanted = 0;
    for (let k = 0; k < hs.length; k++) if (!rejected[k]) wanted = Math.max(wanted, hs[k]!.probeBytes ?? this.limits.probeBytes);
    const prev = this.probeBuf[dir];
    if (prev.length < wanted) this.probeBuf[dir] = prev.length === 0 ? copy : concatBytes([prev, copy.subarray(0, wanted - prev.length)]);
    const buf = this.probeBuf[dir];
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
      if (answer === 'match') {
        this.matched(h, ts, frame);
        return;
      }
      if (answer === 'reject' || buf.length >= n) rejected[k] = true;
    }
    if (this.rejected.c2s.every(Boolean) && this.rejected.s2c.every(Boolean)) this.giveUp();
  }

  private matched(h: StreamDissectorFactory, ts: bigint, frame: number): void {
    const replay = this.replay;
    this.replay = [];
    this.replayBytes = 0;
    this.probeBuf.c2s = this.probeBuf.s2c = new Uint8Array(0);
    this.pin(h, undefined, ts, frame);
    for (const item of replay) {
      if (this.mode !== 'pinned') return;
      if (item.bytes !== undefined) this.feed(item.dir, item.bytes, item.ts, item.frame);
      else this.gap(item.dir, item.gap, item.ts, item.frame);
    }
  }

  private giveUp(): void {
    this.mode = 'off';
    this.replay = [];
    this.replayBytes = 0;
    this.probeBuf.c2s = this.probeBuf.s2c = new Uint8Array(0);
  }

  /** Delivers bytes to the pinned dissector, holding them back while it waits for more. */
  private feed(dir: Direction, bytes: Uint8Array, ts: bigint, frame: number): void {
    if (this.need[dir] > 0) {
      this.pending[dir].push(copyBytes(bytes));
      this.pendingBytes[dir] += bytes.length;
      if (this.pendingBytes[dir] < this.need[dir]) return;
      bytes = this.takePending(dir);
    }
    this.call(dir, bytes, ts, frame);
  }

  private flushPending(dir: Direction, ts: bigint, frame: number): void {
    if (this.pendingBytes[dir] === 0) return;
    this.call(dir, this.takePending(dir), ts, frame);
  }

  private takePending(dir: Direction): Uint8Array {
    const parts = this.pending[dir];
    const out = concatBytes(parts);
    this.pending[dir] = [];
    this.pendingBytes[dir] = 0;
    this.need[dir] = 0;
    return out;
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
    this.need[dir] = typeof wanted === 'number' && wanted > 0 ? Math.min(wanted, this.limits.maxNeed) : 0;
  }

  /** Step 3, negotiated: the new dissector gets the leftovers, then what was held back. */
  private applySwitch(ts: bigint, frame: number): void {
    const { factory, init, leftover } = this.switching!;
    this.switching = undefined;
    const held = { c2s: this.pendingBytes.c2s > 0 ? this.takePending('c2s') : undefined, s2c: this.pendingBytes.s2c > 0 ? this.takePending('s2c') : undefined };
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

  private stop(dir: Direction, code: keyof typeof StreamDispatchCodes, message: string, ts: bigint, frame: number, severity: Diagnostic['severity'] = 'error'): void {
    this.mode = 'off';
    this.dissector = undefined;
    this.pending.c2s = [];
    this.pending.s2c = [];
    this.pendingBytes.c2s = this.pendingBytes.s2c = 0;
    this.emit({
      type: 'stream.error',
      connection: this.connection,
      dir,
      firstTs: ts,
      lastTs: ts > this.lastTs ? ts : this.lastTs,
      firstFrame: frame,
      lastFrame: frame > this.lastFrame ? frame : this.lastFrame,
      dissector: this.factory?.name ?? 'unknown',
      diagnostic: { code, severity, message },
    });
  }
}

function copyLeftover(l: Partial<Record<Direction, Uint8Array>> | undefined): Partial<Record<Direction, Uint8Array>> | undefined {
  if (l === undefined) return undefined;
  // Leftovers are views valid only during the dissector's call: keep copies.
  return { c2s: l.c2s && copyBytes(l.c2s), s2c: l.s2c && copyBytes(l.s2c) };
}


function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function positive(v: number | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  if (!(v > 0)) throw new NetrxError('ERR_INVALID_OPTION', `dissectStreams: ${name} must be a positive number, not ${String(v)}`);
  return v;
}
