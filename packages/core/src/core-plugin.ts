import { nullDissector, loopDissector } from './bsd-loopback.js';
import { ethernetDissector } from './ethernet.js';
import { LinkType } from './frame.js';
import { ipv4Dissector } from './ipv4.js';
import { ipv6Dissector } from './ipv6.js';
import { definePlugin, type NetrxPlugin } from './plugin.js';
import { rawIpDissector } from './raw-ip.js';
import { sll2Dissector, sllDissector } from './sll.js';
import { udpDissector } from './udp.js';
import { CORE_VERSION } from './version.js';
import { VLAN_TPIDS, vlanDissector } from './vlan.js';

/**
 * The base dissectors as a plugin (name `'core'`). `register` declares the tables `link.type`,
 * `ethertype`, `ip.proto`, `udp.port` and the `udp` heuristic list; `handoff` fills them: every
 * link type in {@link LinkType}, ethertypes IPv4 0x0800, IPv6 0x86dd and the VLAN TPIDs, IP
 * protocols UDP 17 and the IP-in-IP tunnels 4 and 41. TCP (protocol 6) comes from `tcpPlugin`.
 *
 * @example
 * ```ts
 * import { corePlugin, createRegistry, dissect } from '@netrx/core';
 * import { fromCaptureFile } from '@netrx/source-file';
 *
 * const registry = createRegistry([corePlugin]); // add tcpPlugin & co. for TCP and above
 * fromCaptureFile('capture.pcap')
 *   .pipe(dissect(registry))
 *   .subscribe((p) => console.log(p.frame.frameNumber, p.layers.map((l) => l.protocol).join('/')));
 * ```
 */
export const corePlugin: NetrxPlugin = definePlugin({
  name: 'core',
  coreVersion: `^${CORE_VERSION}`,
  register(registry) {
    registry.addTable('link.type');
    registry.addTable('ethertype');
    registry.addTable('ip.proto');
    registry.addTable('udp.port');
    registry.addHeuristics('udp');
  },
  handoff(registry) {
    registry
      .table('link.type')
      .add(LinkType.ETHERNET, ethernetDissector)
      .add(LinkType.LINUX_SLL2, sll2Dissector)
      .add(LinkType.LINUX_SLL, sllDissector)
      .add(LinkType.NULL, nullDissector)
      .add(LinkType.LOOP, loopDissector)
      .add(LinkType.RAW, rawIpDissector)
      .add(LinkType.DLT_RAW, rawIpDissector)
      .add(LinkType.DLT_RAW_OPENBSD, rawIpDissector)
      .add(LinkType.IPV4, ipv4Dissector)
      .add(LinkType.IPV6, ipv6Dissector);
    const ethertype = registry.table('ethertype').add(0x0800, ipv4Dissector).add(0x86dd, ipv6Dissector);
    for (const tpid of VLAN_TPIDS) ethertype.add(tpid, vlanDissector);
    registry.table('ip.proto').add(17, udpDissector).add(4, ipv4Dissector).add(41, ipv6Dissector);
  },
});
