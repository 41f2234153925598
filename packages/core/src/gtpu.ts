import type { Diagnostic } from './diagnostic.js';
import type { PacketDissector } from './dissector.js';
import { diagnostic, failure } from './failure.js';
import { byIpVersion } from './tables.js';
import type { GtpuLayer } from './tunnel-layers.js';

/** The GTP-U port (3GPP TS 29.281 §4.4.2.3). */
export const GTPU_PORT = 2152;

/** Message type of a G-PDU: a T-PDU (the user's packet) follows the header (TS 29.281 §6.1). */
export const GTPU_G_PDU = 255;

const E_FLAG = 0x04;
const S_FLAG = 0x02;
const PN_FLAG = 0x01;

const NO_EXTENSIONS: readonly number[] = Object.freeze([]);

/**
 * GTP-U (3GPP TS 29.281 §5): version 1 with protocol type 1 (GTP; type 0 is GTP′, charging, not
 * user data), the 8-byte mandatory header, the 4 optional bytes (sequence number, N-PDU number,
 * next extension header type) present when any of E, S and PN is set, and the extension headers
 * chained by their length in 4-byte units (§5.2.1: a length of 0 is malformed). The length field
 * bounds the payload (link padding cut; less captured decodes what is there, with
 * `WARN_GTPU_TRUNCATED`). Only a G-PDU (type 255) is dissected further: its T-PDU is IPv4 or
 * IPv6 by the first nibble. The tunnel is named `gtp-u`, without the TEID: each direction of a
 * GTP-U tunnel has its own TEID (and the outer addresses need not mirror each other either), and
 * a tunnel's name must be the same both ways.
 */
export const gtpuDissector: PacketDissector<GtpuLayer> = {
  protocol: 'gtpu',
  decode(data, ctx) {
    if (data.length < 8) return failure('gtpu', 'ERR_GTPU_TRUNCATED', `GTP-U header needs 8 bytes, ${data.length} captured`, data, ctx);
    const flags = data[0]!;
    const version = flags >> 5;
    if (version !== 1 || (flags & 0x10) === 0) {
      const what = version !== 1 ? `GTP version ${version}` : "protocol type 0 (GTP', not GTP-U)";
      return failure('gtpu', 'ERR_GTPU_BAD_VERSION', `${what} on the GTP-U port`, data, ctx);
    }
    const length = (data[2]! << 8) | data[3]!;
    let end = 8 + length;
    let diags: Diagnostic[] | undefined;
    if (end > data.length) {
      diags = [diagnostic('WARN_GTPU_TRUNCATED', `GTP-U length ${length}, ${data.length - 8} bytes captured`, ctx.offset + 2)];
      end = data.length;
    }
    let off = 8;
    let sequence: number | undefined;
    let npdu: number | undefined;
    let extensions: number[] | undefined;
    if ((flags & (E_FLAG | S_FLAG | PN_FLAG)) !== 0) {
      if (end < 12) return failure('gtpu', 'ERR_GTPU_TRUNCATED', `GTP-U optional fields need 4 bytes, ${end - 8} left`, data, ctx, 8);
      if (flags & S_FLAG) sequence = (data[8]! << 8) | data[9]!;
      if (flags & PN_FLAG) npdu = data[10]!;
      let type = flags & E_FLAG ? data[11]! : 0;
      off = 12;
      // Each extension header: a length byte (4-byte units, itself included), its content, and
      // the type of the next one in its last byte (§5.2.1). The walk is bounded by the data.
      while (type !== 0) {
        if (off >= end) return failure('gtpu', 'ERR_GTPU_TRUNCATED', `GTP-U extension header 0x${type.toString(16)} cut off`, data, ctx, off);
        const len = data[off]! << 2;
        if (len === 0) return failure('gtpu', 'ERR_GTPU_BAD_EXTENSION', `GTP-U extension header 0x${type.toString(16)} with length 0`, data, ctx, off);
        if (off + len > end) {
          return failure('gtpu', 'ERR_GTPU_TRUNCATED', `GTP-U extension header 0x${type.toString(16)} needs ${len} bytes, ${end - off} left`, data, ctx, off);
        }
        (extensions ??= []).push(type);
        type = data[off + len - 1]!;
        off += len;
      }
    }
    return {
      protocol: 'gtpu',
      offset: ctx.offset,
      headerLength: off,
      payload: data.subarray(off, end),
      messageType: data[1]!,
      length,
      teid: ((data[4]! << 24) | (data[5]! << 16) | (data[6]! << 8) | data[7]!) >>> 0,
      sequence,
      npdu,
      extensions: extensions ?? NO_EXTENSIONS,
      diagnostics: diags,
    };
  },
  next(layer, ctx) {
    return layer.messageType === GTPU_G_PDU ? byIpVersion(layer.payload, ctx) : undefined;
  },
  tunnel() {
    return 'gtp-u';
  },
};
