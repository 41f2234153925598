import { Observable, type OperatorFunction } from 'rxjs';
import type { DissectContext, DissectState, PacketDissector } from './dissector.js';
import type { DissectorTable } from './registry.js';
import { NetrxError } from './errors.js';
import { failure } from './failure.js';
import type { CapturedFrame } from './frame.js';
import { createFragmentStats, FragmentReassembler, type FragmentReassemblyOptions, type FragmentStats } from './fragment-reassembler.js';
import { IPV4_REASSEMBLER } from './ipv4.js';
import { IPV6_REASSEMBLER } from './ipv6.js';
import type { Layer, Packet } from './layer.js';
import type { Registry } from './registry.js';

/**
 * Counters of what {@link dissect} saw. Pass one in {@link DissectOptions.stats} to read it while
 * and after the pipeline runs; every field only grows, except the fragment `pending` and
 * `bufferedBytes` gauges (at the end they describe datagrams that never completed).
 */
export interface DissectStats {
  /** Frames dissected. */
  packets: number;
  /** Captured bytes of those frames. */
  bytes: number;
  /** Frames whose link type has no dissector in the `link.type` table (their layer list is empty). */
  unknownLinkType: number;
  /**
   * Decoded layers by protocol name (failure layers are counted in {@link failures} instead). From
   * {@link createDissectStats} this is a snapshot made when read.
   */
  readonly protocols: Record<string, number>;
  /** Failure layers by code (`ERR_IPV4_TRUNCATED`…). */
  failures: Record<string, number>;
  /** IPv4 and IPv6 fragment reassembly together. */
  fragments: FragmentStats;
}

/** A count the hot path holds on to, so counting a layer is one increment and no lookup. */
interface Cell {
  n: number;
}

/** Where {@link createDissectStats} keeps its per-protocol cells. */
const CELLS = Symbol('netrx.dissectStats.cells');

interface CellBacked {
  readonly [CELLS]?: Map<string, Cell>;
}

function cellOf(cells: Map<string, Cell>, name: string): Cell {
  let c = cells.get(name);
  if (c === undefined) cells.set(name, (c = { n: 0 }));
  return c;
}

/**
 * Creates zeroed {@link DissectStats}. Its `protocols` record is built from counters when read (a
 * fresh object each time), so that counting a layer costs one increment.
 */
export function createDissectStats(): DissectStats {
  const cells = new Map<string, Cell>();
  const stats: DissectStats & CellBacked = {
    packets: 0,
    bytes: 0,
    unknownLinkType: 0,
    get protocols(): Record<string, number> {
      const out: Record<string, number> = {};
      for (const [name, c] of cells) out[name] = c.n;
      return out;
    },
    failures: {},
    fragments: createFragmentStats(),
    [CELLS]: cells,
  };
  return stats;
}

/** Options of {@link dissect} and {@link FrameDissector}. */
export interface DissectOptions {
  /** Counters to add to; read them during or after the run. */
  readonly stats?: DissectStats;
  /** Timeout (packet time) and caps of IPv4 and IPv6 fragment reassembly (each has its own). */
  readonly fragments?: FragmentReassemblyOptions;
  /**
   * Most layers decoded per packet, a guard against tunnels within tunnels: a packet with more
   * ends in an `ERR_DISSECT_TOO_DEEP` failure layer at the first byte left undecoded. Default 32.
   */
  readonly maxLayers?: number;
}

class PipelineState implements DissectState {
  private readonly map = new Map<string, unknown>();

  get<T>(key: string, create: () => T): T {
    let v = this.map.get(key);
    if (v === undefined) this.map.set(key, (v = create()));
    return v as T;
  }

  set(key: string, value: unknown): void {
    this.map.set(key, value);
  }

  clear(): void {
    this.map.clear();
  }
}

/** One mutable context per pipeline, updated for each layer: no allocation per packet. */
class MutableContext implements DissectContext {
  frame!: CapturedFrame;
  offset = 0;
  depth = 0;
  tunnel: string | undefined = undefined;
  constructor(
    readonly registry: Registry,
    readonly state: DissectState,
    readonly layers: readonly (Layer | undefined)[],
  ) {}
}

/**
 * Dissects frames one at a time, synchronously: the engine behind {@link dissect}, for code that
 * is not an RxJS pipeline. Holds the per-pipeline state (fragment reassembly); call
 * {@link FrameDissector.close} when done. Throws only for configuration mistakes (no `link.type`
 * table: register `corePlugin`).
 */
