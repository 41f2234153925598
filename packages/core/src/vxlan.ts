import type { PacketDissector } from './dissector.js';
import { failure } from './failure.js';
import { byEtherType, ETHERTYPE_TEB } from './tables.js';
import type { VxlanLayer } from './tunnel-layers.js';
import { NumberTexts } from './tunnel-identity.js';

/** The IANA port of VXLAN (RFC 7348 §5). */
export const VXLAN_PORT = 4789;

/** The I flag: the VNI is valid (RFC 7348 §5). */
const I_FLAG = 0x08;

const names = new NumberTexts((vni) => `vxlan vni ${vni}`);

/**
 * VXLAN (RFC 7348): an 8-byte header (flags, 24-bit VNI) before an Ethernet frame, on UDP port
 * 4789 (other ports by decode-as: `udp.port==8472,vxlan`). The I flag must be set (§5: it says
 * the VNI is valid); without it the header is a failure, since a UDP payload on the port that is
 * not VXLAN is likelier than a VTEP sending no VNI. Reserved bits are ignored, as §5 tells
 * receivers to (the group-policy extension uses some). The inner frame goes through the
 * `ethertype` table's Transparent Ethernet Bridging entry (0x6558). The tunnel is the VNI.
 */
export const vxlanDissector: PacketDissector<VxlanLayer> = {
  protocol: 'vxlan',
  decode(data, ctx) {
    if (data.length < 8) return failure('vxlan', 'ERR_VXLAN_TRUNCATED', `VXLAN header needs 8 bytes, ${data.length} captured`, data, ctx);
    const flags = data[0]!;
    if ((flags & I_FLAG) === 0) {
      return failure('vxlan', 'ERR_VXLAN_BAD_FLAGS', `VXLAN flags 0x${flags.toString(16).padStart(2, '0')}: the I flag (valid VNI) is clear`, data, ctx);
    }
    return {
      protocol: 'vxlan',
      offset: ctx.offset,
      headerLength: 8,
      payload: data.subarray(8),
      flags,
      vni: (data[4]! << 16) | (data[5]! << 8) | data[6]!,
    };
  },
  next(_layer, ctx) {
    return byEtherType(ETHERTYPE_TEB, ctx);
  },
  tunnel(layer) {
    return names.get(layer.vni);
  },
};
