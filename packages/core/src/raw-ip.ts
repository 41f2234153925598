import type { DissectContext, PacketDissector } from './dissector.js';
import { failure } from './failure.js';
import type { Layer } from './layer.js';
import { byEtherType } from './tables.js';

function ipByVersion(version: number, ctx: DissectContext): PacketDissector | undefined {
  return version === 4 ? byEtherType(0x0800, ctx) : version === 6 ? byEtherType(0x86dd, ctx) : undefined;
}

/**
 * Raw IP (LINKTYPE_RAW, 101): no link header; IPv4 or IPv6 by the first byte's version nibble. It
 * yields the IP layer itself (from the `ethertype` table's IPv4 or IPv6 dissector), so a raw-IP
 * packet's layers start at `ipv4`/`ipv6`. (LINKTYPE_IPV4 228 and LINKTYPE_IPV6 229 map straight
 * to those dissectors.)
 */
export const rawIpDissector: PacketDissector<Layer> = {
  protocol: 'raw',
  decode(data, ctx) {
    const version = data.length > 0 ? data[0]! >> 4 : -1;
    const d = ipByVersion(version, ctx);
    if (!d) {
      const what = version < 0 ? 'an empty raw IP packet' : `IP version ${version} in a raw IP packet`;
      return failure('raw', 'ERR_RAW_BAD_VERSION', what, data, ctx);
    }
    return d.decode(data, ctx);
  },
  next(layer, ctx) {
    return ipByVersion(layer.protocol === 'ipv6' ? 6 : 4, ctx)?.next?.(layer, ctx);
  },
};