export class FrameDissector {
  /** The counters this dissector adds to. */
  readonly stats: DissectStats;
  private readonly state = new PipelineState();
  private readonly ctx: MutableContext;
  private readonly linkTable: DissectorTable<PacketDissector>;
  private readonly maxLayers: number;
  private readonly cells: Map<string, Cell> | undefined;
  // Per layer depth, the protocol counted there last and its cell: packets of a capture mostly
  // share their stack, so the cell is found by one string comparison.
  private readonly lastName: (string | undefined)[];
  private readonly lastCell: Cell[];
  /**
   * The layers of the packet being decoded (one slot more than `maxLayers`, for the failure that
   * says a packet went deeper); each packet gets an exact-size copy (a `[]` grown by push holds 16 slots).
   */
  private readonly scratch: (Layer | undefined)[];
  /** The packet {@link FrameDissector.dissectTransient} hands out, and its layer list: reused. */
  private readonly transient: { frame: CapturedFrame | undefined; layers: Layer[]; tunnel: string | undefined } = {
    frame: undefined,
    layers: [],
    tunnel: undefined,
  };

  constructor(registry: Registry, options: DissectOptions = {}) {
    const maxLayers = options.maxLayers ?? 32;
    if (!Number.isInteger(maxLayers) || maxLayers < 1) {
      throw new NetrxError('ERR_INVALID_OPTION', `maxLayers must be a positive integer, got ${maxLayers}`);
    }
    this.maxLayers = maxLayers;
    this.stats = options.stats ?? createDissectStats();
    this.cells = (this.stats as CellBacked)[CELLS];
    this.lastName = new Array<string | undefined>(maxLayers).fill(undefined);
    this.lastCell = new Array<Cell>(maxLayers).fill({ n: 0 });
    this.scratch = new Array<Layer | undefined>(maxLayers + 1).fill(undefined);
    this.linkTable = registry.table('link.type');
    this.state.set(IPV4_REASSEMBLER, new FragmentReassembler(options.fragments, this.stats.fragments));
    this.state.set(IPV6_REASSEMBLER, new FragmentReassembler(options.fragments, this.stats.fragments));
    this.ctx = new MutableContext(registry, this.state, this.scratch);
  }

  /**
   * Decodes a frame's layers, outermost first, stopping at a failure layer or at a layer whose
   * payload no dissector claims; a packet deeper than `maxLayers` ends in an
   * `ERR_DISSECT_TOO_DEEP` failure. Collects the tunnel identity of encapsulating layers into
   * {@link Packet.tunnel}. Never throws on packet bytes.
   */
  dissect(frame: CapturedFrame): Packet {
    const n = this.decode(frame);
    const scratch = this.scratch;
    const layers = scratch.slice(0, n) as Layer[];
    // Let go of this packet's layers (and the read chunk their views keep alive).
    for (let i = 0; i < n; i++) scratch[i] = undefined;
    return { frame, layers, tunnel: this.ctx.tunnel };
  }

  /**
   * {@link FrameDissector.dissect} for a consumer that keeps neither the packet nor its layer list
   * (gopacket's `DecodingLayerParser` idea): the same packet object and array come back, refilled,
   * at the next call, so a packet costs its layers and no more. The layers themselves, and their
   * payload views, are new each time and may be kept. What the pipeline's TCP path uses; the
   * public `dissect()` operator hands out packets of their own.
   */
  dissectTransient(frame: CapturedFrame): Packet {
    const n = this.decode(frame);
    const scratch = this.scratch;
    const t = this.transient;
    const layers = t.layers;
    for (let i = 0; i < n; i++) {
      layers[i] = scratch[i]!;
      scratch[i] = undefined;
    }
    if (layers.length !== n) layers.length = n;
    t.frame = frame;
    t.tunnel = this.ctx.tunnel;
    return t as Packet;
  }

