/** Int32 fields per frame in a {@link FrameTable}'s `records`. */
export const RECORD_FIELDS = 8;

/** Field indexes of a frame in {@link FrameTable.records}. */
export const Field = {
  FrameNumber: 0,
  /** Where the frame's bytes are: a shared read chunk's id, or {@link IN_TABLE} for the table's own `data`. */
  Buffer: 1,
  /** Byte offset of the frame's bytes in that buffer. */
  Offset: 2,
  Caplen: 3,
  Length: 4,
  LinkType: 5,
  /** The pcapng interface id, with {@link BIG_TIMESTAMP_FLAG} or'ed in. */
  InterfaceAndFlags: 6,
  /** The worker that dissects the frame (the others only move their packet clocks), or {@link EVERY_WORKER}. */
  Worker: 7,
} as const;

/** {@link Field.Buffer} of a frame whose bytes were copied into the table's own `data`. */
export const IN_TABLE = -1;
/** {@link Field.Worker} of a frame every worker dissects (see `FlowRouter`): worker 0 writes its lines. */
export const EVERY_WORKER = -1;
/**
 * Set on a frame whose timestamp does not fit {@link FrameTable.timestamps} (before 1970, or past
 * 2^64 ns: a corrupt record): the message that posts the table carries it.
 */
export const BIG_TIMESTAMP_FLAG = 0x40000000;

/**
 * The frames of one chunk of input, for every worker at once, in shared memory: the main thread
 * writes a record per frame (where its bytes are, its header fields, its worker) and posts the
 * table's id; each worker dissects its own frames — copying their bytes into memory of its own,
 * as frames must stay valid while referenced and shared memory is written again — and moves its
 * packet clock with every other frame's time; then it releases the table. Shared memory rather
 * than transferred buffers: a transfer detaches an `ArrayBuffer`, and a detach makes V8 slow down
 * typed-array code in that thread (measured 10–50%).
 *
 * Layout: `records` (Int32, {@link RECORD_FIELDS} per frame), `timestamps` (BigUint64, one per
 * frame), then `data` (bytes of frames that are not in a shared read chunk).
 */
export class FrameTable {
  readonly records: Int32Array;
  readonly timestamps: BigUint64Array;
  readonly data: Uint8Array;

  constructor(
    readonly maxRecords: number,
    readonly dataBytes: number,
    readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(FrameTable.bytesFor(maxRecords, dataBytes)),
  ) {
    this.records = new Int32Array(buffer, 0, maxRecords * RECORD_FIELDS);
    // RECORD_FIELDS * 4 is a multiple of 8: the timestamps are 8-byte aligned.
    this.timestamps = new BigUint64Array(buffer, maxRecords * RECORD_FIELDS * 4, maxRecords);
    this.data = new Uint8Array(buffer, maxRecords * (RECORD_FIELDS * 4 + 8), dataBytes);
  }

  /** Bytes of shared memory a table of this size needs. */
  static bytesFor(maxRecords: number, dataBytes: number): number {
    return maxRecords * (RECORD_FIELDS * 4 + 8) + dataBytes;
  }
}
