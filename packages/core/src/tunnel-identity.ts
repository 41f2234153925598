import type { DissectContext } from './dissector.js';
import type { Ipv4Layer, Ipv6Layer } from './layers.js';

// Helpers for the encapsulations' `tunnel()` answers (see PacketDissector.tunnel). A tunnel's name
// must be the same in both directions, so it is built from fields both directions share (a VNI,
// a GRE key, a session ID), never from outer addresses, which need not mirror each other. It is
// asked for on every packet the tunnel carries, and a capture's packets keep using the same few
// tunnels: the texts are cached, so a packet costs a lookup rather than a new string (and the
// connection table, which compares them, mostly meets the same string object).

/** Most texts a cache holds; past it the cache starts over (a flood of tunnels costs time, not memory). */
const MAX_CACHED = 4096;

/** Identity texts by a number (a VNI, a key, a session id), made once each. */
export class NumberTexts {
  private readonly map = new Map<number, string>();

  constructor(private readonly make: (n: number) => string) {}

  /** The text for `n`. */
  get(n: number): string {
    let t = this.map.get(n);
    if (t === undefined) {
      if (this.map.size >= MAX_CACHED) this.map.clear();
      this.map.set(n, (t = this.make(n)));
    }
    return t;
  }
}

/**
 * The nearest IPv4 or IPv6 layer outside the layer being decoded (`ctx.depth`); undefined when
 * there is none or the context does not show the layers.
 */
export function enclosingIp(ctx: DissectContext): Ipv4Layer | Ipv6Layer | undefined {
  const layers = ctx.layers;
  if (layers === undefined || ctx.depth === undefined) return undefined;
  for (let i = ctx.depth - 1; i >= 0; i--) {
    const l = layers[i];
    if (l !== undefined && (l.protocol === 'ipv4' || l.protocol === 'ipv6')) return l;
  }
  return undefined;
}

/**
 * What besides its own header keys a fragment's datagram: the tunnels it came through and, for
 * IP directly in IP, the outer addresses (an inner header names its tunnel only once decoded,
 * after its fragments are looked up); `''` outside any tunnel. Fragments of two tenants' 10.0.0.1
 * then never join.
 */
export function fragmentScope(ctx: DissectContext): string {
  const layers = ctx.layers;
  const depth = ctx.depth;
  const outer = layers !== undefined && depth !== undefined && depth > 0 ? layers[depth - 1] : undefined;
  const ip = outer !== undefined && (outer.protocol === 'ipv4' || outer.protocol === 'ipv6') ? `${outer.src} ${outer.dst}` : '';
  return ctx.tunnel === undefined ? ip : `${ctx.tunnel} ${ip}`;
}
