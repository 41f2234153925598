import type { LayerBase } from './layer.js';

// The layers of the encapsulations core decodes (VXLAN, Geneve, GTP-U, GRE, ERSPAN, MPLS, PPPoE,
// PPP). IP in IP needs none: the inner header is an `ipv4`/`ipv6` layer after the outer one.

/** VXLAN (RFC 7348). */
export interface VxlanLayer extends LayerBase {
  readonly protocol: 'vxlan';
  /** The flags byte (the I flag, 0x08, is always set on a decoded layer). */
  readonly flags: number;
  /** VXLAN Network Identifier, 24 bits. */
  readonly vni: number;
}

/** Geneve (RFC 8926). */
export interface GeneveLayer extends LayerBase {
  readonly protocol: 'geneve';
  /** Version (always 0 on a decoded layer). */
  readonly version: number;
  /** The O bit: a control (OAM) packet. */
  readonly oam: boolean;
  /** The C bit: critical options are present. */
  readonly critical: boolean;
  /** Protocol type of the payload, an ethertype (0x6558 for Ethernet). */
  readonly etherType: number;
  /** Virtual Network Identifier, 24 bits. */
  readonly vni: number;
  /** The options, a view (skipped by their total length, not decoded). */
  readonly options: Uint8Array;
}

/** GTP-U (3GPP TS 29.281). */
export interface GtpuLayer extends LayerBase {
  readonly protocol: 'gtpu';
  /** Message type: 255 is a G-PDU (a user packet, decoded further), 1/2 echo, 26 error indication, 254 end marker. */
  readonly messageType: number;
  /** The length field: bytes after the first 8. */
  readonly length: number;
  /** Tunnel Endpoint Identifier (of the receiving end: each direction has its own). */
  readonly teid: number;
  /** The sequence number, when the S flag is set. */
  readonly sequence?: number;
  /** N-PDU number, when the PN flag is set. */
  readonly npdu?: number;
  /** Types of the extension headers walked, in order (empty when the E flag is clear). */
  readonly extensions: readonly number[];
}

/** GRE (RFC 2784, RFC 2890 keys and sequence numbers; version 1 is PPTP's, RFC 2637). */
export interface GreLayer extends LayerBase {
  readonly protocol: 'gre';
  /** 0, or 1 for enhanced GRE (PPTP). */
  readonly version: number;
  /** The flags and version word (first 16 bits) as read. */
  readonly flags: number;
  /** The protocol type of the payload, an ethertype. */
  readonly etherType: number;
  /** The checksum, when the C bit is set. */
  readonly checksum?: number;
  /** Whether the checksum is right; absent when there is none or the packet was not captured whole. */
  readonly checksumValid?: boolean;
  /** The key (version 0, K bit; RFC 2890 §2.1). */
  readonly key?: number;
  /** The sequence number (S bit; RFC 2890 §2.2). */
  readonly sequence?: number;
  /** Version 1: the call ID (the low half of the key field: the receiving peer's). */
  readonly callId?: number;
  /** Version 1: the acknowledgment number (A bit). */
  readonly ack?: number;
}

/** ERSPAN (draft-foschiano-erspan): type I carries no header, types II and III do. */
export interface ErspanLayer extends LayerBase {
  readonly protocol: 'erspan';
  /** ERSPAN type: 1, 2 or 3 (the header's version field is type − 1). */
  readonly type: 1 | 2 | 3;
  /** Session ID, 10 bits (types II and III). */
  readonly sessionId?: number;
  /** VLAN of the mirrored frame (12 bits). */
  readonly vlan?: number;
  /** Class of service (3 bits). */
  readonly cos?: number;
  /** The T bit: the mirrored frame was truncated by the sender. */
  readonly truncated?: boolean;
  /** Type II: the port index (20 bits). */
  readonly index?: number;
  /** Type III: the timestamp (32 bits, units set by `granularity`). */
  readonly timestamp?: number;
  /** Type III: the frame type (0 Ethernet, 2 IP). */
  readonly frameType?: number;
}

/** An MPLS label stack (RFC 3032 §2.1), down to the entry with the bottom-of-stack bit. */
export interface MplsLayer extends LayerBase {
  readonly protocol: 'mpls';
  /** The labels (20 bits each), top first. */
  readonly labels: readonly number[];
  /** The stack entries as read (4 bytes each: label, traffic class, S, TTL), a view. */
  readonly stack: Uint8Array;
}

/** The control word of an MPLS pseudowire (RFC 4385 §3, the generic PW MPLS control word). */
export interface PwControlWordLayer extends LayerBase {
  readonly protocol: 'pwethcw';
  /** The 4 flag bits. */
  readonly flags: number;
  /** The length field (6 bits: set only for payloads shorter than 64 bytes). */
  readonly length: number;
  /** Sequence number (0: not used). */
  readonly sequence: number;
}

/** A PPPoE session header (RFC 2516 §4). */
export interface PppoeLayer extends LayerBase {
  readonly protocol: 'pppoe';
  /** Code (0 in the session stage). */
  readonly code: number;
  /** Session ID. */
  readonly sessionId: number;
  /** The length field: the PPP payload's length. */
  readonly length: number;
}

/** PPP (RFC 1661), with the HDLC-like address and control bytes when they are there (RFC 1662). */
export interface PppLayer extends LayerBase {
  readonly protocol: 'ppp';
  /** The protocol field (0x0021 IPv4, 0x0057 IPv6, 0x0281 MPLS, 0xc021 LCP…). */
  readonly pppProtocol: number;
}

declare module './layer.js' {
  interface LayerMap {
    /** The `vxlan` layer. */
    vxlan: VxlanLayer;
    /** The `geneve` layer. */
    geneve: GeneveLayer;
    /** The `gtpu` layer. */
    gtpu: GtpuLayer;
    /** The `gre` layer. */
    gre: GreLayer;
    /** The `erspan` layer. */
    erspan: ErspanLayer;
    /** The `mpls` layer. */
    mpls: MplsLayer;
    /** The `pwethcw` layer. */
    pwethcw: PwControlWordLayer;
    /** The `pppoe` layer. */
    pppoe: PppoeLayer;
    /** The `ppp` layer. */
    ppp: PppLayer;
  }
}
