import type { Diagnostic } from './diagnostic.js';
import type { PacketDissector } from './dissector.js';
import { diagnostic, failure } from './failure.js';
import { FragmentReassembler } from './fragment-reassembler.js';
import { fragmentLayer } from './ipv4.js';
import { ipv6ToString } from './ipv6-address.js';
import type { Ipv6ExtensionHeader, Ipv6Layer } from './layers.js';
import { byIpProto } from './tables.js';
import { fragmentScope } from './tunnel-identity.js';

/** The {@link DissectState} key of the pipeline's IPv6 {@link FragmentReassembler}. */
export const IPV6_REASSEMBLER = 'ipv6.reassembler';

/** Most extension headers walked in one packet; more is treated as malformed (a loop bomb). */
export const MAX_IPV6_EXTENSIONS = 16;

const newReassembler = (): FragmentReassembler => new FragmentReassembler();

const HOP_BY_HOP = 0;
const FRAGMENT = 44;
const AH = 51;

/**
 * Extension headers with the common (next header, length in 8-octet units beyond the first)
 * format, RFC 8200 §4 and the IANA list: hop-by-hop, routing, destination options, mobility,
 * HIP, shim6. Fragment (44) and AH (51) have their own lengths; ESP (50) and no-next-header (59)
 * end the walk (what follows is encrypted or nothing).
 */
function isGenericExtension(nh: number): boolean {
  return nh === HOP_BY_HOP || nh === 43 || nh === 60 || nh === 135 || nh === 139 || nh === 140;
}

/**
 * IPv6 (RFC 8200): fixed header, the extension header chain, and fragments reassembled through
 * the pipeline's {@link FragmentReassembler} keyed by (src, dst, identification) and the tunnel
 * the packet came through. An atomic
 * fragment (offset 0, M = 0; RFC 6946) is decoded in place. After reassembly the extension headers
 * of the fragmentable part are walked too, so `nextProtocol` is always the upper-layer protocol.
 * Addresses are RFC 5952 text.
 */
