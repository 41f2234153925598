/**
 * Seeded mutations of a capture file for the mutation campaign: bit flips, byte sets, truncations,
 * length-field bumps and record duplication. The file's records (pcap) or blocks (pcapng) are
 * found first, so that length bumps and duplications hit real boundaries: a mutation at a random
 * byte mostly lands in payload, which parsers rarely look at.
 */
import type { Prng } from './prng.js';

/** What one mutation did, for the report and for reproducing it. */
export interface Mutation {
  readonly kind: MutationKind;
  /** Where in the (mutated) file, and what: `bit 3 of byte 1234`, `cut at 5000`. */
  readonly detail: string;
}

/** The kinds of mutation, one picked per step. */
export const MUTATION_KINDS = ['bitflip', 'byteset', 'truncate', 'record-length', 'frame-length', 'duplicate'] as const;
/** One of {@link MUTATION_KINDS}. */
export type MutationKind = (typeof MUTATION_KINDS)[number];

/** A record (pcap) or block (pcapng): where it starts, its header, and where its frame bytes are. */
interface Rec {
  readonly at: number;
  /** Total bytes of the record or block. */
  readonly length: number;
  /** Offset of the 32-bit length field to bump (pcap: caplen; pcapng: the block's total length). */
  readonly lengthField: number;
  /** Where the link-layer frame starts (-1 for a block without one). */
  readonly frameAt: number;
  readonly frameLength: number;
}

interface Layout {
  readonly format: 'pcap' | 'pcapng' | 'other';
  readonly little: boolean;
  /** Link type of the first interface (1 = Ethernet), for frame-length bumps. */
  readonly linkType: number;
  readonly records: Rec[];
}

/** Finds the records of a pcap or the blocks of a pcapng; stops at the first that does not fit. */
export function layout(b: Uint8Array): Layout {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length < 24) return { format: 'other', little: true, linkType: 0, records: [] };
  const magicLe = v.getUint32(0, true);
  if (magicLe === 0xa1b2c3d4 || magicLe === 0xa1b23c4d || magicLe === 0xd4c3b2a1 || magicLe === 0x4d3cb2a1) {
    const little = magicLe === 0xa1b2c3d4 || magicLe === 0xa1b23c4d;
    const linkType = v.getUint32(20, little) & 0xffff;
    const records: Rec[] = [];
    for (let at = 24; at + 16 <= b.length; ) {
      const caplen = v.getUint32(at + 8, little);
      if (at + 16 + caplen > b.length) break;
      records.push({ at, length: 16 + caplen, lengthField: at + 8, frameAt: at + 16, frameLength: caplen });
      at += 16 + caplen;
    }
    return { format: 'pcap', little, linkType, records };
  }
  if (magicLe === 0x0a0d0d0a && b.length >= 12) {
    const bom = v.getUint32(8, true);
    const little = bom === 0x1a2b3c4d;
    let linkType = 0;
    const records: Rec[] = [];
    for (let at = 0; at + 12 <= b.length; ) {
      const type = v.getUint32(at, little);
      const length = v.getUint32(at + 4, little);
      if (length < 12 || at + length > b.length) break;
      let frameAt = -1;
      let frameLength = 0;
      if (type === 1 && !linkType && length >= 20) linkType = v.getUint16(at + 8, little);
      // Enhanced Packet Block (type 6): frame after 28 bytes of header; Simple Packet Block (3): after 12.
      if (type === 6 && length >= 32) {
        frameAt = at + 28;
        frameLength = Math.min(v.getUint32(at + 20, little), length - 32);
      } else if (type === 3 && length >= 16) {
        frameAt = at + 12;
        frameLength = length - 16;
      }
      records.push({ at, length, lengthField: at + 4, frameAt, frameLength });
      at += length;
    }
    return { format: 'pcapng', little, linkType, records };
  }
  return { format: 'other', little: true, linkType: 0, records: [] };
}

/**
 * Where the IPv4 header of a frame starts, or -1 when it carries none that is whole: Ethernet
 * (with 802.1Q tags), Linux SLL and SLL2, BSD loopback, raw IP.
 */
function ipv4At(b: Uint8Array, at: number, length: number, linkType: number): number {
  let ip = -1;
  if (linkType === 1) {
    let p = at + 12;
    while (p + 4 <= at + length && b[p] === 0x81 && b[p + 1] === 0x00) p += 4;
    if (b[p] === 0x08 && b[p + 1] === 0x00) ip = p + 2;
  } else if (linkType === 113) ip = b[at + 14] === 0x08 && b[at + 15] === 0x00 ? at + 16 : -1;
  else if (linkType === 276) ip = b[at] === 0x08 && b[at + 1] === 0x00 ? at + 20 : -1;
  else if (linkType === 0 || linkType === 108) ip = at + 4;
  else if (linkType === 101 || linkType === 12 || linkType === 14 || linkType === 228) ip = at;
  if (ip < 0 || ip + 20 > at + length || b[ip]! >> 4 !== 4) return -1;
  return ip;
}

/** Values a length field is bumped to, as a function of what it was. */
const BUMPS: readonly ((x: number, rng: Prng) => number)[] = [
  (x) => x + 1,
  (x) => Math.max(0, x - 1),
  (x) => x * 2,
  () => 0,
  () => 0xffffffff,
  () => 0x7fffffff,
  (x) => x + 8,
  (x, rng) => rng.u32(),
];

/** Values a byte is set to (boundaries parsers get wrong), or a random one. */
const BYTES = [0x00, 0xff, 0x7f, 0x80, 0x01, 0x7e] as const;

