import type { CapturedFrame } from '../frame.js';
import { corePlugin } from '../core-plugin.js';
import { FrameDissector, type DissectOptions } from '../dissect.js';
import type { Layer, Packet } from '../layer.js';
import { createRegistry } from '../plugin.js';
import { withPoisonedChunk } from '../../../../test-support/poison.js';

/** A captured frame around `data` (caplen = length unless `length` says the wire had more). */
export function frameOf(linkType: number, data: Uint8Array, ts = 1_700_000_000_000_000_000n, length = data.length, frameNumber = 1): CapturedFrame {
  return { linkType, timestamp: ts, caplen: data.length, length, data, interfaceId: 0, frameNumber };
}

/** A fresh dissector over the core plugin only. */
export function coreDissector(options?: DissectOptions): FrameDissector {
  return new FrameDissector(createRegistry([corePlugin]), options);
}

/**
 * {@link coreDissector} whose `dissect(frame)` is given a copy of the frame's bytes that is
 * poisoned (0xEE) once the call returns, as a source that reuses its read buffer would: what the
 * dissector keeps across packets (fragments waiting for the rest of their datagram) must be its
 * own copy. The returned packet's layers are views of the poisoned bytes, except a reassembled
 * datagram, which is a buffer of its own.
 */
export function poisonedCoreDissector(options?: DissectOptions): FrameDissector {
  const d = coreDissector(options);
  const dissect = d.dissect.bind(d);
  d.dissect = (frame: CapturedFrame): Packet => withPoisonedChunk(frame.data, (data) => dissect({ ...frame, data }));
  return d;
}

/** Dissects one frame with a fresh core-only dissector. */
export function dissectOne(linkType: number, data: Uint8Array, length?: number): Packet {
  return coreDissector().dissect(frameOf(linkType, data, undefined, length));
}

export function names(p: Packet): string[] {
  return p.layers.map((l) => l.protocol);
}

/** The layer at index `i`, asserting its protocol. */
export function layerAt<P extends Layer['protocol']>(p: Packet, i: number, protocol: P): Extract<Layer, { protocol: P }> {
  const l = p.layers[i];
  if (l?.protocol !== protocol) throw new Error(`layer ${i} is ${l?.protocol}, expected ${protocol}`);
  return l as Extract<Layer, { protocol: P }>;
}
