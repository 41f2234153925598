import { END_TAG, LINE_FIELDS, LineField } from './tagged-line-buffer.js';

/** Where merged lines go: whole lines of one channel at a time. */
export interface MergedLineSink {
  /** Bytes of whole lines of `channel` (0: output, 1: messages), valid during the call. */
  (channel: number, bytes: Uint8Array): void;
}

/** A batch of one worker's lines, as received. */
interface Batch {
  readonly bytes: Uint8Array;
  readonly lines: Float64Array;
  readonly count: number;
}

/** End-of-input lines sort after every frame: their key is this plus the connection's id. */
const END_KEY = 2 ** 53 / 2;

/** One worker's lines waiting to be merged, and its connections. */
class WorkerLines {
  readonly batches: Batch[] = [];
  /** Next line: index in `batches[0]`. */
  line = 0;
  /** Every frame up to this one has been processed and its lines received. */
  upTo = 0;
  /** The worker's end-of-input lines have been received: `batches` ends with them. */
  final = false;
  /** Frame at which each of this worker's connections (by its own id) was made. */
  readonly creations: number[] = [];
  /** The id one thread gives each of this worker's connections, for those numbered so far. */
  readonly globalIds: number[] = [];
  /** The key of the last end-of-input line, for lines that name no connection. */
  lastEndKey = END_KEY - 1;
}

/** Room in the output buffer before it is handed on. */
const OUT_BYTES = 1024 * 1024;

/**
 * The main thread's half of a parallel run: merges the workers' tagged lines back into the order
 * one thread writes them, and renumbers connections as one thread numbers them.
 *
 * One thread writes a line while processing a frame, or at the end of input while flushing the
 * connections in the order of their ids. Each frame goes to one worker, and each worker's lines
 * come in the order of its frames, so a k-way merge by frame number gives the one-thread order:
 * a worker's next line can be written once every other worker has either a later line waiting or
 * has processed every frame up to it. End-of-input lines come after all of them, ordered by
 * connection id (lines naming no connection stay after the line before them).
 *
 * Connection ids: one thread numbers connections in the order they were made (their first frame);
 * each worker numbers its own. Workers say at which frame each of their connections was made;
 * before a line of frame F is written, every connection made at or before F has been numbered in
 * frame order, and the line's id (where the worker found it) is rewritten.
 */
export class LineMerge {
  private readonly workers: WorkerLines[];
  private nextGlobalId = 0;
  private out: Buffer = Buffer.allocUnsafe(OUT_BYTES);
  /** Where the bytes not handed on yet start in `out`; what was handed on is never written again. */
  private start = 0;
  /** Where the line being copied starts in `out`. */
  private lineStart = 0;
  private pos = 0;
  private channel = 0;

  constructor(
    workers: number,
    private readonly sink: MergedLineSink,
  ) {
    this.workers = Array.from({ length: workers }, () => new WorkerLines());
  }

  /** A worker's lines for a batch of frames (up to `upTo`), or its end-of-input lines (`final`). */
  add(worker: number, bytes: Uint8Array, lines: Float64Array, creations: readonly number[], upTo: number, final: boolean): void {
    const w = this.workers[worker]!;
    const count = lines.length / LINE_FIELDS;
    if (count > 0) w.batches.push({ bytes, lines, count });
    for (const f of creations) w.creations.push(f);
    w.upTo = upTo;
    if (final) w.final = true;
  }

  /** Whether a worker's end-of-input lines have come. */
  isFinal(worker: number): boolean {
    return this.workers[worker]!.final;
  }

  /** Writes every line that can be written now; at the very end also the end-of-input lines. */
  drain(): void {
    this.mergeFrames();
    if (this.workers.every((w) => w.final)) this.mergeEnd();
    this.flush();
  }

  /** The k-way merge of lines tagged with frame numbers. */
  private mergeFrames(): void {
    const ws = this.workers;
    for (;;) {
      let best = -1;
      let bestKey = Infinity;
      let second = Infinity;
      for (let i = 0; i < ws.length; i++) {
        const k = this.frameKey(ws[i]!);
        if (k < bestKey) {
          second = bestKey;
          bestKey = k;
          best = i;
        } else if (k < second) second = k;
      }
      if (best < 0) return;
      const w = ws[best]!;
      const b = w.batches[0];
      // The smallest key is a worker still working: nothing can be written before it reports.
      if (b === undefined || b.lines[w.line * LINE_FIELDS + LineField.Tag] === END_TAG) return;
      // Write this worker's lines while they come before every other worker's next one.
      for (;;) {
        const batch = w.batches[0];
        if (batch === undefined) break;
        const at = w.line * LINE_FIELDS;
        const tag = batch.lines[at + LineField.Tag]!;
        if (tag === END_TAG || tag > second) break;
        this.number(tag);
        this.copyLine(w, batch, at);
        if (++w.line === batch.count) {
          w.batches.shift();
          w.line = 0;
        }
      }
    }
  }

