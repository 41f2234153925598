import type { DissectContext } from './dissector.js';
import type { Diagnostic, Severity } from './diagnostic.js';
import type { FailureLayer } from './layer.js';

const codes = {
  ERR_ETHERNET_TRUNCATED: 'fewer than 14 bytes for an Ethernet header',
  ERR_VLAN_TRUNCATED: 'fewer than 4 bytes for an 802.1Q tag',
  ERR_LLC_TRUNCATED: 'an 802.3 frame too short for its LLC/SNAP header',
  ERR_SLL_TRUNCATED: 'fewer than 16 bytes for a Linux cooked (SLL) header',
  ERR_SLL2_TRUNCATED: 'fewer than 20 bytes for a Linux cooked v2 (SLL2) header',
  ERR_NULL_TRUNCATED: 'fewer than 4 bytes for a BSD loopback header',
  ERR_RAW_BAD_VERSION: 'a raw IP packet whose version nibble is neither 4 nor 6',
  ERR_IPV4_TRUNCATED: 'fewer bytes than the IPv4 header needs',
  ERR_IPV4_BAD_VERSION: 'the version nibble of an IPv4 header is not 4',
  ERR_IPV4_BAD_IHL: 'the IPv4 header length is under 20 bytes',
  ERR_IPV4_BAD_TOTAL_LENGTH: 'the IPv4 total length is smaller than its header',
  ERR_IPV6_TRUNCATED: 'fewer than 40 bytes for an IPv6 header',
  ERR_IPV6_BAD_VERSION: 'the version nibble of an IPv6 header is not 6',
  ERR_IPV6_EXT_TRUNCATED: 'an IPv6 extension header runs past the data',
  ERR_IPV6_TOO_MANY_EXT: 'more IPv6 extension headers than the cap',
  ERR_IPV6_NESTED_FRAGMENT: 'a fragment header inside an already reassembled IPv6 datagram',
  ERR_UDP_TRUNCATED: 'fewer than 8 bytes for a UDP header',
  ERR_UDP_BAD_LENGTH: 'the UDP length field is under 8',
  ERR_DISSECT_TOO_DEEP: 'more layers than the cap (maxLayers, 32 by default): tunnels nested too deep, or a loop of them',
  ERR_VXLAN_TRUNCATED: 'fewer than 8 bytes for a VXLAN header',
  ERR_VXLAN_BAD_FLAGS: 'the VXLAN I flag (valid VNI) is clear',
  ERR_GENEVE_TRUNCATED: 'fewer bytes than the Geneve header and its options need',
  ERR_GENEVE_BAD_VERSION: 'a Geneve version other than 0',
  ERR_GTPU_TRUNCATED: 'the GTP-U header, its optional fields or an extension header run past the data',
  ERR_GTPU_BAD_VERSION: "not GTP version 1 with protocol type 1 (GTP' or another version) on the GTP-U port",
  ERR_GTPU_BAD_EXTENSION: 'a GTP-U extension header with length 0',
  ERR_GRE_TRUNCATED: 'the GRE header or one of its optional fields runs past the data',
  ERR_GRE_BAD_VERSION: 'a GRE version other than 0 and 1',
  ERR_GRE_BAD_ROUTING: 'more RFC 1701 source route entries than the cap (16)',
  ERR_ERSPAN_TRUNCATED: 'fewer bytes than the ERSPAN type II or III header needs',
  ERR_ERSPAN_BAD_VERSION: 'an ERSPAN header whose version does not match its GRE protocol type',
  ERR_MPLS_TRUNCATED: 'the MPLS label stack ends before an entry with the bottom-of-stack bit',
  ERR_MPLS_TOO_MANY_LABELS: 'more MPLS labels than the cap (16) without a bottom of stack',
  ERR_PW_TRUNCATED: 'fewer than 4 bytes for a pseudowire control word',
  ERR_PW_BAD_CONTROL_WORD: 'a pseudowire control word whose first nibble is not 0',
  ERR_PPPOE_TRUNCATED: 'fewer than 6 bytes for a PPPoE header',
  ERR_PPPOE_BAD_VERSION: 'a PPPoE version or type other than 1',
  ERR_PPP_TRUNCATED: 'the PPP protocol field is cut off',
  WARN_802_3_BAD_LENGTH: 'an 802.3 length field larger than the frame',
  WARN_IPV4_BAD_CHECKSUM: 'the IPv4 header checksum is wrong',
  WARN_IPV4_BAD_OPTION: 'an IPv4 option runs past the options area or has a length under 2',
  WARN_IPV4_TRUNCATED: 'the IPv4 total length is more than was captured: decoded what is there',
  WARN_IPV4_ZERO_LENGTH: 'IPv4 total length 0 (TCP segmentation offload): the captured length is used',
  WARN_IPV6_TRUNCATED: 'the IPv6 payload length is more than was captured: decoded what is there',
  WARN_UDP_TRUNCATED: 'the UDP length is more than was captured: decoded what is there',
  WARN_GTPU_TRUNCATED: 'the GTP-U length is more than was captured: decoded what is there',
  WARN_GRE_BAD_CHECKSUM: 'the GRE checksum is wrong',
  WARN_PPPOE_TRUNCATED: 'the PPPoE length is more than was captured: decoded what is there',
  WARN_FRAGMENT_DROPPED: 'an IP fragment was dropped (bad offset, too large, or past a cap)',
  WARN_FRAGMENT_OVERLAP: 'an IP fragment overlapped data already received: the first copy was kept',
} as const;

/** A stable code the base dissectors put on failure layers (`ERR_*`) and diagnostics (`WARN_*`). */
export type DissectCode = keyof typeof codes;

/**
 * Every {@link DissectCode} with what it means. Programs match on the code; messages are for
 * people and may change.
 */
export const DissectCodes: Readonly<Record<DissectCode, string>> = codes;

/**
 * Builds the failure layer a dissector returns when it cannot decode: `data` is the view it was
 * given, `at` the offset of the problem within it. The layer's `offset` is in the frame.
 */
export function failure(
  protocol: string,
  code: DissectCode | string,
  message: string,
  data: Uint8Array,
  ctx: DissectContext,
  at = 0,
  severity: 'warning' | 'error' = 'error',
): FailureLayer {
  return {
    protocol: 'failure',
    failedProtocol: protocol,
    code,
    severity,
    message,
    offset: ctx.offset + at,
    headerLength: 0,
    payload: data,
  };
}

/** Builds a diagnostic for a finding that did not stop decoding; `offset` is in the frame. */
export function diagnostic(code: DissectCode | string, message: string, offset: number, severity: Severity = 'warning'): Diagnostic {
  return { code, severity, message, offset };
}
