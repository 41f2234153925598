import { ByteLines } from '../byte-lines.js';
import type { LineSink } from './line-sink.js';
import { plainMemory, type OutputMemory } from './output-pool.js';

/** Float64 fields per line in {@link TaggedLines.lines}. */
export const LINE_FIELDS = 7;

/** Field indexes of a line in {@link TaggedLines.lines}. */
export const LineField = {
  /** The frame number whose processing wrote the line, or {@link END_TAG}. */
  Tag: 0,
  /**
   * 1 when the line was written by the packet clock's timeouts (before the frame itself is
   * dissected) or at the end of input: work every worker does at the same frame, which one thread
   * does connection by connection in id order; 0 for a line of the frame's own dissection.
   */
  ByClock: 1,
  /** Byte offset just past the line's end (its `\n`) in {@link TaggedLines.bytes}. */
  End: 2,
  /** 0: output; 1: messages (standard error). */
  Channel: 3,
  /** Byte offset of the connection id's digits, or -1 when the line names no connection. */
  IdStart: 4,
  /** Byte offset just past those digits. */
  IdEnd: 5,
  /** The connection id written there (this worker's numbering). */
  LocalId: 6,
} as const;

/** {@link LineField.Tag} of a line written at the end of input, after the last frame. */
export const END_TAG = Infinity;

/** What a worker sends for a batch: the lines' bytes and, per line, {@link LINE_FIELDS} numbers. */
export interface TaggedLines {
  /** The lines, a view of the buffer they were written in (shared memory in a worker). */
  readonly bytes: Uint8Array;
  readonly lines: Float64Array;
  /** The buffer's id in its {@link OutputMemory}, to give it back once the lines are read. */
  readonly memory: number;
}

const INITIAL_BYTES = 256 * 1024;
const INITIAL_LINES = 4096;
/** How far into a line its connection id is looked for. */
const ID_WINDOW = 256;

/**
 * A worker's output for one batch of frames: the lines a {@link LineJob} writes, as UTF-8, each
 * tagged with the frame whose processing wrote it (set with {@link TaggedLineBuffer.tag} before
 * each frame) so the main thread can merge the workers' lines into the order one thread writes
 * them, and with where its connection id is, so the main thread can renumber connections in the
 * order one thread numbers them.
 *
 * The connection id of a line is the first run of digits after the channel's marker
 * (`"stream":` in JSON lines, `#` in text) within the line's first 256 bytes; `"stream":` cannot
 * occur inside a JSON string (its quotes would be escaped). The JSON escaping is the CLI
 * `LineWriter`'s, byte for byte.
 */
export class TaggedLineBuffer extends ByteLines {
  protected buf: Buffer;
  private bufId: number;
  private lineStart = 0;
  private meta = new Float64Array(INITIAL_LINES * LINE_FIELDS);
  private count = 0;
  /** The tag of lines written from now on. */
  private currentTag = 0;
  private byClock = 0;
  /** Lines written while set are dropped (a frame another worker writes for). */
  private muted = false;
  private channel = 0;
  private readonly markers: readonly (Uint8Array | undefined)[];
  /** The sink for channel 1: lines people read on standard error. */
  readonly messages: LineSink;

  /**
   * @param markers - per channel, the text a connection id follows, or undefined for lines that
   *   name no connection
   * @param knownIds - how many connection ids this worker has given out (a parsed id at or above
   *   it is not one)
   * @param memory - where the bytes are written (a worker's shared buffers)
   */
  constructor(
    markers: readonly (string | undefined)[],
    private readonly knownIds: () => number,
    private readonly memory: OutputMemory = plainMemory,
  ) {
    super();
    ({ id: this.bufId, bytes: this.buf } = memory.take(INITIAL_BYTES));
    this.markers = markers.map((m) => (m === undefined || m === '' ? undefined : Buffer.from(m, 'utf8')));
    const self = this;
    this.messages = {
      line(s) {
        self.channel = 1;
        self.line(s);
        self.channel = 0;
      },
      text(s) {
        self.channel = 1;
        self.text(s);
      },
      jsonStringBody(b) {
        self.channel = 1;
        self.jsonStringBody(b);
      },
      bytes(b) {
        self.channel = 1;
        self.bytes(b);
      },
      digits(n, width) {
        self.channel = 1;
        self.digits(n, width);
      },
      hex(b) {
        self.channel = 1;
        self.hex(b);
      },
      endLine() {
        self.channel = 1;
        self.endLine();
        self.channel = 0;
      },
    };
  }

