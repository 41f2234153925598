import type { DissectContext, PacketDissector } from './dissector.js';
import { failure } from './failure.js';
import type { NullLayer } from './layers.js';
import { byEtherType } from './tables.js';

/**
 * Address family → ethertype. AF_INET is 2 everywhere; AF_INET6 differs by OS: Linux 10,
 * NetBSD/OpenBSD/BSD/OS 24, FreeBSD/DragonFly 28, Darwin 30 (tcpdump.org/linktypes/LINKTYPE_NULL.html).
 */
function familyEtherType(family: number): number {
  switch (family) {
    case 2:
      return 0x0800;
    case 10:
    case 24:
    case 28:
    case 30:
      return 0x86dd;
    default:
      return 0;
  }
}

function nextByFamily(layer: NullLayer, ctx: DissectContext): PacketDissector | undefined {
  const type = familyEtherType(layer.family);
  return type === 0 ? undefined : byEtherType(type, ctx);
}

function layerOf(data: Uint8Array, family: number, ctx: DissectContext): NullLayer {
  return { protocol: 'null', offset: ctx.offset, headerLength: 4, payload: data.subarray(4), family };
}

/**
 * BSD loopback (LINKTYPE_NULL, 0): a 4-byte address family in the *capturing host's* byte order,
 * which the file does not record. Families are small numbers, so the order is told by value: a
 * little-endian read over 0xffff means the field was big-endian.
 */
export const nullDissector: PacketDissector<NullLayer> = {
  protocol: 'null',
  decode(data, ctx) {
    if (data.length < 4) {
      return failure('null', 'ERR_NULL_TRUNCATED', `loopback header needs 4 bytes, ${data.length} captured`, data, ctx);
    }
    const le = (data[0]! | (data[1]! << 8) | (data[2]! << 16) | (data[3]! << 24)) >>> 0;
    const family = le > 0xffff ? ((data[0]! << 24) | (data[1]! << 16) | (data[2]! << 8) | data[3]!) >>> 0 : le;
    return layerOf(data, family, ctx);
  },
  next: nextByFamily,
};

/** OpenBSD loopback (LINKTYPE_LOOP, 108): as {@link nullDissector} but always network byte order. */
export const loopDissector: PacketDissector<NullLayer> = {
  protocol: 'null',
  decode(data, ctx) {
    if (data.length < 4) {
      return failure('null', 'ERR_NULL_TRUNCATED', `loopback header needs 4 bytes, ${data.length} captured`, data, ctx);
    }
    return layerOf(data, ((data[0]! << 24) | (data[1]! << 16) | (data[2]! << 8) | data[3]!) >>> 0, ctx);
  },
  next: nextByFamily,
};
