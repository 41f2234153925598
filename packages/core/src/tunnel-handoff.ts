import { ETHERTYPE_ERSPAN, ETHERTYPE_ERSPAN3, erspan3Dissector, erspanDissector } from './erspan.js';
import { ethernetDissector } from './ethernet.js';
import { GENEVE_PORT, geneveDissector } from './geneve.js';
import { greDissector, IP_PROTO_GRE } from './gre.js';
import { GTPU_PORT, gtpuDissector } from './gtpu.js';
import { IP_PROTO_IPV4, IP_PROTO_IPV6, ipv4InIpDissector, ipv6InIpDissector } from './ip-in-ip.js';
import { ipv4Dissector } from './ipv4.js';
import { ipv6Dissector } from './ipv6.js';
import { ETHERTYPE_MPLS, ETHERTYPE_MPLS_MULTICAST, mplsDissector } from './mpls.js';
import { pwEthCwDissector } from './mpls-pw.js';
import { ETHERTYPE_PPP, pppDissector } from './ppp.js';
import { ETHERTYPE_PPPOE_SESSION, pppoeDissector } from './pppoe.js';
import type { Registry } from './registry.js';
import { ETHERTYPE_TEB } from './tables.js';
import { VXLAN_PORT, vxlanDissector } from './vxlan.js';

/** PPP protocol numbers (RFC 1332 IPv4, RFC 5072 IPv6, RFC 3032 §4.1 MPLS). */
const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;
const PPP_MPLS = 0x0281;
const PPP_MPLS_MULTICAST = 0x0283;

/**
 * The core plugin's tunnel tables (declared in its `register` phase): the `mpls.label` table and
 * `mpls` heuristic list after a label stack, and the `ppp.proto` table.
 */
export function registerTunnelTables(registry: Registry): void {
  registry.addTable('mpls.label');
  registry.addTable('ppp.proto');
  registry.addHeuristics('mpls');
}

/**
 * Attaches the encapsulations to their parents (the core plugin's `handoff`): VXLAN, Geneve and
 * GTP-U on their UDP ports; GRE, IPv4-in-IP and IPv6-in-IP on their IP protocols; Ethernet
 * (Transparent Ethernet Bridging), ERSPAN, MPLS, PPPoE sessions and PPP on their ethertypes; IP
 * and MPLS on the PPP protocols; the pseudowire control word as a disabled `mpls` heuristic.
 */
export function addTunnelDissectors(registry: Registry): void {
  registry.table('udp.port').add(VXLAN_PORT, vxlanDissector).add(GENEVE_PORT, geneveDissector).add(GTPU_PORT, gtpuDissector);
  registry.table('ip.proto').add(IP_PROTO_GRE, greDissector).add(IP_PROTO_IPV4, ipv4InIpDissector).add(IP_PROTO_IPV6, ipv6InIpDissector);
  registry
    .table('ethertype')
    .add(ETHERTYPE_TEB, ethernetDissector)
    .add(ETHERTYPE_ERSPAN, erspanDissector)
    .add(ETHERTYPE_ERSPAN3, erspan3Dissector)
    .add(ETHERTYPE_MPLS, mplsDissector)
    .add(ETHERTYPE_MPLS_MULTICAST, mplsDissector)
    .add(ETHERTYPE_PPPOE_SESSION, pppoeDissector)
    .add(ETHERTYPE_PPP, pppDissector);
  registry
    .table('ppp.proto')
    .add(PPP_IPV4, ipv4Dissector)
    .add(PPP_IPV6, ipv6Dissector)
    .add(PPP_MPLS, mplsDissector)
    .add(PPP_MPLS_MULTICAST, mplsDissector);
  registry.heuristics('mpls').add(pwEthCwDissector, { enabled: false });
}
