import { copyBytesInto, writeDigits } from '../byte-lines.js';
import { LINE_FIELDS, LineField } from './tagged-line-buffer.js';

/** Where merged lines go: whole lines of one channel at a time. */
export interface MergedLineSink {
  /** Bytes of whole lines of `channel` (0: output, 1: messages); the receiver may keep them. */
  (channel: number, bytes: Uint8Array): void;
}

/** A batch of one worker's lines, as received. */
interface Batch {
  readonly bytes: Uint8Array;
  readonly lines: Float64Array;
  readonly count: number;
  /** The id of the worker's buffer that holds `bytes`, given back once they are merged. */
  readonly memory: number;
}

/** Called once a batch's lines are merged: the worker's output buffer `memory` may be written again. */
export type MergedBatch = (worker: number, memory: number) => void;

/** One worker's lines waiting to be merged, and its connections. */
class WorkerLines {
  constructor(readonly index: number) {}
  readonly batches: Batch[] = [];
  /** Next line: index in `batches[0]`. */
  line = 0;
  /** Every frame up to this one has been processed and its lines (and connections) received. */
  upTo = 0;
  /** The worker's end-of-input lines have been received. */
  final = false;
  /** Frame at which each of this worker's connections (by its own id) was made. */
  readonly creations: number[] = [];
  /** The id one thread gives each of this worker's connections, for those numbered so far. */
  readonly globalIds: number[] = [];
  /** Key of the last line written: a clock line naming no connection sorts right after it. */
  lastTag = -1;
  lastSub = -1;
  /** Key of the next line, set by {@link LineMerge.keyOf}. */
  tag = 0;
  sub = 0;
}

/** Room in the output buffer before a new one is started (large allocations outside V8's heap make it collect garbage more often). */
const OUT_BYTES = 256 * 1024;

/**
 * The main thread's half of a parallel run: merges the workers' tagged lines back into the order
 * one thread writes them, and renumbers connections as one thread numbers them.
 *
 * One thread writes each line while handling a frame: first what the packet clock's timeouts
 * close or cut at that frame (connection by connection, in id order), then what the frame's own
 * dissection writes; at the end of input, connection by connection in id order. Each frame's own
 * dissection happens in one worker, each worker's clock sees every frame, and each worker's
 * lines come in the order it wrote them. So a line's place is the key (frame, id) — id for clock
 * and end-of-input lines, +∞ for the frame's own — and a k-way merge by that key gives the
 * one-thread order: a worker's next line is written once every other worker has either a later
 * line waiting or has processed every frame up to it.
 *
 * Connection ids: one thread numbers connections in the order they were made (their first frame);
 * each worker numbers its own. Workers say at which frame each of their connections was made;
 * before a line of frame F is placed, every connection made at or before F is numbered in frame
 * order, and the line's id (where the worker found it) is rewritten.
 */
export class LineMerge {
  private readonly workers: WorkerLines[];
  private nextGlobalId = 0;
  /** The first frame at which a connection not yet numbered was made (+∞: none waiting). */
  private nextCreation = Infinity;
  /** Every worker has processed every frame up to this one: connections up to it can be numbered. */
  private known = 0;
  private out: Buffer = Buffer.allocUnsafe(OUT_BYTES);
  /** Where the bytes not handed on yet start in `out`; what was handed on is never written again. */
  private start = 0;
  /** Where the line being copied starts in `out`. */
  private lineStart = 0;
  private pos = 0;
  private channel = 0;

  /** In connection order: the next connection id to write, and the lines of later ones, waiting. */
  private nextItem = 0;
  private readonly waiting = new Map<number, Buffer[]>();
  /** The item being written: its connection, its worker, and whether it waits. */
  private current: number | undefined;
  private currentWorker: WorkerLines | undefined;
  private currentWaits = false;

  /**
   * @param merged - told when a batch's lines are all copied out (its buffer may be used again)
   * @param byConnection - output lines in the order of their connections' ids instead (each
   *   connection's lines wait until every lower id's have been written; a line naming no
   *   connection goes with the line before it from the same worker), as `netrx tcp` writes a
   *   capture file's connections
   */
  constructor(
    workers: number,
    private readonly sink: MergedLineSink,
    private readonly merged: MergedBatch = () => {},
    private readonly byConnection = false,
  ) {
    this.workers = Array.from({ length: workers }, (_, i) => new WorkerLines(i));
  }

