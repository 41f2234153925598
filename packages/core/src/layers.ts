import type { LayerBase } from './layer.js';

// The layers the base dissectors produce. Field names are part of the public API: other packages
// (TCP reassembly, the CLI) read them.

/** Ethernet II. MAC addresses are views of the frame (6 bytes each). */
export interface EthernetLayer extends LayerBase {
  readonly protocol: 'ethernet';
  /** Destination MAC address (6 bytes). */
  readonly dst: Uint8Array;
  /** Source MAC address (6 bytes). */
  readonly src: Uint8Array;
  /**
   * Ethertype of the payload (after any 802.3 length field handling): for an 802.3 frame, the
   * LLC/SNAP protocol id, or 0 when the LLC payload has none (dissection then stops).
   */
  readonly etherType: number;
  /** Set on IEEE 802.3 frames: the length field that stands where Ethernet II has its ethertype. */
  readonly length8023?: number;
}

/** An 802.1Q (0x8100) or 802.1ad/QinQ (0x88a8, 0x9100) tag; one layer per tag. */
export interface VlanLayer extends LayerBase {
  readonly protocol: 'vlan';
  /** The TPID that introduced this tag. */
  readonly tpid: number;
  /** Priority code point (802.1p), 0–7. */
  readonly pcp: number;
  /** Drop eligible indicator. */
  readonly dei: boolean;
  /** VLAN identifier, 0–4095. */
  readonly vid: number;
  /** Ethertype of what follows the tag. */
  readonly etherType: number;
}

/** Linux cooked capture v1 (LINKTYPE_LINUX_SLL, 113). */
export interface SllLayer extends LayerBase {
  readonly protocol: 'sll';
  /** Who the packet was for: 0 to us, 1 broadcast, 2 multicast, 3 another host, 4 sent by us (`PACKET_*`). */
  readonly packetType: number;
  /** Linux device type (`ARPHRD_*`: 1 Ethernet, 772 loopback, 824 netlink…). */
  readonly arphrdType: number;
  /** Link-layer address, a view of `addressLength` bytes (at most 8). */
  readonly address: Uint8Array;
  /** Ethertype of the payload (or a Linux pseudo-protocol for non-Ethernet payloads). */
  readonly etherType: number;
}

/** Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 276). */
export interface Sll2Layer extends LayerBase {
  readonly protocol: 'sll2';
  /** Ethertype of the payload. */
  readonly etherType: number;
  /** Linux interface index the packet was seen on. */
  readonly interfaceIndex: number;
  /** Linux device type (`ARPHRD_*`). */
  readonly arphrdType: number;
  /** `PACKET_*` direction: 0 to us, 1 broadcast, 2 multicast, 3 another host, 4 sent by us. */
  readonly packetType: number;
  /** Link-layer address of the sender: a view of at most 8 bytes. */
  readonly address: Uint8Array;
}

/** BSD loopback (NULL, 0; LOOP, 108): an address family. */
export interface NullLayer extends LayerBase {
  readonly protocol: 'null';
  /** The address family as read (AF_INET = 2; AF_INET6 = 10, 24, 28 or 30 by OS). */
  readonly family: number;
}

/** IPv4. Addresses are dotted-quad strings. */
export interface Ipv4Layer extends LayerBase {
  readonly protocol: 'ipv4';
  /** Source address, dotted quad. */
  readonly src: string;
  /** Destination address, dotted quad. */
  readonly dst: string;
  /** The type-of-service byte (DSCP and ECN). */
  readonly tos: number;
  /** Total length from the header (the captured length when the header says 0). */
  readonly totalLength: number;
  /** Identification, which keys fragment reassembly. */
  readonly id: number;
  /** The DF flag. */
  readonly dontFragment: boolean;
  /** The MF flag. */
  readonly moreFragments: boolean;
  /** Fragment offset in bytes. */
  readonly fragmentOffset: number;
  /** Time to live. */
  readonly ttl: number;
  /** The protocol of the payload (6 TCP, 17 UDP…). */
  readonly nextProtocol: number;
  /** The header checksum as read. */
  readonly checksum: number;
  /** Whether the header checksum is right (false is also flagged as a diagnostic). */
  readonly checksumValid: boolean;
  /** The options bytes (a view), empty when there are none. */
  readonly options: Uint8Array;
  /**
   * Set on a packet whose payload is a whole datagram rebuilt from fragments (`payload` is then
   * a new buffer): how many fragments it took.
   */
  readonly reassembledFrom?: number;
  /** True on a fragment that did not (yet) complete a datagram: dissection stops here. */
  readonly fragment?: boolean;
}

/** An IPv6 extension header, in the order they appear. */
export interface Ipv6ExtensionHeader {
  /** Its header type (0 hop-by-hop, 43 routing, 44 fragment, 60 destination options…). */
  readonly type: number;
  /** Offset of the header from the start of the IPv6 layer. */
  readonly offset: number;
  /** Its length in bytes. */
  readonly length: number;
}

/** IPv6. Addresses are in RFC 5952 text form (`::1`, `2001:db8::1`). */
export interface Ipv6Layer extends LayerBase {
  readonly protocol: 'ipv6';
  /** Source address, RFC 5952 text. */
  readonly src: string;
  /** Destination address, RFC 5952 text. */
  readonly dst: string;
  /** Traffic class (DSCP and ECN). */
  readonly trafficClass: number;
  /** The 20-bit flow label. */
  readonly flowLabel: number;
  /** Payload length from the header (extension headers included). */
  readonly payloadLength: number;
  /** Hop limit. */
  readonly hopLimit: number;
  /** The protocol after all extension headers (6 TCP, 17 UDP…). */
  readonly nextProtocol: number;
  /** Extension headers walked, in order (after reassembly, those of the whole datagram too). */
  readonly extensions: readonly Ipv6ExtensionHeader[];
  /** As {@link Ipv4Layer.reassembledFrom}. */
  readonly reassembledFrom?: number;
  /** As {@link Ipv4Layer.fragment}. */
  readonly fragment?: boolean;
}

/** UDP. */
export interface UdpLayer extends LayerBase {
  readonly protocol: 'udp';
  /** Source port. */
  readonly srcPort: number;
  /** Destination port. */
  readonly dstPort: number;
  /** The length field: header and payload. */
  readonly length: number;
  /** The checksum as read (not verified; 0 means none was sent). */
  readonly checksum: number;
}

declare module './layer.js' {
  interface LayerMap {
    /** The `ethernet` layer. */
    ethernet: EthernetLayer;
    /** The `vlan` layer. */
    vlan: VlanLayer;
    /** The `sll` layer. */
    sll: SllLayer;
    /** The `sll2` layer. */
    sll2: Sll2Layer;
    /** The `null` layer. */
    null: NullLayer;
    /** The `ipv4` layer. */
    ipv4: Ipv4Layer;
    /** The `ipv6` layer. */
    ipv6: Ipv6Layer;
    /** The `udp` layer. */
    udp: UdpLayer;
  }
}
