import type { PacketDissector } from './dissector.js';
import { failure } from './failure.js';
import type { Sll2Layer, SllLayer } from './layers.js';
import { byEtherType } from './tables.js';

/** `ARPHRD_NETLINK`: the protocol field is a netlink family, not an ethertype. */
const ARPHRD_NETLINK = 824;

/**
 * Linux cooked capture v1 (LINKTYPE_LINUX_SLL, 113; tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html):
 * 16 bytes of packet type, ARPHRD type, address length, 8 address bytes and the protocol, which is
 * an ethertype for every device type but netlink.
 */
export const sllDissector: PacketDissector<SllLayer> = {
  protocol: 'sll',
  decode(data, ctx) {
    if (data.length < 16) {
      return failure('sll', 'ERR_SLL_TRUNCATED', `Linux cooked header needs 16 bytes, ${data.length} captured`, data, ctx);
    }
    // The address field is 8 bytes whatever the length says (longer addresses are cut by the kernel).
    const addrLen = Math.min((data[4]! << 8) | data[5]!, 8);
    return {
      protocol: 'sll',
      offset: ctx.offset,
      headerLength: 16,
      payload: data.subarray(16),
      packetType: (data[0]! << 8) | data[1]!,
      arphrdType: (data[2]! << 8) | data[3]!,
      address: data.subarray(6, 6 + addrLen),
      etherType: (data[14]! << 8) | data[15]!,
    };
  },
  next(layer, ctx) {
    return layer.arphrdType === ARPHRD_NETLINK ? undefined : byEtherType(layer.etherType, ctx);
  },
};

/**
 * Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 276; `tcpdump -i any` with libpcap 1.10+):
 * 20 bytes of protocol, reserved, interface index, ARPHRD type, packet type, address length and
 * 8 address bytes.
 */
export const sll2Dissector: PacketDissector<Sll2Layer> = {
  protocol: 'sll2',
  decode(data, ctx) {
    if (data.length < 20) {
      return failure('sll2', 'ERR_SLL2_TRUNCATED', `Linux cooked v2 header needs 20 bytes, ${data.length} captured`, data, ctx);
    }
    const addrLen = Math.min(data[11]!, 8);
    return {
      protocol: 'sll2',
      offset: ctx.offset,
      headerLength: 20,
      payload: data.subarray(20),
      etherType: (data[0]! << 8) | data[1]!,
      interfaceIndex: ((data[4]! << 24) | (data[5]! << 16) | (data[6]! << 8) | data[7]!) >>> 0,
      arphrdType: (data[8]! << 8) | data[9]!,
      packetType: data[10]!,
      address: data.subarray(12, 12 + addrLen),
    };
  },
  next(layer, ctx) {
    return layer.arphrdType === ARPHRD_NETLINK ? undefined : byEtherType(layer.etherType, ctx);
  },
};
