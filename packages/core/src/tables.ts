import type { DissectContext, PacketDissector } from './dissector.js';

// Dispatch helpers shared by the base dissectors: one `Map.get` on the registry's table each.

/** The dissector for an ethertype from the registry's `ethertype` table, or undefined. */
export function byEtherType(etherType: number, ctx: DissectContext): PacketDissector | undefined {
  return ctx.registry.table('ethertype').get(etherType);
}

/** The dissector for an IP protocol number from the registry's `ip.proto` table, or undefined. */
export function byIpProto(proto: number, ctx: DissectContext): PacketDissector | undefined {
  return ctx.registry.table('ip.proto').get(proto);
}

/** Ethertype 0x6558, Transparent Ethernet Bridging: an Ethernet frame inside a tunnel (GRE, Geneve, VXLAN). */
export const ETHERTYPE_TEB = 0x6558;

/**
 * The IPv4 or IPv6 dissector (by the `ethertype` table's 0x0800 and 0x86dd) for a payload whose
 * first nibble is its IP version, as after GTP-U or an MPLS label stack; undefined otherwise.
 */
export function byIpVersion(payload: Uint8Array, ctx: DissectContext): PacketDissector | undefined {
  if (payload.length === 0) return undefined;
  const version = payload[0]! >> 4;
  return version === 4 ? byEtherType(0x0800, ctx) : version === 6 ? byEtherType(0x86dd, ctx) : undefined;
}

/**
 * The first of `list` whose `decode` accepts `payload` (a failure layer is a reject), or
 * undefined: heuristics of a packet layer (UDP, MPLS), tried only when no table chose. `offset` is
 * the payload's offset in the frame.
 */
export function firstAccepting(list: readonly PacketDissector[], payload: Uint8Array, offset: number, ctx: DissectContext): PacketDissector | undefined {
  if (list.length === 0 || payload.length === 0) return undefined;
  const probe: DissectContext = {
    frame: ctx.frame,
    registry: ctx.registry,
    state: ctx.state,
    offset,
    layers: ctx.layers,
    depth: ctx.depth === undefined ? undefined : ctx.depth + 1,
    tunnel: ctx.tunnel,
  };
  for (const h of list) if (h.decode(payload, probe).protocol !== 'failure') return h;
  return undefined;
}
