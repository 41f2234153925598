/**
 * A frame as a capture source delivers it, before any dissection.
 *
 * Sources own their buffers: `data` stays valid for as long as the frame is referenced. A source
 * that reuses a buffer (libpcap through `cap`) copies each packet before emitting it.
 */
export interface CapturedFrame {
  /** The capture's link-layer type (a `LINKTYPE_*` value, see {@link LinkType}). */
  readonly linkType: number;
  /** Capture time in nanoseconds since the Unix epoch. */
  readonly timestamp: bigint;
  /** Bytes captured (may be less than {@link CapturedFrame.length} when the snaplen cut the packet). */
  readonly caplen: number;
  /** The packet's length on the wire. */
  readonly length: number;
  /** The captured bytes: exactly `caplen` of them. */
  readonly data: Uint8Array;
  /** Interface the frame was captured on (pcapng interface id; 0 for pcap and live capture). */
  readonly interfaceId: number;
  /** 1-based position of the frame in its capture. */
  readonly frameNumber: number;
}

/** The `LINKTYPE_*` values netrx decodes (tcpdump.org/linktypes.html). */
export const LinkType = {
  /** BSD loopback: a 4-byte address family in the capturing host's byte order. */
  NULL: 0,
  /** Ethernet II (and 802.3 with 802.1Q tags). */
  ETHERNET: 1,
  /** Raw IPv4 or IPv6, version from the first nibble. */
  RAW: 101,
  /**
   * Raw IP as some writers record it, with the platform's `DLT_RAW` value instead of
   * `LINKTYPE_RAW` (12 on most systems; Wireshark reads it as raw IP too).
   */
  DLT_RAW: 12,
  /** Raw IP with OpenBSD's `DLT_RAW` value (14). */
  DLT_RAW_OPENBSD: 14,
  /** OpenBSD loopback: a 4-byte address family in network byte order. */
  LOOP: 108,
  /** Linux cooked capture v1 (`tcpdump -i any` before libpcap 1.10, `dumpcap -i any`). */
  LINUX_SLL: 113,
  /** Raw IPv4. */
  IPV4: 228,
  /** Raw IPv6. */
  IPV6: 229,
  /** Linux cooked capture v2 (`tcpdump -i any` with libpcap 1.10+). */
  LINUX_SLL2: 276,
} as const;

// The second last formatted: records come in time order, so most share it and need only their
// nanoseconds formatted (one BigInt subtraction instead of two divisions and two BigInt strings).
let secondStart = 1n;
let secondEnd = 0n;
let secondText = '';
const ZEROS = ['', '0', '00', '000', '0000', '00000', '000000', '0000000', '00000000'];

/**
 * The seconds of a nanosecond timestamp and the dot after them (`"1700000000."`), as
 * {@link formatTimestamp} writes them; undefined before 1970. The text is kept while timestamps
 * stay in the same second (the same string comes back), for writers that encode it once.
 *
 * @example
 * ```ts
 * timestampSecond(1_700_000_000_123_456_789n); // '1700000000.'
 * ```
 */
export function timestampSecond(ns: bigint): string | undefined {
  if (ns < secondStart || ns >= secondEnd) {
    if (ns < 0n) return undefined;
    const s = ns / 1_000_000_000n;
    secondStart = s * 1_000_000_000n;
    secondEnd = secondStart + 1_000_000_000n;
    secondText = `${s}.`;
  }
  return secondText;
}

/** Formats a nanosecond timestamp as `seconds.nanoseconds`, as the JSON contract writes it. */
export function formatTimestamp(ns: bigint): string {
  const second = timestampSecond(ns);
  if (second === undefined) return `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`;
  const frac = `${Number(ns - secondStart)}`;
  return second + ZEROS[9 - frac.length]! + frac;
}