  /**
   * A worker's lines for a batch of frames (every frame up to `upTo`), or its end-of-input lines
   * (`final`); `memory` identifies the buffer `bytes` is in, for {@link MergedBatch}.
   */
  add(worker: number, bytes: Uint8Array, lines: Float64Array, creations: readonly number[], upTo: number, final: boolean, memory = -1): void {
    const w = this.workers[worker]!;
    const count = lines.length / LINE_FIELDS;
    if (count > 0) w.batches.push({ bytes, lines, count, memory });
    else this.merged(worker, memory);
    for (const f of creations) w.creations.push(f);
    if (creations.length > 0 && w.creations[w.globalIds.length]! < this.nextCreation) this.nextCreation = w.creations[w.globalIds.length]!;
    w.upTo = final ? Infinity : upTo;
    if (final) w.final = true;
    let known = Infinity;
    for (const v of this.workers) if (v.upTo < known) known = v.upTo;
    this.known = known;
  }

  /** Whether a worker's end-of-input lines have come. */
  isFinal(worker: number): boolean {
    return this.workers[worker]!.final;
  }

  /** Writes every line that can be placed now, and hands the bytes on. */
  drain(): void {
    this.mergeLines();
    if (this.byConnection) {
      // Items do not span batches: the one being written is complete.
      this.finishItem();
      // The very end: what still waits (numbers that never came hold nothing back).
      if (this.waiting.size > 0 && this.workers.every((w) => w.final && w.batches.length === 0)) this.flushWaiting();
    }
    this.flush();
  }

  private mergeLines(): void {
    const ws = this.workers;
    for (const w of ws) this.keyOf(w);
    for (;;) {
      let best: WorkerLines | undefined;
      let second: WorkerLines | undefined;
      for (const w of ws) {
        if (best === undefined || before(w, best)) {
          second = best;
          best = w;
        } else if (second === undefined || before(w, second)) second = w;
      }
      if (best === undefined || best.batches.length === 0) break;
      // Write this worker's lines while they come before every other worker's next one.
      const tag2 = second === undefined ? Infinity : second.tag;
      const sub2 = second === undefined ? Infinity : second.sub;
      do {
        this.write(best);
        this.keyOf(best);
      } while (best.batches.length > 0 && (best.tag < tag2 || (best.tag === tag2 && best.sub < sub2)));
    }
  }

  /**
   * Sets a worker's key: its next line's, or, with none waiting, a bound below its next one
   * (past `upTo`; nothing at all once it is final).
   */
  private keyOf(w: WorkerLines): void {
    const b = w.batches[0];
    if (b === undefined) {
      w.tag = w.final ? Infinity : w.upTo + 0.5;
      w.sub = w.final ? Infinity : -Infinity;
      return;
    }
    const at = w.line * LINE_FIELDS;
    const lines = b.lines;
    const tag = lines[at + LineField.Tag]!;
    w.tag = tag;
    if (lines[at + LineField.ByClock] === 0) {
      w.sub = Infinity;
      return;
    }
    // A line placed by connection id: its id is known once every worker is past its frame (until
    // then another worker is behind it, and its key only has to be above that worker's bound).
    if (tag > this.known) {
      w.sub = -Infinity;
      return;
    }
    this.number(tag);
    const id = lines[at + LineField.IdStart]! < 0 ? undefined : w.globalIds[lines[at + LineField.LocalId]!];
    w.sub = id ?? (w.lastTag === tag ? w.lastSub : -1);
  }

  /** Numbers every connection made at or before frame `f`, in frame order across workers. */
  private number(f: number): void {
    if (f < this.nextCreation) return;
    const ws = this.workers;
    for (;;) {
      let best: WorkerLines | undefined;
      let bestFrame = f;
      for (const w of ws) {
        const n = w.globalIds.length;
        if (n < w.creations.length && w.creations[n]! <= bestFrame && (best === undefined || w.creations[n]! < bestFrame)) {
          best = w;
          bestFrame = w.creations[n]!;
        }
      }
      if (best === undefined) break;
      best.globalIds.push(this.nextGlobalId++);
    }
    let next = Infinity;
    for (const w of ws) {
      const c = w.creations[w.globalIds.length];
      if (c !== undefined && c < next) next = c;
    }
    this.nextCreation = next;
  }

