import { formatSize, problem, type CaptureProblem } from './capture-problem.js';
import { FramedReader, type FrameSink } from './framed-reader.js';
import type { SecretsSink } from './decryption-secrets.js';
import { DEFAULT_MAX_BLOCK_LENGTH, type ReaderOptions } from './limits.js';

// Block types (draft-ietf-opsawg-pcapng §10.1).
const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const PB = 0x00000002;
const SPB = 0x00000003;
const EPB = 0x00000006;
const DSB = 0x0000000a;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const BLOCK_PREFIX = 12;

/** How an interface's timestamp units become nanoseconds. */
interface Interface {
  readonly linkType: number;
  readonly snaplen: number;
  /** Global interface id (interfaces of later sections come after those of earlier ones). */
  readonly id: number;
  /**
   * `mul` as a number when ns = units * mul with `low * mul` exact in a double (resolutions from
   * 10^-3 to 10^-9 s): then ns = (high word's ns, cached) + low * fastMul, one BigInt per packet.
   * 0 otherwise.
   */
  readonly fastMul: number;
  /** The last high timestamp word seen and its value in ns (offset included). */
  lastHigh: number;
  lastHighNs: bigint;
  /** ns = units * mul / div, or (units * 1e9) >> shift when `shift` > 0 (if_tsresol power of 2). */
  readonly mul: bigint;
  readonly div: bigint;
  readonly shift: bigint;
  /** if_tsoffset in nanoseconds. */
  readonly offsetNs: bigint;
}

/**
 * A push parser for pcapng files: any number of sections, each with its own byte order;
 * Interface Description Blocks with their link types, `if_tsresol` (a power of 10 or of 2) and
 * `if_tsoffset`; Enhanced, Simple and obsolete Packet Blocks; Decryption Secrets Blocks, handed
 * to `onSecrets` when given. Other blocks (statistics, name resolution, custom, unknown) are skipped.
 *
 * A block's total length is checked at both ends and against {@link ReaderLimits.maxBlockLength}
 * before anything is allocated; a section of a major version other than 1 stops the reader.
 * Interface ids are numbered across the whole file, in the order the IDBs appear (as Wireshark
 * does), so ids of different sections do not collide. Simple Packet Blocks carry no timestamp:
 * their frames have timestamp 0.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { PcapngReader } from '@netrx/source-file';
 *
 * const reader = new PcapngReader((frame) => console.log(frame.interfaceId, frame.linkType, frame.timestamp));
 * const problem = reader.write(readFileSync('capture.pcapng')) ?? reader.end();
 * if (problem) console.error(problem.message);
 * ```
 */
export class PcapngReader extends FramedReader {
  private le = true;
  private inSection = false;
  private interfaces: Interface[] = [];
  private interfaceCount = 0;
  private readonly maxBlockLength: number;
  private readonly onSecrets: SecretsSink | undefined;

  constructor(sink: FrameSink, limits: ReaderOptions = {}) {
    super(sink);
    this.maxBlockLength = limits.maxBlockLength ?? DEFAULT_MAX_BLOCK_LENGTH;
    this.onSecrets = limits.onSecrets;
  }

  protected prefixLength(): number {
    return BLOCK_PREFIX;
  }

  protected unitLength(_bytes: Uint8Array, view: DataView, off: number): number | CaptureProblem {
    // The SHB type reads the same in both byte orders; its byte-order magic says how to read the
    // rest of the section, its own length included (§4.1).
    const type = view.getUint32(off, this.le);
    if (type === SHB) {
      const bom = view.getUint32(off + 8, true);
      if (bom === BYTE_ORDER_MAGIC) this.le = true;
      else if (bom === 0x4d3c2b1a) this.le = false;
      else return problem('ERR_PCAPNG_BYTE_ORDER', this.offset, `section header at byte ${this.offset} has no valid byte-order magic (${hex(bom)})`);
    } else if (!this.inSection) {
      return problem('ERR_PCAPNG_NO_SECTION', this.offset, `block at byte ${this.offset} (type ${hex(type)}) comes before any section header`);
    }
    const length = view.getUint32(off + 4, this.le);
    if (length > this.maxBlockLength) {
      return problem(
        'ERR_PCAPNG_BLOCK_TOO_LARGE',
        this.offset,
        `block at byte ${this.offset} (type ${hex(type)}) claims ${formatSize(length)} (total length ${length} > limit ${this.maxBlockLength}): the file is corrupt from this block on`,
      );
    }
    if (length < BLOCK_PREFIX || length % 4 !== 0) {
      return problem('ERR_PCAPNG_BLOCK_LENGTH', this.offset, `block at byte ${this.offset} (type ${hex(type)}) has total length ${length}: it must be a multiple of 4 and at least 12`);
    }
    return length;
  }

