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
