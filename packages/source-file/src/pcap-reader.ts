import { formatSize, problem, type CaptureProblem } from './capture-problem.js';
import { FramedReader, type FrameSink } from './framed-reader.js';
import { DEFAULT_MAX_RECORD_LENGTH, STANDARD_MAX_SNAPLEN, type ReaderLimits } from './limits.js';

const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;

/**
 * A push parser for classic pcap files (libpcap format 2.4): microsecond (magic `a1b2c3d4`) and
 * nanosecond (`a1b23c4d`) timestamps, either byte order, the link type from the file header.
 *
 * Each record becomes a `CapturedFrame` with interface id 0 whose `data` is a view of the
 * chunk it was in (a copy only when it straddled two chunks). A record longer than the file's
 * snaplen and 256 KiB, or than {@link ReaderLimits.maxRecordLength}, stops the reader before
 * anything is allocated for it: the file is corrupt from there.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { PcapReader } from '@netrx/source-file';
 *
 * const reader = new PcapReader((frame) => console.log(frame.frameNumber, frame.caplen));
 * const problem = reader.write(readFileSync('capture.pcap')) ?? reader.end();
 * if (problem) console.error(problem.message);
 * ```
 */
export class PcapReader extends FramedReader {
  private headerSeen = false;
  private le = true;
  private nano = false;
  private linkType = 0;
  private snaplen = 0;
  /** Largest caplen accepted in this file. */
  private recordLimit = 0;
  private readonly maxRecordLength: number;
  /** The last record's seconds and their value in ns: most records share the previous second. */
  private lastSec = -1;
  private lastSecNs = 0n;

  constructor(sink: FrameSink, limits: ReaderLimits = {}) {
    super(sink);
    this.maxRecordLength = limits.maxRecordLength ?? DEFAULT_MAX_RECORD_LENGTH;
  }

  protected prefixLength(): number {
    return this.headerSeen ? RECORD_HEADER : GLOBAL_HEADER;
  }

  protected unitLength(_bytes: Uint8Array, view: DataView, off: number): number | CaptureProblem {
    if (!this.headerSeen) return GLOBAL_HEADER;
    const caplen = view.getUint32(off + 8, this.le);
    if (caplen > this.recordLimit) {
      return problem(
        'ERR_PCAP_RECORD_TOO_LARGE',
        this.offset,
        `record ${this.frames + 1} at byte ${this.offset} claims ${formatSize(caplen)} (caplen ${caplen} > snaplen ${this.snaplen}` +
          `${this.recordLimit > this.snaplen ? ` and > ${this.recordLimit}` : ''}): the file is corrupt from this record on`,
      );
    }
    return RECORD_HEADER + caplen;
  }

  protected unit(bytes: Uint8Array, view: DataView, off: number, length: number): CaptureProblem | undefined {
    if (!this.headerSeen) return this.fileHeader(view, off);
    const le = this.le;
    const sec = view.getUint32(off, le);
    const frac = view.getUint32(off + 4, le);
    if (sec !== this.lastSec) {
      this.lastSec = sec;
      this.lastSecNs = BigInt(sec) * 1_000_000_000n;
    }
    // frac * 1000 < 2^42: exact in a double, so one BigInt per record.
    const timestamp = this.lastSecNs + BigInt(this.nano ? frac : frac * 1000);
    this.sink({
      linkType: this.linkType,
      timestamp,
      caplen: length - RECORD_HEADER,
      length: view.getUint32(off + 12, le),
      data: bytes.subarray(off + RECORD_HEADER, off + length),
      interfaceId: 0,
      frameNumber: ++this.frames,
    });
    return undefined;
  }

  private fileHeader(view: DataView, off: number): CaptureProblem | undefined {
    const magic = view.getUint32(off, false);
    switch (magic) {
      case 0xa1b2c3d4: this.le = false; this.nano = false; break;
      case 0xd4c3b2a1: this.le = true; this.nano = false; break;
      case 0xa1b23c4d: this.le = false; this.nano = true; break;
      case 0x4d3cb2a1: this.le = true; this.nano = true; break;
      default:
        return problem('ERR_PCAP_MAGIC', this.offset, `not a pcap file: magic number ${magic.toString(16).padStart(8, '0')} at byte ${this.offset}`);
    }
    const major = view.getUint16(off + 4, this.le);
    if (major !== 2) {
      const minor = view.getUint16(off + 6, this.le);
      return problem('ERR_PCAP_VERSION', this.offset, `pcap file header at byte ${this.offset} has version ${major}.${minor}; only 2.x is supported`);
    }
    this.snaplen = view.getUint32(off + 16, this.le);
    // The low 16 bits are the link type; the high bits carry FCS information (draft-ietf-opsawg-pcap §4).
    this.linkType = view.getUint32(off + 20, this.le) & 0xffff;
    this.recordLimit = Math.min(this.maxRecordLength, Math.max(this.snaplen, STANDARD_MAX_SNAPLEN));
    this.headerSeen = true;
    return undefined;
  }

  protected truncated(have: number, need: number, known: boolean): CaptureProblem {
    if (!this.headerSeen) {
      return problem('ERR_PCAP_TRUNCATED', this.offset, `file ends at byte ${have}, inside the pcap file header (${have} of ${GLOBAL_HEADER} bytes)`);
    }
    if (!known) {
      return problem('ERR_PCAP_TRUNCATED', this.offset, `file ends inside the header of record ${this.frames + 1} at byte ${this.offset} (${have} of ${RECORD_HEADER} bytes)`);
    }
    return problem(
      'ERR_PCAP_TRUNCATED',
      this.offset,
      `file ends inside record ${this.frames + 1} at byte ${this.offset}: it claims ${need - RECORD_HEADER} bytes but only ${have - RECORD_HEADER} are there`,
    );
  }
}
