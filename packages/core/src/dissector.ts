import type { CapturedFrame } from './frame.js';
import type { Layer, Packet } from './layer.js';
import type { Registry } from './registry.js';
import type { MemoryBudget } from './memory-budget.js';
import type { AppEvent, Connection, Direction } from './stream.js';

/**
 * Per-pipeline state a packet dissector may keep across packets (IP fragment reassembly), created
 * by `dissect()` for each subscription and freed with it. Keyed by the owner's name.
 */
export interface DissectState {
  /** The value under `key`, made by `create` (a function made once, not per packet) the first time. */
  get<T>(key: string, create: () => T): T;
}

/** What a packet dissector is given besides its bytes. */
export interface DissectContext {
  /** The frame being dissected. */
  readonly frame: CapturedFrame;
  /** The pipeline's registry, for dispatch. */
  readonly registry: Registry;
  /** The pipeline's state across packets. */
  readonly state: DissectState;
  /** Offset in the frame of the first byte of the data being decoded (0 for the link layer). */
  readonly offset: number;
  /**
   * The layers of this packet decoded so far, outermost first: entries `0` to `depth - 1` (the
   * array may be longer; what lies past `depth` means nothing). Valid during the call only. Set
   * by `dissect()`; absent where a dissector is called on its own.
   */
  readonly layers?: readonly (Layer | undefined)[];
  /** How many of {@link layers} precede the layer being decoded (its index in the packet). */
  readonly depth?: number;
  /**
   * The identity of the tunnels the data being decoded came through, as {@link Packet.tunnel}
   * (`'vxlan vni 42'`), or undefined outside any tunnel. State keyed by inner addresses (IP
   * fragment reassembly) includes it, so two tenants' 10.0.0.1 stay apart.
   */
  readonly tunnel?: string;
}

/**
 * A packet-layer dissector: small and pure. `decode` returns a layer, or a `failure` layer with a
 * code and offset; it never throws. State that outlives a packet lives in `ctx.state`.
 */
export interface PacketDissector<L extends Layer = Layer> {
  /** Protocol name: the `protocol` of the layers it returns. */
  readonly protocol: string;
  /** Decodes one layer from `data`, a view starting at this layer's first byte. */
  decode(data: Uint8Array, ctx: DissectContext): L | Layer;
  /**
   * Chooses the dissector for the payload (`ethertype` table, `ip.proto`, UDP ports…), or
   * undefined to stop. Called only for non-failure layers this dissector returned.
   */
  next?(layer: L, ctx: DissectContext): PacketDissector | undefined;
  /**
   * For an encapsulation (VXLAN, GRE, IP in IP…): the identity of the tunnel this layer opens,
   * a short text that is the same in both directions of the tunnel (`'vxlan vni 42'`,
   * `'gre 192.0.2.1-192.0.2.2 key 7'`), or undefined when this layer says nothing about it.
   * `dissect()` calls it after a successful `decode`, with `ctx.layers`/`ctx.depth` showing the
   * layers outside, and joins the answers of nested tunnels into {@link Packet.tunnel}.
   */
  tunnel?(layer: L, ctx: DissectContext): string | undefined;
}

/**
 * A `tcp.client` list entry: decides who is the client of a connection picked up without its SYN,
 * from the first payload one side sent. Protocols above TCP add entries in their plugin's
 * `handoff` (HTTP: a request line; WebSocket: masked frames; TLS: a ClientHello), so the
 * reassembler knows no protocol above its own. Entries are asked in priority order; the first
 * that knows decides.
 */
export interface ClientDecider {
  /** Recorded as the connection's `clientBy` when this entry decides. */
  readonly name: string;
  /**
   * `'sender'` when the side that sent `bytes` is the client, `'receiver'` when the other side is,
   * `undefined` when these bytes do not say. Looks at a bounded number of bytes; never throws.
   */
  decide(bytes: Uint8Array): 'sender' | 'receiver' | undefined;
}

/** A heuristic's answer: this is mine, it is not, or show me more bytes. */
export type ProbeResult = 'match' | 'reject' | 'need-more';

