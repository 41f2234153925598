/** Int32 fields per record in a {@link BatchSlot}'s `records`. */
export const RECORD_FIELDS = 6;

/** Field indexes of a record in {@link BatchSlot.records}. */
export const Field = {
  FrameNumber: 0,
  /** Byte offset of the frame's bytes in {@link BatchSlot.data}. */
  DataOffset: 1,
  Caplen: 2,
  Length: 3,
  LinkType: 4,
  /** The pcapng interface id, with the flags below or'ed in. */
  InterfaceAndFlags: 5,
} as const;

/** Set in {@link Field.InterfaceAndFlags} on a frame sent to every worker (see `EVERY_WORKER`). */
export const EVERY_WORKER_FLAG = 0x40000000;
/** Set on a frame another worker dissects: only its time and number are here, for the packet clock. */
export const CLOCK_ONLY_FLAG = 0x20000000;
/**
 * Set on a frame whose timestamp does not fit {@link BatchSlot.timestamps} (before 1970, or past
 * 2^64 ns: a corrupt record): the batch message carries it.
 */
export const BIG_TIMESTAMP_FLAG = 0x10000000;
/** The flags above. */
export const FLAGS = EVERY_WORKER_FLAG | CLOCK_ONLY_FLAG | BIG_TIMESTAMP_FLAG;

/**
 * One batch of frames for one worker, in a `SharedArrayBuffer` both threads see: the main thread
 * writes records into a free slot and posts only its index; the worker copies the bytes out into
 * memory of its own (frames must stay valid as long as they are referenced, and the slot is
 * reused) and marks the slot free again. Shared memory instead of transferred buffers: a transfer
 * detaches an `ArrayBuffer`, and a detach makes V8 slow down typed-array code in that thread
 * (measured 10–50%).
 *
 * Layout: `records` (Int32, {@link RECORD_FIELDS} per frame), `timestamps` (BigUint64, one per
 * frame), then `data` (the frames' bytes, back to back).
 */
export class BatchSlot {
  readonly records: Int32Array;
  readonly timestamps: BigUint64Array;
  readonly data: Uint8Array;

  /**
   * @param buffer - the shared memory ({@link BatchSlot.bytesFor} bytes), or undefined to allocate it
   * @param maxRecords - frames it holds
   * @param dataBytes - bytes of frame data it holds
   */
  constructor(
    readonly maxRecords: number,
    readonly dataBytes: number,
    readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(BatchSlot.bytesFor(maxRecords, dataBytes)),
  ) {
    this.records = new Int32Array(buffer, 0, maxRecords * RECORD_FIELDS);
    this.timestamps = new BigUint64Array(buffer, maxRecords * RECORD_FIELDS * 4, maxRecords);
    this.data = new Uint8Array(buffer, maxRecords * (RECORD_FIELDS * 4 + 8), dataBytes);
  }

  /** Bytes of shared memory a slot of this size needs. */
  static bytesFor(maxRecords: number, dataBytes: number): number {
    // RECORD_FIELDS * 4 is a multiple of 8, so the timestamps are 8-byte aligned.
    return maxRecords * (RECORD_FIELDS * 4 + 8) + dataBytes;
  }
}
