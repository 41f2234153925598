import type { Diagnostic, DissectContext, FailureLayer, LayerBase, PacketDissector } from '@netrx/core';

/** TCP header flag bits (RFC 9293 §3.1, RFC 3168 for ECE/CWR). */
export const TcpFlag = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
} as const;

/** One SACK block (RFC 2018): the left edge and the sequence number after the right edge. */
export interface TcpSackBlock {
  readonly left: number;
  readonly right: number;
}

/** The TCP options netrx understands; unknown kinds are skipped by their length. */
export interface TcpHeaderOptions {
  /** Maximum segment size (kind 2, RFC 9293 §3.2). */
  readonly mss?: number;
  /** Window scale shift count (kind 3, RFC 7323 §2). */
  readonly windowScale?: number;
  /** SACK permitted (kind 4, RFC 2018). */
  readonly sackPermitted?: boolean;
  /** SACK blocks (kind 5, RFC 2018). */
  readonly sack?: readonly TcpSackBlock[];
  /** Timestamps (kind 8, RFC 7323 §3): TSval and TSecr. */
  readonly timestamp?: { readonly value: number; readonly echo: number };
}

/** A decoded TCP header. `payload` is a view of the segment's data in the frame. */
export interface TcpLayer extends LayerBase {
  readonly protocol: 'tcp';
  readonly srcPort: number;
  readonly dstPort: number;
  /** Sequence number (unsigned 32-bit). */
  readonly seq: number;
  /** Acknowledgment number (unsigned 32-bit; meaningful when the ACK flag is set). */
  readonly ack: number;
  /** The flag byte: test with {@link TcpFlag}. */
  readonly flags: number;
  readonly window: number;
  readonly checksum: number;
  readonly urgentPointer: number;
  /** Parsed options; an empty object when the header has none. */
  readonly options: TcpHeaderOptions;
  /**
   * Bytes of this segment's data that the capture cut off (snaplen): the segment covers
   * `payload.length + truncatedBytes` sequence numbers. 0 when whole.
   */
  readonly truncatedBytes: number;
}

declare module '@netrx/core' {
  interface LayerMap {
    tcp: TcpLayer;
  }
}

/** Stable codes the TCP decoder puts on failure layers and diagnostics. */
export const TcpCodes = {
  ERR_TCP_TRUNCATED: 'fewer than 20 bytes for a TCP header',
  ERR_TCP_BAD_DATA_OFFSET: 'the TCP data offset is under 5 words or runs past the captured bytes',
  WARN_TCP_BAD_OPTION: 'a TCP option has a bad length or runs past the options area: the rest were skipped',
} as const;

const NO_OPTIONS: TcpHeaderOptions = Object.freeze({});

/**
 * Decodes a TCP header (RFC 9293 §3.1) from `data`, a view starting at the header. Returns a
 * {@link TcpLayer} or a failure layer (`ERR_TCP_TRUNCATED`, `ERR_TCP_BAD_DATA_OFFSET`); a malformed
 * option is a `WARN_TCP_BAD_OPTION` diagnostic and does not stop decoding. Never throws.
 *
 * `frameOffset` is the offset of `data[0]` in its frame (for layer and diagnostic offsets);
 * `truncatedBytes` is how many bytes of the segment the capture cut off.
 *
 * @example
 * ```ts
 * const layer = decodeTcp(bytes);
 * if (layer.protocol === 'tcp') console.log(layer.srcPort, layer.dstPort, layer.payload.length);
 * ```
 */