  /**
   * Tags the lines written from now on: the frame number (or {@link END_TAG}), whether the packet
   * clock or the end of input writes them rather than the frame's own dissection
   * ({@link LineField.ByClock}), and `muted` to drop them.
   */
  tag(tag: number, byClock: boolean, muted = false): void {
    this.currentTag = tag;
    this.byClock = byClock ? 1 : 0;
    this.muted = muted;
  }

  /** Lines written so far (since the last {@link take}). */
  get lines(): number {
    return this.count;
  }

  endLine(): void {
    if (this.muted) {
      this.pos = this.lineStart;
      return;
    }
    this.reserve(1);
    this.buf[this.pos++] = 0x0a;
    if ((this.count + 1) * LINE_FIELDS > this.meta.length) {
      const grown = new Float64Array(this.meta.length * 2);
      grown.set(this.meta);
      this.meta = grown;
    }
    const m = this.meta;
    const at = this.count * LINE_FIELDS;
    m[at + LineField.Tag] = this.currentTag;
    m[at + LineField.ByClock] = this.byClock;
    m[at + LineField.End] = this.pos;
    m[at + LineField.Channel] = this.channel;
    m[at + LineField.IdStart] = -1;
    const marker = this.markers[this.channel];
    if (marker !== undefined) this.findId(marker, at);
    this.count++;
    this.lineStart = this.pos;
  }

  /**
   * The lines written since the last call, and starts over in a new buffer: the bytes are handed
   * on as they are (give their buffer back to the {@link OutputMemory} once read), the line
   * fields are a copy. Nothing is transferred (see `BatchSlot` on detaching).
   */
  take(): TaggedLines {
    const taken: TaggedLines = { bytes: new Uint8Array(this.buf.buffer, this.buf.byteOffset, this.pos), lines: this.meta.slice(0, this.count * LINE_FIELDS), memory: this.bufId };
    ({ id: this.bufId, bytes: this.buf } = this.memory.take(Math.max(INITIAL_BYTES, this.pos)));
    this.pos = 0;
    this.lineStart = 0;
    this.count = 0;
    return taken;
  }

  /** Records the connection id after `marker` in the line just ended, if there is one. */
  private findId(marker: Uint8Array, at: number): void {
    const buf = this.buf;
    const first = marker[0]!;
    const last = Math.min(this.pos - 1, this.lineStart + ID_WINDOW) - marker.length;
    for (let i = this.lineStart; i <= last; i++) {
      if (buf[i] !== first) continue;
      let k = 1;
      while (k < marker.length && buf[i + k] === marker[k]) k++;
      if (k < marker.length) continue;
      const start = i + k;
      let j = start;
      let id = 0;
      while (j < this.pos && buf[j]! >= 0x30 && buf[j]! <= 0x39 && j - start < 15) id = id * 10 + buf[j++]! - 0x30;
      // Only a number written as JSON and JS write it (no leading zero) and one that is an id.
      if (j === start || (buf[start] === 0x30 && j - start > 1) || id >= this.knownIds()) return;
      this.meta[at + LineField.IdStart] = start;
      this.meta[at + LineField.IdEnd] = j;
      this.meta[at + LineField.LocalId] = id;
      return;
    }
  }

  protected reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const { id, bytes } = this.memory.take(Math.max(this.buf.length * 2, this.pos + n));
    bytes.set(this.buf.subarray(0, this.pos));
    this.memory.give(this.bufId);
    this.buf = bytes;
    this.bufId = id;
  }
}
