import type { CapturedFrame } from './frame.js';
import type { Diagnostic } from './diagnostic.js';

/**
 * Fields every layer has. A layer's `payload` is a view into the frame's bytes (`subarray`,
 * never a copy) except where reassembly had to join several frames (IP fragments).
 */
export interface LayerBase {
  /** The protocol name; narrows the {@link Layer} union. */
  readonly protocol: string;
  /** Offset of this layer's first byte in the frame (for reassembled payloads: in the joined buffer). */
  readonly offset: number;
  /** Header length in bytes. */
  readonly headerLength: number;
  /** The bytes after this layer's header: what the next layer decodes. */
  readonly payload: Uint8Array;
  /** Findings that did not stop decoding (a bad checksum, a reserved bit set). */
  readonly diagnostics?: readonly Diagnostic[];
}

/**
 * A layer that could not be decoded. Dissection of the packet stops at a failure; the pipeline goes
 * on with the next packet.
 */
export interface FailureLayer extends LayerBase {
  readonly protocol: 'failure';
  /** The protocol whose decoder failed. */
  readonly failedProtocol: string;
  /** Stable code, `ERR_<PROTO>_<WHAT>` (e.g. `ERR_IPV4_TRUNCATED`). */
  readonly code: string;
  /** `error`: the bytes could not be decoded; `warning`: decoding stopped on a doubt. */
  readonly severity: 'warning' | 'error';
  /** What went wrong, for people. */
  readonly message: string;
}

/**
 * The map of protocol name to layer type. Dissector packages add their layers by declaration
 * merging, so `layer.protocol === 'tcp'` narrows to their type:
 *
 * ```ts
 * declare module '@netrx/core' {
 *   interface LayerMap { myproto: MyProtoLayer }
 * }
 * ```
 */
export interface LayerMap {
  /** A layer that could not be decoded. */
  failure: FailureLayer;
}

/** Any decoded layer: a discriminated union on `protocol`. */
export type Layer = LayerMap[keyof LayerMap];

/** A frame and its decoded layers, outermost first. */
export interface Packet {
  /** The frame as captured. */
  readonly frame: CapturedFrame;
  /** Decoded layers, outermost first; a failure layer, if any, is last. */
  readonly layers: Layer[];
  /**
   * The tunnels the innermost packet came through, outermost first, joined by `' / '`
   * (`'vxlan vni 42'`, `'gre 192.0.2.1-192.0.2.2 / erspan session 5'`); undefined when it came
   * through none. Each encapsulation's dissector names its tunnel the same way in both
   * directions, so connection tracking can key inner flows by it: two tenants' 10.0.0.1 are
   * different hosts.
   */
  readonly tunnel?: string;
}

/** Returns the first layer of the given protocol in a packet, typed, or undefined. */
export function findLayer<P extends keyof LayerMap>(packet: Packet, protocol: P): LayerMap[P] | undefined {
  for (const layer of packet.layers) {
    if (layer.protocol === protocol) return layer as LayerMap[P];
  }
  return undefined;
}