export function decodeTcp(data: Uint8Array, frameOffset = 0, truncatedBytes = 0): TcpLayer | FailureLayer {
  if (data.length < 20) {
    return fail('ERR_TCP_TRUNCATED', `${data.length} bytes, a TCP header needs 20`, data, frameOffset);
  }
  const b = data;
  const headerLength = (b[12]! >> 4) * 4;
  if (headerLength < 20 || headerLength > data.length) {
    return fail('ERR_TCP_BAD_DATA_OFFSET', `data offset says ${headerLength} header bytes, ${data.length} captured`, data, frameOffset + 12);
  }
  let options = NO_OPTIONS;
  let diagnostics: Diagnostic[] | undefined;
  if (headerLength > 20) {
    const parsed = parseOptions(data, headerLength, frameOffset);
    options = parsed.options;
    if (parsed.diagnostic) diagnostics = [parsed.diagnostic];
  }
  const layer: TcpLayer = {
    protocol: 'tcp',
    offset: frameOffset,
    headerLength,
    payload: data.subarray(headerLength),
    srcPort: (b[0]! << 8) | b[1]!,
    dstPort: (b[2]! << 8) | b[3]!,
    seq: ((b[4]! << 24) | (b[5]! << 16) | (b[6]! << 8) | b[7]!) >>> 0,
    ack: ((b[8]! << 24) | (b[9]! << 16) | (b[10]! << 8) | b[11]!) >>> 0,
    flags: b[13]!,
    window: (b[14]! << 8) | b[15]!,
    checksum: (b[16]! << 8) | b[17]!,
    urgentPointer: (b[18]! << 8) | b[19]!,
    options,
    truncatedBytes,
  };
  return diagnostics ? { ...layer, diagnostics } : layer;
}

interface MutableOptions {
  mss?: number;
  windowScale?: number;
  sackPermitted?: boolean;
  sack?: TcpSackBlock[];
  timestamp?: { value: number; echo: number };
}

/** Expected total length of the fixed-size options (kind → length, RFC 9293 §3.2, RFC 7323). */
const FIXED_LENGTH: Record<number, number> = { 2: 4, 3: 3, 4: 2, 8: 10 };

function parseOptions(b: Uint8Array, end: number, frameOffset: number): { options: TcpHeaderOptions; diagnostic?: Diagnostic } {
  const o: MutableOptions = {};
  let i = 20;
  while (i < end) {
    const kind = b[i]!;
    if (kind === 0) break; // End of option list.
    if (kind === 1) {
      i++; // No-operation (padding).
      continue;
    }
    const len = i + 1 < end ? b[i + 1]! : 0;
    const fixed = FIXED_LENGTH[kind];
    if (len < 2 || i + len > end || (fixed !== undefined && len !== fixed) || (kind === 5 && (len - 2) % 8 !== 0)) {
      return {
        options: o,
        diagnostic: {
          code: 'WARN_TCP_BAD_OPTION',
          severity: 'warning',
          message: `TCP option kind ${kind} at header byte ${i} has length ${len} (options end at ${end})`,
          offset: frameOffset + i,
        },
      };
    }
    switch (kind) {
      case 2:
        o.mss = (b[i + 2]! << 8) | b[i + 3]!;
        break;
      case 3:
        o.windowScale = b[i + 2]!;
        break;
      case 4:
        o.sackPermitted = true;
        break;
      case 5: {
        const blocks: TcpSackBlock[] = [];
        for (let j = i + 2; j + 8 <= i + len; j += 8) blocks.push({ left: u32(b, j), right: u32(b, j + 4) });
        o.sack = blocks;
        break;
      }
      case 8:
        o.timestamp = { value: u32(b, i + 2), echo: u32(b, i + 6) };
        break;
    }
    i += len;
  }
  return { options: o };
}

function u32(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

function fail(code: keyof typeof TcpCodes, message: string, data: Uint8Array, offset: number): FailureLayer {
  return { protocol: 'failure', failedProtocol: 'tcp', code, severity: 'error', message, offset, headerLength: 0, payload: data };
}

/**
 * The TCP packet dissector, added to `ip.proto` 6 by {@link tcpPlugin}. TCP payloads are not
 * dissected per packet: {@link reassembleTcp} turns them into byte streams.
 */
export const tcpDissector: PacketDissector<TcpLayer> = {
  protocol: 'tcp',
  decode(data: Uint8Array, ctx: DissectContext) {
    // When the TCP data reaches the end of what was captured, whatever the capture cut off
    // (frame length − captured length) belongs to this segment.
    const frame = ctx.frame;
    const end = ctx.offset + data.length;
    const cut = end === frame.caplen && frame.length > frame.caplen ? frame.length - frame.caplen : 0;
    return decodeTcp(data, ctx.offset, cut);
  },
};