/**
 * Applies one seeded mutation of `kind` to `b` (a copy is returned when the size changes; else
 * `b` is changed in place and returned).
 */
export function mutate(b: Uint8Array, kind: MutationKind, rng: Prng): { bytes: Uint8Array; mutation: Mutation } {
  const lay = layout(b);
  const recs = lay.records;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(0, xs.length - 1)]!;
  // Past the file header when there is one: mutating the magic number only tests one error path.
  const from = lay.format === 'pcap' ? 24 : 0;
  switch (kind) {
    case 'bitflip': {
      const n = rng.int(1, 8);
      const where: number[] = [];
      for (let i = 0; i < n; i++) {
        const at = rng.int(from, b.length - 1);
        const bit = rng.int(0, 7);
        b[at]! ^= 1 << bit;
        where.push(at);
      }
      return { bytes: b, mutation: { kind, detail: `${n} bit(s) at ${where.join(',')}` } };
    }
    case 'byteset': {
      const n = rng.int(1, 4);
      const where: string[] = [];
      for (let i = 0; i < n; i++) {
        const at = rng.int(from, b.length - 1);
        const val = rng.chance(0.7) ? pick(BYTES) : rng.int(0, 255);
        b[at] = val;
        where.push(`${at}=${val.toString(16)}`);
      }
      return { bytes: b, mutation: { kind, detail: where.join(',') } };
    }
    case 'truncate': {
      // Half the time at a record boundary ± a little, where readers decide "is there another record".
      const at = recs.length && rng.chance(0.5) ? Math.max(1, Math.min(b.length - 1, pick(recs).at + rng.int(-2, 20))) : rng.int(1, b.length - 1);
      return { bytes: b.slice(0, at), mutation: { kind, detail: `cut at ${at} of ${b.length}` } };
    }
    case 'record-length': {
      if (!recs.length) return mutate(b, 'byteset', rng);
      const r = pick(recs);
      const old = v.getUint32(r.lengthField, lay.little);
      const val = pick(BUMPS)(old, rng) >>> 0;
      v.setUint32(r.lengthField, val, lay.little);
      return { bytes: b, mutation: { kind, detail: `length at ${r.lengthField}: ${old} → ${val}` } };
    }
    case 'frame-length': {
      // A length inside the frame: IPv4 total length, TCP data offset, UDP length, or a WebSocket
      // length byte (the second byte of a TCP payload), on frames carrying IPv4.
      const withIp = recs.flatMap((r) => {
        const ip = r.frameAt < 0 ? -1 : ipv4At(b, r.frameAt, r.frameLength, lay.linkType);
        return ip >= 0 ? [{ r, ip }] : [];
      });
      if (!withIp.length) return mutate(b, 'record-length', rng);
      const { r, ip } = pick(withIp);
      const ihl = (b[ip]! & 0x0f) * 4;
      const proto = b[ip + 9];
      const l4 = ip + ihl;
      const end = r.frameAt + r.frameLength;
      let choice = rng.int(0, 3);
      // No whole TCP header, or no payload for a WebSocket length byte: the IPv4 length instead.
      if ((proto !== 6 && proto !== 17) || l4 + 20 > end || (choice >= 2 && proto === 6 && l4 + (b[l4 + 12]! >> 4) * 4 + 2 > end)) choice = 0;
      if (choice === 0) {
        const old = v.getUint16(ip + 2);
        const val = pick(BUMPS)(old, rng) & 0xffff;
        v.setUint16(ip + 2, val);
        return { bytes: b, mutation: { kind, detail: `IPv4 total length at ${ip + 2}: ${old} → ${val}` } };
      }
      if (proto === 17) {
        const old = v.getUint16(l4 + 4);
        const val = pick(BUMPS)(old, rng) & 0xffff;
        v.setUint16(l4 + 4, val);
        return { bytes: b, mutation: { kind, detail: `UDP length at ${l4 + 4}: ${old} → ${val}` } };
      }
      if (choice === 1) {
        const old = b[l4 + 12]! >> 4;
        const val = rng.int(0, 15);
        b[l4 + 12] = (val << 4) | (b[l4 + 12]! & 0x0f);
        return { bytes: b, mutation: { kind, detail: `TCP data offset at ${l4 + 12}: ${old} → ${val}` } };
      }
      const payload = l4 + (b[l4 + 12]! >> 4) * 4;
      const val = pick([126, 127, 125, 0, 0xff, 0x7f | (b[payload + 1]! & 0x80)]);
      const old = b[payload + 1]!;
      b[payload + 1] = val;
      return { bytes: b, mutation: { kind, detail: `second payload byte (a WebSocket length) at ${payload + 1}: ${old} → ${val}` } };
    }
    case 'duplicate': {
      // Skip the pcapng section header (duplicating it starts a new section: valid, but dull).
      const dups = lay.format === 'pcapng' ? recs.slice(1) : recs;
      if (!dups.length) return mutate(b, 'truncate', rng);
      const r = pick(dups);
      const times = rng.chance(0.8) ? 1 : rng.int(2, 50);
      const out = new Uint8Array(b.length + r.length * times);
      out.set(b.subarray(0, r.at + r.length));
      for (let i = 1; i <= times; i++) out.set(b.subarray(r.at, r.at + r.length), r.at + r.length * i);
      out.set(b.subarray(r.at + r.length), r.at + r.length * (times + 1));
      return { bytes: out, mutation: { kind, detail: `record at ${r.at} (${r.length} bytes) ×${times + 1}` } };
    }
  }
}
