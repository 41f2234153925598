import { closeSync, openSync, writeSync } from 'node:fs';

/** Bytes buffered before a write to the file. */
const CHUNK = 4 << 20;
/** Largest frame the generator writes (Ethernet + IPv4 + TCP + one MSS, with room to spare). */
export const MAX_FRAME = 2048;

/**
 * Streams a classic little-endian microsecond pcap file: records go into one reused 4 MiB buffer
 * that is written out whenever it fills, so a capture of any size needs constant memory.
 *
 * Use: `const at = w.begin(ts)` reserves a record and returns where its frame bytes start in
 * `w.buf`; write the frame there, then `w.end(frameLength)`.
 */
export class PcapWriter {
  /** The buffer frames are written into, valid between {@link begin} and {@link end}. */
  readonly buf = new Uint8Array(CHUNK);
  private readonly view = new DataView(this.buf.buffer);
  private readonly fd: number;
  private used = 0;
  private recordAt = 0;
  /** Bytes written to the file so far, header included. */
  bytes = 0;
  /** Records written so far. */
  records = 0;

  constructor(path: string, linkType = 1, snaplen = 262144) {
    this.fd = openSync(path, 'w');
    const v = this.view;
    v.setUint32(0, 0xa1b2c3d4, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setUint32(16, snaplen, true);
    v.setUint32(20, linkType, true);
    this.used = 24;
  }

  /** Starts a record stamped `tsMicros` (µs since the epoch); returns the frame's offset in {@link buf}. */
  begin(tsMicros: number): number {
    if (this.used + 16 + MAX_FRAME > CHUNK) this.flush();
    const at = this.used;
    this.view.setUint32(at, Math.floor(tsMicros / 1e6), true);
    this.view.setUint32(at + 4, tsMicros % 1e6, true);
    this.recordAt = at;
    return at + 16;
  }

  /** Ends the record begun last, whose frame is `length` bytes. */
  end(length: number): void {
    if (length > MAX_FRAME) throw new RangeError(`frame of ${length} bytes exceeds ${MAX_FRAME}`);
    this.view.setUint32(this.recordAt + 8, length, true);
    this.view.setUint32(this.recordAt + 12, length, true);
    this.used = this.recordAt + 16 + length;
    this.records++;
  }

  private flush(): void {
    let off = 0;
    while (off < this.used) off += writeSync(this.fd, this.buf, off, this.used - off);
    this.bytes += this.used;
    this.used = 0;
  }

  /** Writes what is buffered and closes the file. */
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