  /** A worker's next frame line's tag; past its frames, a bound on its next one. */
  private frameKey(w: WorkerLines): number {
    const b = w.batches[0];
    if (b !== undefined) {
      const tag = b.lines[w.line * LINE_FIELDS + LineField.Tag]!;
      if (tag !== END_TAG) return tag;
      return Infinity;
    }
    // Nothing waiting: every line up to `upTo` has come (a final worker writes no more frame lines).
    return w.final ? Infinity : w.upTo + 0.5;
  }

  /** Numbers every connection made at or before frame `f`, in frame order across workers. */
  private number(f: number): void {
    const ws = this.workers;
    for (;;) {
      let best: WorkerLines | undefined;
      let bestFrame = f;
      for (const w of ws) {
        const n = w.globalIds.length;
        if (n < w.creations.length && w.creations[n]! <= bestFrame) {
          // Ties cannot happen (a frame goes to one worker); `<=` keeps the first seen.
          if (best === undefined || w.creations[n]! < bestFrame) {
            best = w;
            bestFrame = w.creations[n]!;
          }
        }
      }
      if (best === undefined) return;
      best.globalIds.push(this.nextGlobalId++);
    }
  }

  /** After every worker's last frame: the end-of-input lines, by connection id. */
  private mergeEnd(): void {
    this.number(Infinity);
    const ws = this.workers;
    for (;;) {
      let best: WorkerLines | undefined;
      let bestKey = Infinity;
      for (const w of ws) {
        const b = w.batches[0];
        if (b === undefined) continue;
        const k = this.endKey(w, b, w.line * LINE_FIELDS);
        if (k < bestKey) {
          bestKey = k;
          best = w;
        }
      }
      if (best === undefined) return;
      const b = best.batches[0]!;
      best.lastEndKey = bestKey;
      this.copyLine(best, b, best.line * LINE_FIELDS);
      if (++best.line === b.count) {
        best.batches.shift();
        best.line = 0;
      }
    }
  }

  private endKey(w: WorkerLines, b: Batch, at: number): number {
    if (b.lines[at + LineField.IdStart]! < 0) return w.lastEndKey;
    const id = w.globalIds[b.lines[at + LineField.LocalId]!];
    return id === undefined ? w.lastEndKey : END_KEY + id;
  }

  /** Copies one line into the output, its connection id rewritten. */
  private copyLine(w: WorkerLines, b: Batch, at: number): void {
    const lines = b.lines;
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
    if (idStart < 0) {
      this.put(src, start, end);
      return;
    }
    const id = w.globalIds[lines[at + LineField.LocalId]!];
    if (id === undefined) {
      this.put(src, start, end);
      return;
    }
    this.put(src, start, idStart);
    this.putNumber(id);
    this.put(src, lines[at + LineField.IdEnd]!, end);
  }

  private put(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (this.pos + n > this.out.length) this.renew(n);
    const out = this.out;
    let pos = this.pos;
    // Short runs byte by byte: a view per run costs more than the copy.
    if (n < 64) for (let i = start; i < end; i++) out[pos++] = src[i]!;
    else {
      out.set(src.subarray(start, end), pos);
      pos += n;
    }
    this.pos = pos;
  }

  private putNumber(n: number): void {
    if (this.pos + 16 > this.out.length) this.renew(16);
    this.pos += this.out.write(String(n), this.pos, 'latin1');
  }

  /** Hands on what is collected (a view the receiver may keep: it is not written again). */
  private flush(): void {
    if (this.pos === this.start) return;
    this.sink(this.channel, this.out.subarray(this.start, this.pos));
    this.start = this.pos;
  }

  /** A new output buffer with room for `n` bytes, the current line's bytes so far moved into it. */
  private renew(n: number): void {
    // A line may be split across `put` calls: only whole lines are handed on, so the part of the
    // line in progress moves to the new buffer.
    const partial = this.out.subarray(this.lineStart, this.pos);
    this.flushTo(this.lineStart);
    const grown = Buffer.allocUnsafe(Math.max(OUT_BYTES, partial.length + n));
    grown.set(partial);
    this.out = grown;
    this.start = 0;
    this.lineStart = 0;
    this.pos = partial.length;
  }

  private flushTo(end: number): void {
    if (end > this.start) this.sink(this.channel, this.out.subarray(this.start, end));
    this.start = end;
  }
}
