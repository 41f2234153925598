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
