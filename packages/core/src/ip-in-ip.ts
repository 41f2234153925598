import type { DissectContext, PacketDissector } from './dissector.js';
import { ipv4Dissector } from './ipv4.js';
import { ipv6Dissector } from './ipv6.js';
import type { Ipv4Layer, Ipv6Layer } from './layers.js';

/** IP protocol numbers of an IPv4 (RFC 2003) and an IPv6 (RFC 4213 §3.5, RFC 2473) packet inside IP. */
export const IP_PROTO_IPV4 = 4;
export const IP_PROTO_IPV6 = 41;

/**
 * The tunnel of an IP header inside another, named by its kind: `4in4` (Linux `ipip`), `6in4`
 * (`sit`), `4in6` or `6in6` (`ip6tnl`, SRv6 encapsulation). The outer addresses are left out: they
 * need not mirror each other in the two directions (an SRv6 packet goes to the far end's segment
 * ID, which is not the address the far end sends from), and a tunnel's name must be the same both
 * ways. Undefined when the layer outside is not IP.
 */
function ipTunnel(inner: 4 | 6, ctx: DissectContext): string | undefined {
  const outer = ctx.layers !== undefined && ctx.depth !== undefined && ctx.depth > 0 ? ctx.layers[ctx.depth - 1] : undefined;
  if (outer === undefined) return undefined;
  if (outer.protocol === 'ipv4') return inner === 4 ? '4in4' : '6in4';
  if (outer.protocol === 'ipv6') return inner === 4 ? '4in6' : '6in6';
  return undefined;
}

/**
 * IPv4 in IP (IP protocol 4: RFC 2003 in IPv4, RFC 2473 in IPv6): the IPv4 dissector, registered
 * in `ip.proto` under 4 so that the inner header names its tunnel (`4in4`, `4in6`).
 */
export const ipv4InIpDissector: PacketDissector<Ipv4Layer> = {
  protocol: 'ipv4',
  decode: (data, ctx) => ipv4Dissector.decode(data, ctx),
  next: (layer, ctx) => ipv4Dissector.next!(layer, ctx),
  tunnel: (_layer, ctx) => ipTunnel(4, ctx),
};

/**
 * IPv6 in IP (IP protocol 41: 6in4 as RFC 4213 §3.5 and Linux `sit`, or 6in6 as RFC 2473): the
 * IPv6 dissector, registered in `ip.proto` under 41, naming its tunnel (`6in4`, `6in6`).
 */
export const ipv6InIpDissector: PacketDissector<Ipv6Layer> = {
  protocol: 'ipv6',
  decode: (data, ctx) => ipv6Dissector.decode(data, ctx),
  next: (layer, ctx) => ipv6Dissector.next!(layer, ctx),
  tunnel: (_layer, ctx) => ipTunnel(6, ctx),
};