export const ipv6Dissector: PacketDissector<Ipv6Layer> = {
  protocol: 'ipv6',
  decode(data, ctx) {
    if (data.length < 40) {
      return failure('ipv6', 'ERR_IPV6_TRUNCATED', `IPv6 header needs 40 bytes, ${data.length} captured`, data, ctx);
    }
    const w0 = ((data[0]! << 24) | (data[1]! << 16) | (data[2]! << 8) | data[3]!) >>> 0;
    if (w0 >>> 28 !== 6) return failure('ipv6', 'ERR_IPV6_BAD_VERSION', `IP version ${w0 >>> 28} in an IPv6 header`, data, ctx);
    const payloadLength = (data[4]! << 8) | data[5]!;
    let nh = data[6]!;
    let diags: Diagnostic[] | undefined;
    let end = 40 + payloadLength;
    if (payloadLength === 0 && nh === HOP_BY_HOP) {
      // A jumbogram (RFC 2675) says its length in a hop-by-hop option: take what was captured.
      end = data.length;
    } else if (end > data.length) {
      diags = [diagnostic('WARN_IPV6_TRUNCATED', `IPv6 payload length ${payloadLength}, ${data.length - 40} bytes captured`, ctx.offset + 4)];
      end = data.length;
    }
    const src = ipv6ToString(data, 8);
    const dst = ipv6ToString(data, 24);

    let extensions: Ipv6ExtensionHeader[] | undefined;
    // `buf` switches to the reassembled payload after a fragment header completes a datagram;
    // `base` is then where that payload would start in an unfragmented packet.
    let buf = data;
    let off = 40;
    let base = 0;
    let reassembledFrom: number | undefined;
    while (isGenericExtension(nh) || nh === AH || nh === FRAGMENT) {
      if ((extensions?.length ?? 0) >= MAX_IPV6_EXTENSIONS) {
        return failure('ipv6', 'ERR_IPV6_TOO_MANY_EXT', `more than ${MAX_IPV6_EXTENSIONS} IPv6 extension headers`, data, ctx, base === 0 ? off : 0);
      }
      let len: number;
      if (nh === FRAGMENT) len = 8;
      else if (off + 2 > end) len = 2;
      else len = nh === AH ? (buf[off + 1]! + 2) << 2 : (buf[off + 1]! + 1) << 3;
      if (off + len > end) {
        return failure('ipv6', 'ERR_IPV6_EXT_TRUNCATED', `IPv6 extension header ${nh} needs ${len} bytes, ${end - off} left`, data, ctx, base === 0 ? off : 0);
      }
      (extensions ??= []).push({ type: nh, offset: base + off, length: len });
      const following = buf[off]!;
      if (nh === FRAGMENT) {
        const fo = (buf[off + 2]! << 8) | buf[off + 3]!;
        const offset = fo & 0xfff8;
        const more = (fo & 1) !== 0;
        if (offset !== 0 || more) {
          if (reassembledFrom !== undefined) {
            return failure('ipv6', 'ERR_IPV6_NESTED_FRAGMENT', 'a fragment header inside a reassembled IPv6 datagram', data, ctx);
          }
          const id = ((buf[off + 4]! << 24) | (buf[off + 5]! << 16) | (buf[off + 6]! << 8) | buf[off + 7]!) >>> 0;
          const fragmentPayload = buf.subarray(off + 8, end);
          const cut = end < 40 + payloadLength;
          const result = cut
            ? ({ status: 'dropped', reason: 'fragment not captured whole' } as const)
            : ctx.state.get(IPV6_REASSEMBLER, newReassembler).add(`${src} ${dst} ${id} ${fragmentScope(ctx)}`, offset, more, fragmentPayload, ctx.frame.timestamp, following);
          if (result.status !== 'complete') {
            const layer = ipv6Layer(data, ctx.offset, off + 8, fragmentPayload, src, dst, payloadLength, following, extensions, diags);
            return fragmentLayer(layer, result, ctx.offset + off);
          }
          if (result.overlap > 0) {
            (diags ??= []).push(diagnostic('WARN_FRAGMENT_OVERLAP', `${result.overlap} bytes overlapped earlier fragments: the first copy was kept`, ctx.offset + off));
          }
          reassembledFrom = result.fragments;
          nh = result.meta;
          base = off + 8;
          buf = result.data;
          off = 0;
          end = buf.length;
          continue;
        }
      }
      nh = following;
      off += len;
    }
    const layer = ipv6Layer(data, ctx.offset, base + off, buf.subarray(off, end), src, dst, payloadLength, nh, extensions ?? NO_EXTENSIONS, diags);
    return reassembledFrom === undefined ? layer : { ...layer, reassembledFrom };
  },
  next(layer, ctx) {
    return layer.fragment ? undefined : byIpProto(layer.nextProtocol, ctx);
  },
};

const NO_EXTENSIONS: readonly Ipv6ExtensionHeader[] = Object.freeze([]);

function ipv6Layer(
  data: Uint8Array,
  offset: number,
  headerLength: number,
  payload: Uint8Array,
  src: string,
  dst: string,
  payloadLength: number,
  nextProtocol: number,
  extensions: readonly Ipv6ExtensionHeader[],
  diags: Diagnostic[] | undefined,
): Ipv6Layer {
  return {
    protocol: 'ipv6',
    offset,
    headerLength,
    payload,
    src,
    dst,
    trafficClass: ((data[0]! & 0x0f) << 4) | (data[1]! >> 4),
    flowLabel: ((data[1]! & 0x0f) << 16) | (data[2]! << 8) | data[3]!,
    payloadLength,
    hopLimit: data[7]!,
    nextProtocol,
    extensions,
    diagnostics: diags,
  };
}