  protected unit(bytes: Uint8Array, view: DataView, off: number, length: number): CaptureProblem | undefined {
    const le = this.le;
    const type = view.getUint32(off, le);
    const trailer = view.getUint32(off + length - 4, le);
    if (trailer !== length) {
      return problem('ERR_PCAPNG_BLOCK_LENGTH', this.offset, `block at byte ${this.offset} (type ${hex(type)}) says ${length} bytes at its start but ${trailer} at its end`);
    }
    switch (type) {
      case EPB: {
        if (length < 32) return this.tooShort(type, length, 32);
        const caplen = view.getUint32(off + 20, le);
        if (caplen > length - 32) return this.overflow('enhanced packet', caplen, length);
        const iface = this.interfaces[view.getUint32(off + 8, le)];
        if (!iface) return this.noInterface(view.getUint32(off + 8, le));
        this.emit(iface, timestamp(iface, view.getUint32(off + 12, le), view.getUint32(off + 16, le)), view.getUint32(off + 24, le), bytes.subarray(off + 28, off + 28 + caplen));
        return undefined;
      }
      case SPB: {
        if (length < 16) return this.tooShort(type, length, 16);
        const iface = this.interfaces[0];
        if (!iface) return this.noInterface(0);
        // The captured length is what the block holds, at most the original length and the
        // interface's snaplen (§4.4).
        const original = view.getUint32(off + 8, le);
        let caplen = Math.min(original, length - 16);
        if (iface.snaplen > 0) caplen = Math.min(caplen, iface.snaplen);
        this.emit(iface, 0n, original, bytes.subarray(off + 12, off + 12 + caplen));
        return undefined;
      }
      case PB: {
        if (length < 32) return this.tooShort(type, length, 32);
        const caplen = view.getUint32(off + 20, le);
        if (caplen > length - 32) return this.overflow('packet', caplen, length);
        const iface = this.interfaces[view.getUint16(off + 8, le)];
        if (!iface) return this.noInterface(view.getUint16(off + 8, le));
        this.emit(iface, timestamp(iface, view.getUint32(off + 12, le), view.getUint32(off + 16, le)), view.getUint32(off + 24, le), bytes.subarray(off + 28, off + 28 + caplen));
        return undefined;
      }
      case DSB: {
        // Secrets type, secrets length, the secrets padded to 32 bits, options (§4.7).
        if (this.onSecrets === undefined) return undefined;
        if (length < 20) return this.tooShort(type, length, 20);
        const secretsLength = view.getUint32(off + 12, le);
        if (secretsLength > length - 20) {
          return problem('ERR_PCAPNG_RECORD_LENGTH', this.offset, `decryption secrets block at byte ${this.offset} claims ${secretsLength} bytes of secrets, more than its ${length}-byte block holds`);
        }
        this.onSecrets({ type: view.getUint32(off + 8, le), data: bytes.subarray(off + 16, off + 16 + secretsLength), offset: this.offset });
        return undefined;
      }
      case IDB:
        if (length < 20) return this.tooShort(type, length, 20);
        this.interfaces.push(describeInterface(view, off, length, le, this.interfaceCount++));
        return undefined;
      case SHB: {
        if (length < 28) return this.tooShort(type, length, 28);
        const major = view.getUint16(off + 12, le);
        if (major !== 1) {
          const minor = view.getUint16(off + 14, le);
          return problem('ERR_PCAPNG_VERSION', this.offset, `section header at byte ${this.offset} has version ${major}.${minor}; only pcapng 1.x is supported`);
        }
        this.inSection = true;
        this.interfaces = [];
        return undefined;
      }
      default:
        return undefined;
    }
  }

