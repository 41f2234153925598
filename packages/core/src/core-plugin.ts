import { nullDissector, loopDissector } from './bsd-loopback.js';
import { ethernetDissector } from './ethernet.js';
import { LinkType } from './frame.js';
import { ipv4Dissector } from './ipv4.js';
import { ipv6Dissector } from './ipv6.js';
import { definePlugin, type NetrxPlugin } from './plugin.js';
import { rawIpDissector } from './raw-ip.js';
import { sll2Dissector, sllDissector } from './sll.js';
import { addTunnelDissectors, registerTunnelTables } from './tunnel-handoff.js';
import { udpDissector } from './udp.js';
import { CORE_VERSION } from './version.js';
import { VLAN_TPIDS, vlanDissector } from './vlan.js';

/**
 * The base dissectors as a plugin (name `'core'`). `register` declares the tables `link.type`,
 * `ethertype`, `ip.proto`, `udp.port`, `mpls.label`, `ppp.proto` and the `udp` and `mpls`
 * heuristic lists; `handoff` fills them: every link type in {@link LinkType}, ethertypes IPv4
 * 0x0800, IPv6 0x86dd and the VLAN TPIDs, IP protocol UDP 17, and the tunnels: VXLAN (UDP 4789),
 * Geneve (6081), GTP-U (2152), GRE (IP 47) with ERSPAN, IP in IP (4, 41), MPLS (0x8847, 0x8848),
 * PPPoE sessions (0x8864) and PPP, Ethernet inside tunnels (0x6558). Each tunnel names itself in
 * `Packet.tunnel`. TCP (protocol 6) comes from `tcpPlugin`.
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
    registerTunnelTables(registry);
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
    registry.table('ip.proto').add(17, udpDissector);
    addTunnelDissectors(registry);
  },
});
