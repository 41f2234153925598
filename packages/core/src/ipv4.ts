import type { Diagnostic } from './diagnostic.js';
import type { DissectContext, PacketDissector } from './dissector.js';
import { diagnostic, failure } from './failure.js';
import { FragmentReassembler, type FragmentResult } from './fragment-reassembler.js';
import type { Ipv4Layer } from './layers.js';
import { byIpProto } from './tables.js';
import { fragmentScope } from './tunnel-identity.js';

/** The {@link DissectState} key of the pipeline's IPv4 {@link FragmentReassembler}. */
export const IPV4_REASSEMBLER = 'ipv4.reassembler';

const newReassembler = (): FragmentReassembler => new FragmentReassembler();

/** The options view of every header without options (saves a view per packet; never written). */
const NO_OPTIONS = new Uint8Array(0);

// A direct-mapped cache of address texts. A capture's packets keep using the same few addresses,
// and building the text is the dearest part of an IPv4 header (about 80 ns and 250 bytes of
// garbage per address); handing out the same string also lets a Map keyed by it (TCP
// reassembly) reuse the hash the string keeps. Strings are immutable, so sharing them is safe.
const ADDRESS_CACHE_BITS = 10;
const cachedAddress = new Int32Array(1 << ADDRESS_CACHE_BITS);
const cachedText: (string | undefined)[] = new Array<string | undefined>(1 << ADDRESS_CACHE_BITS).fill(undefined);

/** Dotted-quad text of the 4 bytes at `at`. */
export function ipv4ToString(b: Uint8Array, at: number): string {
  const a0 = b[at]!;
  const a1 = b[at + 1]!;
  const a2 = b[at + 2]!;
  const a3 = b[at + 3]!;
  const address = (a0 << 24) | (a1 << 16) | (a2 << 8) | a3;
  const slot = Math.imul(address, 0x9e3779b1) >>> (32 - ADDRESS_CACHE_BITS);
  const cached = cachedText[slot];
  if (cached !== undefined && cachedAddress[slot] === address) return cached;
  const text = `${a0}.${a1}.${a2}.${a3}`;
  cachedAddress[slot] = address;
  cachedText[slot] = text;
  return text;
}