  /** Copies a worker's next line into the output, its connection id rewritten, and moves past it. */
  private write(w: WorkerLines): void {
    const b = w.batches[0]!;
    const lines = b.lines;
    const at = w.line * LINE_FIELDS;
    w.lastTag = w.tag;
    w.lastSub = w.sub;
    const start = at === 0 ? 0 : lines[at - LINE_FIELDS + LineField.End]!;
    const end = lines[at + LineField.End]!;
    const channel = lines[at + LineField.Channel]!;
    if (channel !== this.channel) {
      this.flush();
      this.channel = channel;
    }
    this.lineStart = this.pos;
    const idStart = lines[at + LineField.IdStart]!;
    const src = b.bytes;
    let id: number | undefined;
    if (idStart >= 0) {
      this.number(w.tag);
      id = w.globalIds[lines[at + LineField.LocalId]!];
    }
    if (id === undefined) this.put(src, start, end);
    else {
      this.put(src, start, idStart);
      this.putNumber(id);
      this.put(src, lines[at + LineField.IdEnd]!, end);
    }
    if (this.byConnection && channel === 0) this.order(w, idStart < 0 ? undefined : id);
    if (++w.line === b.count) {
      w.batches.shift();
      w.line = 0;
      this.merged(w.index, b.memory);
    }
  }

  /**
   * In connection order: the line just copied (at `lineStart`) is written now, or waits for its
   * connection's turn. An item is a line naming a connection and the lines after it from the same
   * worker that name none; a connection's turn ends with its item, and the ones waiting after it
   * follow, as `inStreamOrder` has it.
   */
  private order(w: WorkerLines, id: number | undefined): void {
    // Out of the output first: what is written next may be lines that waited for it.
    const line = this.takeLine();
    if (id === undefined && this.current !== undefined && this.currentWorker === w) {
      if (this.currentWaits) this.hold(this.current, line);
      else this.putLine(line);
      return;
    }
    this.finishItem();
    if (id === undefined) {
      // A line of no connection: after everything waiting.
      this.flushWaiting();
      this.putLine(line);
      return;
    }
    this.current = id;
    this.currentWorker = w;
    this.currentWaits = id > this.nextItem;
    if (this.currentWaits) this.hold(id, line);
    else this.putLine(line);
  }

  /** The item being written is complete: when it was the next connection's, the ones waiting after it follow. */
  private finishItem(): void {
    const id = this.current;
    if (id === undefined) return;
    this.current = undefined;
    if (this.currentWaits || id !== this.nextItem) return;
    this.nextItem++;
    for (let next = this.waiting.get(this.nextItem); next !== undefined; next = this.waiting.get(this.nextItem)) {
      this.waiting.delete(this.nextItem++);
      for (const l of next) this.putLine(l);
    }
  }

  /** A line waits with connection `id`'s. */
  private hold(id: number, line: Buffer): void {
    const list = this.waiting.get(id);
    if (list === undefined) this.waiting.set(id, [line]);
    else list.push(line);
  }

  /** The line just copied, as a buffer of its own, and out of the output again. */
  private takeLine(): Buffer {
    const line = Buffer.from(this.out.subarray(this.lineStart, this.pos));
    this.pos = this.lineStart;
    return line;
  }

  private flushWaiting(): void {
    this.finishItem();
    for (const id of [...this.waiting.keys()].sort((a, b) => a - b)) for (const l of this.waiting.get(id)!) this.putLine(l);
    this.waiting.clear();
  }

  /** Writes a waiting line (output, channel 0). */
  private putLine(line: Buffer): void {
    if (this.channel !== 0) {
      this.flush();
      this.channel = 0;
    }
    this.lineStart = this.pos;
    this.put(line, 0, line.length);
  }

  private put(src: Uint8Array, start: number, end: number): void {
    if (this.pos + (end - start) > this.out.length) this.renew(end - start);
    this.pos = copyBytesInto(this.out, this.pos, src, start, end);
  }

  /** Writes a whole number from 0 in decimal, as `String(n)` would. */
  private putNumber(n: number): void {
    if (this.pos + 16 > this.out.length) this.renew(16);
    this.pos = writeDigits(this.out, this.pos, n);
  }

  /** Hands on what is collected (a view the receiver may keep: it is not written again). */
  private flush(): void {
    if (this.pos === this.start) return;
    this.sink(this.channel, this.out.subarray(this.start, this.pos));
    this.start = this.pos;
  }

  /** A new output buffer with room for `n` more bytes; the line in progress moves into it. */
  private renew(n: number): void {
    // Only whole lines are handed on: the part of the line copied so far moves to the new buffer.
    const partial = this.out.subarray(this.lineStart, this.pos);
    if (this.lineStart > this.start) this.sink(this.channel, this.out.subarray(this.start, this.lineStart));
    const grown = Buffer.allocUnsafe(Math.max(OUT_BYTES, partial.length + n));
    grown.set(partial);
    this.out = grown;
    this.start = 0;
    this.lineStart = 0;
    this.pos = partial.length;
  }
}

/** Whether worker `a`'s key comes before worker `b`'s. */
function before(a: WorkerLines, b: WorkerLines): boolean {
  return a.tag < b.tag || (a.tag === b.tag && a.sub < b.sub);
}
