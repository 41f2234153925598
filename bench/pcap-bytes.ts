/**
 * Builds a classic little-endian microsecond pcap file in memory, for generators that return the
 * capture as bytes (the hostile inputs). Same record API as {@link PcapWriter} (`begin`/`end`),
 * but frames may be of any length and the buffer grows (doubling) as needed.
 */
export class PcapBytes {
  /** The buffer frames are written into; valid between {@link begin} and {@link end} (it is replaced when it grows). */
  buf: Uint8Array;
  private view: DataView;
  private used = 0;
  private recordAt = 0;
  /** Records written so far. */
  records = 0;

  constructor(linkType = 1, snaplen = 262144, initialBytes = 1 << 20) {
    this.buf = new Uint8Array(Math.max(64, initialBytes));
    this.view = new DataView(this.buf.buffer);
    const v = this.view;
    v.setUint32(0, 0xa1b2c3d4, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setUint32(16, snaplen, true);
    v.setUint32(20, linkType, true);
    this.used = 24;
  }

  /**
   * Starts a record stamped `tsMicros` (µs since the epoch) with room for a frame of up to
   * `maxFrame` bytes; returns the frame's offset in {@link buf}.
   */
  begin(tsMicros: number, maxFrame = 2048): number {
    this.reserve(16 + maxFrame);
    const at = this.used;
    this.view.setUint32(at, Math.floor(tsMicros / 1e6), true);
    this.view.setUint32(at + 4, tsMicros % 1e6, true);
    this.recordAt = at;
    return at + 16;
  }

  /** Ends the record begun last, whose frame is `length` bytes. */
  end(length: number): void {
    this.view.setUint32(this.recordAt + 8, length, true);
    this.view.setUint32(this.recordAt + 12, length, true);
    this.used = this.recordAt + 16 + length;
    this.records++;
  }

  /** The capture so far: a view of the buffer (copy it before writing more). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.used);
  }

  private reserve(n: number): void {
    if (this.used + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.used + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.used));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
}