/** A stateful heuristic's answer: mine, not mine, or nothing can be decided before `need` more bytes. */
export type StreamProbeVerdict = 'match' | 'reject' | { readonly need: number };

/**
 * A heuristic with state, for one connection (see {@link StreamDissectorFactory.createProbe}):
 * shown every byte of both directions, in order, for as long as it wants, it keeps what it needs
 * (the bytes are views valid only during the call) and spends bounded CPU per byte.
 */
export interface StreamProbe {
  /** The next in-order bytes of `dir`. Must never throw. */
  push(dir: Direction, bytes: Uint8Array): StreamProbeVerdict;
  /** `length` bytes of `dir` are missing here. */
  gap(dir: Direction, length: number): void;
}

/**
 * What a stream dissector is given: its connection, and a way to emit events and to hand the
 * connection to another dissector (an HTTP upgrade).
 */
export interface StreamContext {
  /** The connection being dissected. */
  readonly connection: Connection;
  /** The pipeline's registry. */
  readonly registry: Registry;
  /**
   * The pipeline's memory budget: draw what the dissector keeps between calls (held messages,
   * inflate contexts, buffered bytes) and give it back when freed; a refused draw is the
   * dissector's to drop and report. Absent when the dissector runs outside a pipeline.
   */
  readonly budget?: MemoryBudget;
  /** Emits an application event downstream, synchronously. */
  emit(event: AppEvent): void;
  /**
   * Hands the connection to another dissector from now on (HTTP `101 Switching Protocols`).
   * `leftover` holds bytes of this call already received per direction that belong to the new
   * dissector (after the 101 response in the same segment); they are delivered to it first.
   */
  switchTo(factory: StreamDissectorFactory, init: unknown, leftover?: Partial<Record<Direction, Uint8Array>>): void;
}

/**
 * A byte-stream dissector for one connection, fed like Zeek's `DeliverStream`/`Undelivered`.
 * Views passed in are valid only during the call: copy what you keep.
 */
export interface StreamDissector {
  /**
   * In-order bytes of one direction. May return the number of bytes it needs before it is called
   * again for that direction (the dispatcher then buffers), or nothing.
   */
  data(dir: Direction, bytes: Uint8Array, ts: bigint, frame: number): number | void;
  /** `length` bytes of `dir` are missing. Only called on dissectors that resume after gaps. */
  gap(dir: Direction, length: number, ts: bigint, frame: number): void;
  /** The connection closed; flush what can be flushed. */
  end(ts: bigint, frame: number): void;
}

/**
 * Registered in the `tcp.port` and `http.upgrade` tables and the `tcp` heuristic list: makes one
 * {@link StreamDissector} per connection.
 */
export interface StreamDissectorFactory {
  /** Dissector name, used by decode-as rules (`tcp.port==7272,websocket`). */
  readonly name: string;
  /** Whether it can go on after a gap; if not, a gap ends its work on that connection. */
  readonly resumesAfterGap: boolean;
  /**
   * Heuristic: looks at the first bytes of one direction (at most {@link probeBytes}) and says
   * whether the stream is this protocol. Must never throw.
   */
  probe?(bytes: Uint8Array, dir: Direction, connection: Connection): ProbeResult;
  /** Most bytes `probe` wants to see; after that `need-more` counts as `reject`. */
  readonly probeBytes?: number;
  /**
   * Heuristic with state, used instead of `probe` when present: follows the connection beyond a
   * fixed prefix (a capture that starts inside a long message is found when the next one begins),
   * within a budget of its own, answering `reject` once it is spent. The dispatcher keeps only a
   * bounded window of recent bytes to replay to the dissector on a match, and delivers what it
   * dropped before that as a gap (so the dissector must resume after gaps). Must never throw.
   */
  createProbe?(connection: Connection): StreamProbe;
  /** Creates the dissector for one connection; `init` is what `switchTo` passed, if anything. */
  create(ctx: StreamContext, init?: unknown): StreamDissector;
}
