import type { PacketDissector } from './dissector.js';
import { failure } from './failure.js';
import type { Sll2Layer, SllLayer } from './layers.js';
import { byEtherType } from './tables.js';

/** `ARPHRD_NETLINK`: the protocol field is a netlink family, not an ethertype. */
const ARPHRD_NETLINK = 824;

/** Fields both cooked headers share; the link-layer address is a view made when read. */
abstract class CookedHeader {
  readonly #bytes: Uint8Array;
  readonly #addressAt: number;
  readonly #addressLength: number;

  constructor(bytes: Uint8Array, addressAt: number, addressLength: number) {
    this.#bytes = bytes;
    this.#addressAt = addressAt;
    // The address field is 8 bytes whatever the length says (longer addresses are cut by the kernel).
    this.#addressLength = Math.min(addressLength, 8);
  }

  /** Link-layer address of the sender: a view of the frame, at most 8 bytes. */
  get address(): Uint8Array {
    return this.#bytes.subarray(this.#addressAt, this.#addressAt + this.#addressLength);
  }
}

class SllHeader extends CookedHeader implements SllLayer {
  readonly protocol = 'sll';
  readonly headerLength = 16;
  readonly packetType: number;
  readonly arphrdType: number;
  readonly etherType: number;
  readonly payload: Uint8Array;

  constructor(data: Uint8Array, readonly offset: number) {
    super(data, 6, (data[4]! << 8) | data[5]!);
    this.packetType = (data[0]! << 8) | data[1]!;
    this.arphrdType = (data[2]! << 8) | data[3]!;
    this.etherType = (data[14]! << 8) | data[15]!;
    this.payload = data.subarray(16);
  }
}

class Sll2Header extends CookedHeader implements Sll2Layer {
  readonly protocol = 'sll2';
  readonly headerLength = 20;
  readonly etherType: number;
  readonly interfaceIndex: number;
  readonly arphrdType: number;
  readonly packetType: number;
  readonly payload: Uint8Array;

  constructor(data: Uint8Array, readonly offset: number) {
    super(data, 12, data[11]!);
    this.etherType = (data[0]! << 8) | data[1]!;
    this.interfaceIndex = ((data[4]! << 24) | (data[5]! << 16) | (data[6]! << 8) | data[7]!) >>> 0;
    this.arphrdType = (data[8]! << 8) | data[9]!;
    this.packetType = data[10]!;
    this.payload = data.subarray(20);
  }
}

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
    return new SllHeader(data, ctx.offset);
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
    return new Sll2Header(data, ctx.offset);
  },
  next(layer, ctx) {
    return layer.arphrdType === ARPHRD_NETLINK ? undefined : byEtherType(layer.etherType, ctx);
  },
};
