import type { Diagnostic } from './diagnostic.js';
import type { DissectContext, PacketDissector } from './dissector.js';
import { diagnostic, failure } from './failure.js';
import { byEtherType } from './tables.js';
import type { GreLayer } from './tunnel-layers.js';
import { enclosingIp, NumberTexts } from './tunnel-identity.js';

/** GRE's IP protocol number. */
export const IP_PROTO_GRE = 47;

const C_BIT = 0x8000;
const R_BIT = 0x4000;
const K_BIT = 0x2000;
const S_BIT = 0x1000;
const A_BIT = 0x0080;

/** Most RFC 1701 source route entries walked (the walk is bounded by the data anyway). */
const MAX_SRES = 16;

const names = new NumberTexts((key) => `gre key ${key}`);

/**
 * GRE: version 0 (RFC 2784) with the key and sequence number of RFC 2890 and, from RFC 1701, the
 * offset field and source route entries when the R bit is set; version 1, enhanced GRE (PPTP,
 * RFC 2637 §4.1: the key field holds a payload length and the peer's call ID, then an optional
 * acknowledgment number). A checksum (C bit) is verified over the header and payload when the
 * enclosing IP header says the packet was captured whole; a wrong one is `WARN_GRE_BAD_CHECKSUM`.
 * The protocol type goes through the `ethertype` table (0x0800 IPv4, 0x6558 Ethernet, 0x88be
 * ERSPAN, 0x880b PPP…). The tunnel is the key (version 0; RFC 2890 §2.1: it identifies a flow
 * within the tunnel), or plain `gre`: the outer addresses are left out, since they need not
 * mirror each other in the two directions, and version 1's call IDs differ by direction.
 */
export const greDissector: PacketDissector<GreLayer> = {
  protocol: 'gre',
  decode(data, ctx) {
    if (data.length < 4) return failure('gre', 'ERR_GRE_TRUNCATED', `GRE header needs 4 bytes, ${data.length} captured`, data, ctx);
    const flags = (data[0]! << 8) | data[1]!;
    const version = flags & 7;
    if (version > 1) return failure('gre', 'ERR_GRE_BAD_VERSION', `GRE version ${version} (0 and 1 are defined)`, data, ctx, 1);
    let off = 4;
    let checksum: number | undefined;
    if (flags & (C_BIT | R_BIT)) {
      if (off + 4 > data.length) return truncated(data, ctx, off, 'checksum');
      if (flags & C_BIT) checksum = (data[4]! << 8) | data[5]!;
      off += 4;
    }
    let key: number | undefined;
    if (flags & K_BIT) {
      if (off + 4 > data.length) return truncated(data, ctx, off, 'key');
      key = read32(data, off);
      off += 4;
    }
    let sequence: number | undefined;
    if (flags & S_BIT) {
      if (off + 4 > data.length) return truncated(data, ctx, off, 'sequence number');
      sequence = read32(data, off);
      off += 4;
    }
    let ack: number | undefined;
    if (version === 1 && flags & A_BIT) {
      if (off + 4 > data.length) return truncated(data, ctx, off, 'acknowledgment number');
      ack = read32(data, off);
      off += 4;
    }
    if (version === 0 && flags & R_BIT) {
      // RFC 1701 §2.1: source route entries, each (family, offset, length, info), until a null one.
      for (let n = 0; ; n++) {
        if (off + 4 > data.length) return truncated(data, ctx, off, 'source route entry');
        const family = (data[off]! << 8) | data[off + 1]!;
        const len = data[off + 3]!;
        off += 4 + len;
        if (family === 0 && len === 0) break;
        if (off > data.length) return truncated(data, ctx, off - len - 4, 'source route entry');
        if (n >= MAX_SRES) return failure('gre', 'ERR_GRE_BAD_ROUTING', `more than ${MAX_SRES} GRE source route entries`, data, ctx, off);
      }
    }
    let diags: Diagnostic[] | undefined;
    let checksumValid: boolean | undefined;
    if (checksum !== undefined && capturedWhole(data, ctx)) {
      checksumValid = onesComplementSum(data) === 0xffff;
      if (!checksumValid) diags = [diagnostic('WARN_GRE_BAD_CHECKSUM', `GRE checksum 0x${checksum.toString(16)} is wrong`, ctx.offset + 4)];
    }
    return {
      protocol: 'gre',
      offset: ctx.offset,
      headerLength: off,
      payload: data.subarray(off),
      version,
      flags,
      etherType: (data[2]! << 8) | data[3]!,
      checksum,
      checksumValid,
      key: version === 0 ? key : undefined,
      sequence,
      callId: version === 1 && key !== undefined ? key & 0xffff : undefined,
      ack,
      diagnostics: diags,
    };
  },
  next(layer, ctx) {
    return byEtherType(layer.etherType, ctx);
  },
  tunnel(layer) {
    return layer.key === undefined ? 'gre' : names.get(layer.key);
  },
};

function read32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function truncated(data: Uint8Array, ctx: DissectContext, at: number, what: string) {
  return failure('gre', 'ERR_GRE_TRUNCATED', `GRE ${what} cut off`, data, ctx, at);
}

/** Whether the IP header outside says its payload (this GRE packet) was captured whole. */
function capturedWhole(data: Uint8Array, ctx: DissectContext): boolean {
  const ip = enclosingIp(ctx);
  if (ip === undefined) return false;
  if (ip.reassembledFrom !== undefined) return true;
  const total = ip.protocol === 'ipv4' ? ip.totalLength : 40 + ip.payloadLength;
  return total - ip.headerLength === data.length;
}

/** The RFC 1071 one's-complement sum of `data`, folded to 16 bits (0xffff when a checksum in it is right). */
function onesComplementSum(data: Uint8Array): number {
  let sum = 0;
  const even = data.length & ~1;
  for (let i = 0; i < even; i += 2) sum += (data[i]! << 8) | data[i + 1]!;
  if (even < data.length) sum += data[even]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}
