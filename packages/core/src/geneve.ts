import type { PacketDissector } from './dissector.js';
import { failure } from './failure.js';
import { byEtherType } from './tables.js';
import type { GeneveLayer } from './tunnel-layers.js';
import { NumberTexts } from './tunnel-identity.js';

/** The IANA port of Geneve (RFC 8926 §3.3). */
export const GENEVE_PORT = 6081;

const names = new NumberTexts((vni) => `geneve vni ${vni}`);

/**
 * Geneve (RFC 8926 §3.4): an 8-byte header (version, options length in 4-byte words, O and C
 * bits, a protocol type, a 24-bit VNI) and variable-length options, skipped by their total
 * length (the options' own TLVs are not decoded). Version must be 0 (§3.4: a receiver does not
 * process other versions). The payload goes through the `ethertype` table by the protocol type
 * (0x6558: Ethernet; 0x0800/0x86dd: IP). The tunnel is the VNI.
 */
export const geneveDissector: PacketDissector<GeneveLayer> = {
  protocol: 'geneve',
  decode(data, ctx) {
    if (data.length < 8) return failure('geneve', 'ERR_GENEVE_TRUNCATED', `Geneve header needs 8 bytes, ${data.length} captured`, data, ctx);
    const version = data[0]! >> 6;
    if (version !== 0) return failure('geneve', 'ERR_GENEVE_BAD_VERSION', `Geneve version ${version} (only 0 is defined)`, data, ctx);
    const headerLength = 8 + ((data[0]! & 0x3f) << 2);
    if (headerLength > data.length) {
      return failure('geneve', 'ERR_GENEVE_TRUNCATED', `Geneve header with options is ${headerLength} bytes, ${data.length} captured`, data, ctx);
    }
    return {
      protocol: 'geneve',
      offset: ctx.offset,
      headerLength,
      payload: data.subarray(headerLength),
      version,
      oam: (data[1]! & 0x80) !== 0,
      critical: (data[1]! & 0x40) !== 0,
      etherType: (data[2]! << 8) | data[3]!,
      vni: (data[4]! << 16) | (data[5]! << 8) | data[6]!,
      options: data.subarray(8, headerLength),
    };
  },
  next(layer, ctx) {
    return byEtherType(layer.etherType, ctx);
  },
  tunnel(layer) {
    return names.get(layer.vni);
  },
};