  /** Decodes a frame's layers into `scratch`; returns how many (the tunnel is left in `ctx.tunnel`). */
  private decode(frame: CapturedFrame): number {
    const stats = this.stats;
    stats.packets++;
    stats.bytes += frame.data.length;
    const ctx = this.ctx;
    ctx.tunnel = undefined;
    let d = this.linkTable.get(frame.linkType);
    if (d === undefined) {
      stats.unknownLinkType++;
      return 0;
    }
    const scratch = this.scratch;
    let n = 0;
    ctx.frame = frame;
    let data = frame.data;
    // Offsets are in the frame; a reassembled payload is a new buffer, and offsets then count from it.
    let buffer = data.buffer;
    let base = data.byteOffset;
    let offset = 0;
    for (;;) {
      ctx.offset = offset;
      ctx.depth = n;
      const layer = d.decode(data, ctx);
      scratch[n++] = layer;
      if (layer.protocol === 'failure') {
        stats.failures[layer.code] = (stats.failures[layer.code] ?? 0) + 1;
        break;
      }
      this.count(n - 1, layer.protocol);
      if (d.tunnel !== undefined) this.enterTunnel(d, layer);
      const next: PacketDissector | undefined = d.next?.(layer, ctx);
      if (next === undefined) break;
      data = layer.payload;
      if (data.buffer !== buffer) {
        buffer = data.buffer;
        base = data.byteOffset;
      }
      offset = data.byteOffset - base;
      if (n >= this.maxLayers) {
        scratch[n++] = this.tooDeep(next, data, offset);
        break;
      }
      d = next;
    }
    return n;
  }

  /** Adds the tunnel a layer opens to the packet's (kept out of the loop, which stays small enough to optimise well). */
  private enterTunnel(d: PacketDissector, layer: Layer): void {
    const ctx = this.ctx;
    const t = d.tunnel!(layer, ctx);
    if (t !== undefined) ctx.tunnel = ctx.tunnel === undefined ? t : `${ctx.tunnel} / ${t}`;
  }

  /** The failure that ends a packet with more than `maxLayers` layers: tunnels in tunnels (or a crafted loop of them) go no deeper. */
  private tooDeep(next: PacketDissector, data: Uint8Array, offset: number): Layer {
    const ctx = this.ctx;
    ctx.offset = offset;
    const f = failure(next.protocol, 'ERR_DISSECT_TOO_DEEP', `more than ${this.maxLayers} layers: ${next.protocol} not decoded`, data, ctx);
    this.stats.failures[f.code] = (this.stats.failures[f.code] ?? 0) + 1;
    return f;
  }

  private count(depth: number, name: string): void {
    if (this.lastName[depth] === name) {
      this.lastCell[depth]!.n++;
      return;
    }
    if (this.cells === undefined) {
      // Stats some caller built by hand: count into its record directly.
      const p = this.stats.protocols;
      p[name] = (p[name] ?? 0) + 1;
      return;
    }
    const c = cellOf(this.cells, name);
    this.lastName[depth] = name;
    this.lastCell[depth] = c;
    c.n++;
  }

  /** Releases the fragment reassembly state (pending datagrams stay counted as pending). */
  close(): void {
    this.transient.frame = undefined;
    this.transient.layers.length = 0;
    this.state.clear();
  }
}

/**
 * Decodes each captured frame's link, IP and transport layers: `link.type` → `ethertype` →
 * `ip.proto` → `udp.port`/heuristics (and whatever other plugins add, such as TCP). A malformed
 * layer becomes a `failure` layer with a stable code and offset and the stream goes on; unknown
 * link types, ethertypes and protocols just end the layer list. IP fragments are reassembled in
 * packet time, with state per subscription, freed when it ends.
 *
 * @example
 * ```ts
 * import { corePlugin, createDissectStats, createRegistry, dissect, findLayer } from '@netrx/core';
 * import { fromCaptureFile } from '@netrx/source-file';
 *
 * const stats = createDissectStats();
 * fromCaptureFile('chat.pcap')
 *   .pipe(dissect(createRegistry([corePlugin]), { stats }))
 *   .subscribe({
 *     next: (packet) => console.log(packet.frame.frameNumber, findLayer(packet, 'ipv4')?.src),
 *     complete: () => console.log(stats.packets, 'packets', stats.failures),
 *   });
 * ```
 */
export function dissect(registry: Registry, options: DissectOptions = {}): OperatorFunction<CapturedFrame, Packet> {
  return (source) =>
    new Observable<Packet>((subscriber) => {
      const engine = new FrameDissector(registry, options);
      const subscription = source.subscribe({
        next: (frame) => subscriber.next(engine.dissect(frame)),
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
      return () => {
        subscription.unsubscribe();
        engine.close();
      };
    });
}
