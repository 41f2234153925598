/** Where a {@link TaggedLineBuffer} gets the memory its lines are written into. */
export interface OutputMemory {
  /** A buffer of at least `bytes` bytes and its id (given back with {@link OutputMemory.give}). */
  take(bytes: number): { readonly id: number; readonly bytes: Buffer };
  /** A buffer taken and not handed on (outgrown) is free again. */
  give(id: number): void;
}

/** Plain memory, a new buffer each time. */
export const plainMemory: OutputMemory = {
  take: (bytes) => ({ id: -1, bytes: Buffer.allocUnsafe(bytes) }),
  give: () => {},
};

/**
 * Plain memory used again: for lines read on this thread, whose reader gives each buffer back
 * ({@link OutputMemory.give}) once it has copied them out. A run that allocated a new buffer per
 * batch made V8 collect garbage for the memory outside its heap far more often.
 */
export class PlainOutputPool implements OutputMemory {
  private readonly free: Buffer[] = [];
  private readonly all: Buffer[] = [];

  take(bytes: number): { id: number; bytes: Buffer } {
    for (let i = this.free.length - 1; i >= 0; i--) {
      const b = this.free[i]!;
      if (b.length < bytes) continue;
      this.free.splice(i, 1);
      return { id: this.all.indexOf(b), bytes: b };
    }
    const b = Buffer.allocUnsafe(Math.max(bytes, OUTPUT_BYTES));
    this.all.push(b);
    return { id: this.all.length - 1, bytes: b };
  }

  give(id: number): void {
    const b = this.all[id];
    if (b !== undefined && !this.free.includes(b)) this.free.push(b);
  }
}

/** Size of a new shared output buffer. */
const OUTPUT_BYTES = 4 * 1024 * 1024;

/**
 * A worker's output buffers: shared memory, so a batch's lines reach the main thread without being
 * copied (posting plain memory copies it twice, and the main thread's garbage collector then
 * pays for every batch) and the buffers are used again. The main thread stores 1 in a buffer's
 * flag (`Atomics.store`) once it has merged that batch's lines; past the flags' number of
 * buffers, one that is not pooled (id -1) is made.
 */
export class SharedOutputPool implements OutputMemory {
  private readonly buffers: SharedArrayBuffer[] = [];

  /** @param flags - one Int32 per buffer this pool may keep, shared with the main thread */
  constructor(private readonly flags: Int32Array) {}

  take(bytes: number): { id: number; bytes: Buffer } {
    const buffers = this.buffers;
    for (let i = 0; i < buffers.length; i++) {
      if (buffers[i]!.byteLength < bytes || Atomics.load(this.flags, i) !== 1) continue;
      Atomics.store(this.flags, i, 0);
      return { id: i, bytes: Buffer.from(buffers[i]!) };
    }
    const sab = new SharedArrayBuffer(Math.max(OUTPUT_BYTES, bytes));
    if (buffers.length >= this.flags.length) return { id: -1, bytes: Buffer.from(sab) };
    buffers.push(sab);
    Atomics.store(this.flags, buffers.length - 1, 0);
    return { id: buffers.length - 1, bytes: Buffer.from(sab) };
  }

  give(id: number): void {
    if (id >= 0) Atomics.store(this.flags, id, 1);
  }
}