/** Whether the RFC 1071 one's-complement sum over the header (checksum included) is all ones. */
function headerChecksumValid(data: Uint8Array, ihl: number): boolean {
  let sum = 0;
  for (let i = 0; i < ihl; i += 2) sum += (data[i]! << 8) | data[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum === 0xffff;
}

/**
 * Checks the options area's TLV structure (RFC 791 §3.1: EOL and NOP are one byte, every other
 * option has a length byte of at least 2). Returns the offset of the first bad option, or -1.
 */
function badOptionAt(opts: Uint8Array): number {
  let i = 0;
  while (i < opts.length) {
    const type = opts[i]!;
    if (type === 0) return -1;
    if (type === 1) {
      i++;
      continue;
    }
    const len = opts[i + 1];
    if (len === undefined || len < 2 || i + len > opts.length) return i;
    i += len;
  }
  return -1;
}

function add(list: Diagnostic[] | undefined, d: Diagnostic): Diagnostic[] {
  if (!list) return [d];
  list.push(d);
  return list;
}

/**
 * IPv4 (RFC 791): header, options, header checksum (flagged, never fatal), total length against
 * what was captured (a snaplen cut decodes what is there, with `WARN_IPV4_TRUNCATED`), and
 * fragment reassembly through the pipeline's {@link FragmentReassembler} (per tunnel: see
 * {@link fragmentScope}). A fragment that does
 * not complete its datagram returns a layer with `fragment: true` and dissection stops; the one
 * that completes it returns `reassembledFrom` and the whole datagram's payload (a new buffer).
 */
export const ipv4Dissector: PacketDissector<Ipv4Layer> = {
  protocol: 'ipv4',
  decode(data, ctx) {
    if (data.length < 20) {
      return failure('ipv4', 'ERR_IPV4_TRUNCATED', `IPv4 header needs 20 bytes, ${data.length} captured`, data, ctx);
    }
    const vihl = data[0]!;
    if (vihl >> 4 !== 4) return failure('ipv4', 'ERR_IPV4_BAD_VERSION', `IP version ${vihl >> 4} in an IPv4 header`, data, ctx);
    const ihl = (vihl & 0x0f) << 2;
    if (ihl < 20) return failure('ipv4', 'ERR_IPV4_BAD_IHL', `IPv4 header length ${ihl} is under 20`, data, ctx);
    if (ihl > data.length) {
      return failure('ipv4', 'ERR_IPV4_TRUNCATED', `IPv4 header length ${ihl}, ${data.length} bytes captured`, data, ctx);
    }
    let totalLength = (data[2]! << 8) | data[3]!;
    let diags: Diagnostic[] | undefined;
    let end = totalLength;
    if (totalLength === 0) {
      // Linux captures of TCP segmentation offload carry total length 0: use what was captured.
      totalLength = end = data.length;
      diags = add(diags, diagnostic('WARN_IPV4_ZERO_LENGTH', 'IPv4 total length 0 (segmentation offload?): using the captured length', ctx.offset + 2, 'info'));
    } else if (totalLength < ihl) {
      return failure('ipv4', 'ERR_IPV4_BAD_TOTAL_LENGTH', `IPv4 total length ${totalLength} is under the header length ${ihl}`, data, ctx, 2);
    } else if (totalLength > data.length) {
      end = data.length;
      diags = add(diags, diagnostic('WARN_IPV4_TRUNCATED', `IPv4 total length ${totalLength}, ${data.length} bytes captured`, ctx.offset + 2));
    }
    const checksumValid = headerChecksumValid(data, ihl);
    const checksum = (data[10]! << 8) | data[11]!;
    if (!checksumValid) diags = add(diags, diagnostic('WARN_IPV4_BAD_CHECKSUM', `IPv4 header checksum 0x${checksum.toString(16)} is wrong`, ctx.offset + 10));
    const options = ihl > 20 ? data.subarray(20, ihl) : NO_OPTIONS;
    if (ihl > 20) {
      const bad = badOptionAt(options);
      if (bad >= 0) diags = add(diags, diagnostic('WARN_IPV4_BAD_OPTION', `malformed IPv4 option at option byte ${bad}`, ctx.offset + 20 + bad));
    }
    const flags = (data[6]! << 8) | data[7]!;
    const moreFragments = (flags & 0x2000) !== 0;
    const fragmentOffset = (flags & 0x1fff) << 3;
    const nextProtocol = data[9]!;
    const src = ipv4ToString(data, 12);
    const dst = ipv4ToString(data, 16);
    const id = (data[4]! << 8) | data[5]!;
    const layer = {
      protocol: 'ipv4' as const,
      offset: ctx.offset,
      headerLength: ihl,
      payload: data.subarray(ihl, end),
      src,
      dst,
      tos: data[1]!,
      totalLength,
      id,
      dontFragment: (flags & 0x4000) !== 0,
      moreFragments,
      fragmentOffset,
      ttl: data[8]!,
      nextProtocol,
      checksum,
      checksumValid,
      options,
      diagnostics: diags,
    };
    if (!moreFragments && fragmentOffset === 0) return layer;
    return defragment(layer, end < totalLength, ctx);
  },
  next(layer, ctx) {
    return layer.fragment ? undefined : byIpProto(layer.nextProtocol, ctx);
  },
};

function defragment(layer: Ipv4Layer, cut: boolean, ctx: DissectContext): Ipv4Layer {
  let result: FragmentResult;
  if (cut) {
    // A fragment cut by the snaplen cannot fill its range: keep it out of the reassembly.
    result = { status: 'dropped', reason: 'fragment not captured whole' };
  } else {
    const r = ctx.state.get(IPV4_REASSEMBLER, newReassembler);
    const key = `${layer.src} ${layer.dst} ${layer.nextProtocol} ${layer.id} ${fragmentScope(ctx)}`;
    result = r.add(key, layer.fragmentOffset, layer.moreFragments, layer.payload, ctx.frame.timestamp);
  }
  return fragmentLayer(layer, result, ctx.offset);
}

/**
 * The layer a fragment yields: the whole datagram when `result` completed it, else a stopping
 * `fragment: true` layer with a diagnostic for a drop or overlap. Shared with IPv6.
 */
export function fragmentLayer<L extends { readonly diagnostics?: readonly Diagnostic[] }>(
  layer: L,
  result: FragmentResult,
  offset: number,
): L {
  let diags = layer.diagnostics as Diagnostic[] | undefined;
  if (result.status === 'dropped') {
    diags = add(diags, diagnostic('WARN_FRAGMENT_DROPPED', `fragment dropped: ${result.reason}`, offset));
  } else if (result.overlap > 0) {
    diags = add(diags, diagnostic('WARN_FRAGMENT_OVERLAP', `${result.overlap} bytes overlapped earlier fragments: the first copy was kept`, offset));
  }
  const d = diags ? { diagnostics: diags } : undefined;
  if (result.status === 'complete') return { ...layer, payload: result.data, reassembledFrom: result.fragments, ...d };
  return { ...layer, fragment: true, ...d };
}
