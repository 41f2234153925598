import type { DissectContext, PacketDissector } from './dissector.js';
import { diagnostic, failure } from './failure.js';
import type { UdpLayer } from './layers.js';
import { firstAccepting } from './tables.js';

/**
 * UDP (RFC 768): the header, and the length field checked against the data: under 8 is a
 * failure; over what was captured decodes what is there with `WARN_UDP_TRUNCATED`; under it cuts
 * the payload (link padding). The checksum is reported, not verified (it needs the IP pseudo-header).
 * The payload's dissector is a decode-as rule on `udp.port`, then the `udp.port` table by
 * destination then source port (as gopacket's `NextLayerType`), then the `udp` heuristics.
 */
export const udpDissector: PacketDissector<UdpLayer> = {
  protocol: 'udp',
  decode(data, ctx) {
    if (data.length < 8) return failure('udp', 'ERR_UDP_TRUNCATED', `UDP header needs 8 bytes, ${data.length} captured`, data, ctx);
    const length = (data[4]! << 8) | data[5]!;
    if (length < 8) return failure('udp', 'ERR_UDP_BAD_LENGTH', `UDP length ${length} is under 8`, data, ctx, 4);
    const cut = length > data.length;
    return {
      protocol: 'udp',
      offset: ctx.offset,
      headerLength: 8,
      payload: data.subarray(8, cut ? data.length : length),
      srcPort: (data[0]! << 8) | data[1]!,
      dstPort: (data[2]! << 8) | data[3]!,
      length,
      checksum: (data[6]! << 8) | data[7]!,
      diagnostics: cut ? [diagnostic('WARN_UDP_TRUNCATED', `UDP length ${length}, ${data.length} bytes captured`, ctx.offset + 4)] : undefined,
    };
  },
  next(layer, ctx) {
    const registry = ctx.registry;
    if (registry.hasDecodeAs('udp.port')) {
      const forced = registry.decodeAs('udp.port', layer.dstPort) ?? registry.decodeAs('udp.port', layer.srcPort);
      if (forced) return forced;
    }
    const table = registry.table('udp.port');
    const byPort = table.get(layer.dstPort) ?? table.get(layer.srcPort);
    if (byPort) return byPort;
    return firstAccepting(registry.heuristics('udp').active, layer.payload, layer.offset + 8, ctx);
  },
};