  private emit(iface: Interface, ts: bigint, length: number, data: Uint8Array): void {
    this.sink({
      linkType: iface.linkType,
      timestamp: ts,
      caplen: data.length,
      length,
      data,
      interfaceId: iface.id,
      frameNumber: ++this.frames,
    });
  }

  private tooShort(type: number, length: number, min: number): CaptureProblem {
    return problem('ERR_PCAPNG_BLOCK_LENGTH', this.offset, `block at byte ${this.offset} (type ${hex(type)}) is ${length} bytes, too short for its type (at least ${min})`);
  }

  private overflow(what: string, caplen: number, length: number): CaptureProblem {
    return problem('ERR_PCAPNG_RECORD_LENGTH', this.offset, `${what} block at byte ${this.offset} claims ${caplen} captured bytes, more than its ${length}-byte block holds`);
  }

  private noInterface(id: number): CaptureProblem {
    return problem('ERR_PCAPNG_INTERFACE', this.offset, `packet block at byte ${this.offset} names interface ${id}, but its section describes ${this.interfaces.length}`);
  }

  protected truncated(have: number, need: number, known: boolean): CaptureProblem {
    return problem(
      'ERR_PCAPNG_TRUNCATED',
      this.offset,
      known
        ? `file ends inside the block at byte ${this.offset}: it claims ${need} bytes but only ${have} are there`
        : `file ends inside a block header at byte ${this.offset} (${have} of ${BLOCK_PREFIX} bytes)`,
    );
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/** Reads an IDB: link type, snaplen, and the options that decide timestamps (§4.2). */
function describeInterface(view: DataView, off: number, length: number, le: boolean, id: number): Interface {
  let resolution = 6;
  let offsetSeconds = 0n;
  const end = off + length - 4;
  for (let o = off + 16; o + 4 <= end; ) {
    const code = view.getUint16(o, le);
    const len = view.getUint16(o + 2, le);
    if (code === 0 || o + 4 + len > end) break;
    if (code === 9 && len >= 1) resolution = view.getUint8(o + 4);
    else if (code === 14 && len >= 8) offsetSeconds = view.getBigInt64(o + 4, le);
    o += 4 + ((len + 3) & ~3);
  }
  let mul = 1n;
  let div = 1n;
  let shift = 0n;
  if (resolution & 0x80) {
    // 2^-n seconds per unit.
    shift = BigInt(resolution & 0x7f);
    mul = 1_000_000_000n;
  } else if (resolution <= 9) {
    mul = 10n ** BigInt(9 - resolution);
  } else {
    div = 10n ** BigInt(resolution - 9);
  }
  return {
    linkType: view.getUint16(off + 8, le),
    snaplen: view.getUint32(off + 12, le),
    id,
    fastMul: shift === 0n && div === 1n && mul <= 1n << 21n ? Number(mul) : 0,
    lastHigh: -1,
    lastHighNs: 0n,
    mul,
    div,
    shift,
    offsetNs: offsetSeconds * 1_000_000_000n,
  };
}

function timestamp(iface: Interface, high: number, low: number): bigint {
  if (iface.fastMul !== 0) {
    if (high !== iface.lastHigh) {
      iface.lastHigh = high;
      iface.lastHighNs = (BigInt(high) << 32n) * iface.mul + iface.offsetNs;
    }
    return iface.lastHighNs + BigInt(low * iface.fastMul);
  }
  const units = (BigInt(high) << 32n) | BigInt(low);
  let ns: bigint;
  if (iface.shift > 0n) ns = (units * iface.mul) >> iface.shift;
  else if (iface.div !== 1n) ns = units / iface.div;
  else ns = units * iface.mul;
  return ns + iface.offsetNs;
}
