/**
 * Chunks of a capture file in shared memory, read once by the main thread and read from by every
 * worker: a frame's bytes stay where the file's bytes were read to, so the main thread hands a
 * worker a frame by its place (chunk id, offset) instead of copying it. A chunk is held while the
 * file reader may still make frames of it and while a frame table referring to it is out; it is
 * read into again once nothing holds it.
 */
export class SharedChunks {
  /** Each chunk's memory, by id. */
  readonly buffers: SharedArrayBuffer[] = [];
  private readonly holds: number[] = [];
  private readonly ids = new Map<ArrayBufferLike, number>();
  private waiters: (() => void)[] = [];
  /** The last buffer {@link idOf} was asked about, and its id: frames come in runs from one chunk. */
  private lastBuffer: ArrayBufferLike | undefined;
  private lastId = -1;

  /**
   * @param chunkBytes - bytes of each chunk
   * @param max - chunks at most
   * @param announce - tells the workers of a new chunk's memory (once per chunk)
   */
  constructor(
    readonly chunkBytes: number,
    readonly max: number,
    private readonly announce: (id: number, buffer: SharedArrayBuffer) => void,
  ) {}

  /** A chunk nothing holds, held once (for the reader), or undefined when all are held. */
  take(): number | undefined {
    for (let i = 0; i < this.buffers.length; i++) {
      if (this.holds[i] === 0) {
        this.holds[i] = 1;
        return i;
      }
    }
    if (this.buffers.length >= this.max) return undefined;
    const buffer = new SharedArrayBuffer(this.chunkBytes);
    const id = this.buffers.length;
    this.buffers.push(buffer);
    this.holds.push(1);
    this.ids.set(buffer, id);
    this.announce(id, buffer);
    return id;
  }

  /** Settles when a chunk may have become free. */
  whenFree(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The id of the chunk whose memory `buffer` is, or -1. */
  idOf(buffer: ArrayBufferLike): number {
    if (buffer === this.lastBuffer) return this.lastId;
    this.lastBuffer = buffer;
    return (this.lastId = this.ids.get(buffer) ?? -1);
  }

  hold(id: number): void {
    this.holds[id]!++;
  }

  release(id: number): void {
    if (--this.holds[id]! > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
