import type { CapturedFrame } from '@netrx/core';
import { EVERY_WORKER, FlowRouter } from './flow-router.js';
import { BIG_TIMESTAMP_FLAG, Field, FrameTable, IN_TABLE, RECORD_FIELDS } from './frame-table.js';
import type { ToWorker } from './messages.js';
import type { SharedChunks } from './shared-chunks.js';

/** Where the dispatcher sends a worker's messages. */
export interface WorkerPort {
  postMessage(m: ToWorker): void;
}

/** The largest timestamp a table holds (BigUint64). */
const MAX_TIMESTAMP = 2n ** 64n - 1n;

/**
 * Frame tables out at once before a capture file's reading waits (see `captureLines`): how far
 * the reading may run ahead of the slowest worker.
 */
export const TABLES_IN_FLIGHT = 6;
/** Tables the control block has room for; past it, adding a frame blocks until one is free. */
export const MAX_TABLES = 32;

/**
 * The control block all workers share with the main thread (Int32): at {@link RELEASES} a count
 * of tables released (`Atomics.add` and `notify`, for a main thread that waits), then per table
 * how many workers have yet to release it.
 */
export const RELEASES = 0;

/**
 * The main thread's half of handing frames to workers: routes each frame with a
 * {@link FlowRouter} and writes a record of it into the current {@link FrameTable} — where its
 * bytes are (a shared read chunk, or copied into the table), its header fields, its worker — and
 * {@link flush} posts the table's id to every worker. Each worker dissects its own frames and
 * moves its packet clock with all the others, in the table's order; then it releases the table
 * (the control block's count), and the chunks the table refers to are released with it.
 *
 * Backpressure: {@link ready} is a promise while {@link TABLES_IN_FLIGHT} tables are out — a
 * source that waits for it (`beforeNextChunk` of a capture file) stays that close to the slowest
 * worker. A source that does not wait gets more tables, up to {@link MAX_TABLES}; past that,
 * {@link add} blocks the thread (`Atomics.wait`) until the workers release one.
 */
export class FrameDispatcher {
  private readonly router: FlowRouter;
  private readonly control: Int32Array;
  private readonly tables: FrameTable[] = [];
  /** Per table: out (posted and not yet released by every worker). */
  private readonly out: boolean[] = [];
  /** Per table: the chunks it refers to, held until it is released. */
  private readonly chunksOf: number[][] = [];
  private current = -1;
  private count = 0;
  private used = 0;
  /** Bytes of each worker's own frames in the current table (what it copies out). */
  private readonly ownBytes: number[];
  /** Timestamps of the current table that do not fit it. */
  private big: [number, bigint][] | undefined;
  private lastFrame = 0;
  private waiters: (() => void)[] = [];

  /**
   * @param ports - one per dissector, in order; the first is told of each table last (it may be
   *   this thread's own, which dissects its share at once)
   * @param control - the shared control block ({@link controlBlock})
   * @param chunks - the shared read chunks frames may be in
   * @param shares - each dissector's share of the connections (default: equal)
   * @param tunnelPorts - UDP tunnel ports, routed by address (see `FlowRouter`)
   * @param tableBytes - bytes of frame data a table holds (a larger frame gets a table of its own size)
   * @param tableRecords - frames a table holds
   */
  constructor(
    private readonly ports: readonly WorkerPort[],
    control: SharedArrayBuffer,
    private readonly chunks: SharedChunks | undefined,
    shares?: readonly number[],
    tunnelPorts?: Iterable<number>,
    private readonly tableBytes = 4 * 1024 * 1024,
    private readonly tableRecords = 64 * 1024,
  ) {
    this.router = new FlowRouter(ports.length, shares, tunnelPorts);
    this.control = new Int32Array(control);
    this.ownBytes = ports.map(() => 0);
  }

  /** The shared control block ({@link RELEASES}, then one count per table). */
  static controlBlock(): SharedArrayBuffer {
    return new SharedArrayBuffer((1 + MAX_TABLES) * 4);
  }

  /** Routes a frame and adds it to the current table. */
  add(frame: CapturedFrame): void {
    const data = frame.data;
    const caplen = data.length;
    const chunk = this.chunks?.idOf(data.buffer) ?? -1;
    const copied = chunk < 0 ? caplen : 0;
    if (this.current >= 0) {
      const t = this.tables[this.current]!;
      if (this.count === t.maxRecords || this.used + copied > t.dataBytes) this.post(frame.frameNumber - 1);
    }
    if (this.current < 0) this.take(copied);
    const t = this.tables[this.current]!;
    const worker = this.router.route(frame.linkType, data);
    const r = this.count * RECORD_FIELDS;
    const rec = t.records;
    rec[r + Field.FrameNumber] = frame.frameNumber;
    if (chunk >= 0) {
      rec[r + Field.Buffer] = chunk;
      rec[r + Field.Offset] = data.byteOffset;
      const held = this.chunksOf[this.current]!;
      if (held[held.length - 1] !== chunk && !held.includes(chunk)) {
        held.push(chunk);
        this.chunks!.hold(chunk);
      }
    } else {
      rec[r + Field.Buffer] = IN_TABLE;
      rec[r + Field.Offset] = this.used;
      t.data.set(data, this.used);
      this.used += caplen;
    }
    rec[r + Field.Caplen] = caplen;
    rec[r + Field.Length] = frame.length;
    rec[r + Field.LinkType] = frame.linkType;
    let flags = 0;
    const ts = frame.timestamp;
    if (ts >= 0n && ts <= MAX_TIMESTAMP) t.timestamps[this.count] = ts;
    else {
      flags = BIG_TIMESTAMP_FLAG;
      (this.big ??= []).push([this.count, ts]);
    }
    rec[r + Field.InterfaceAndFlags] = frame.interfaceId | flags;
    rec[r + Field.Worker] = worker;
    if (worker === EVERY_WORKER) for (let i = 0; i < this.ownBytes.length; i++) this.ownBytes[i]! += caplen;
    else this.ownBytes[worker]! += caplen;
    this.count++;
    this.lastFrame = frame.frameNumber;
  }

  /** Posts the current table, with every frame read so far (an empty one too: the workers then know how far the input has come). */
  flush(): void {
    this.post(this.lastFrame);
  }

  /**
   * Undefined while fewer than {@link TABLES_IN_FLIGHT} tables are out; else a promise that
   * settles once the workers have released one.
   */
  ready(): Promise<void> | undefined {
    this.reclaim();
    let out = 0;
    for (const o of this.out) if (o) out++;
    if (out < TABLES_IN_FLIGHT) return undefined;
    return new Promise<void>((resolve) => this.waiters.push(resolve)).then(() => this.ready());
  }

  /**
   * Takes back the tables every worker has released (and their chunks); call when a worker has
   * reported (the workers release a table before they report on it).
   */
  reclaim(): void {
    let any = false;
    for (let i = 0; i < this.out.length; i++) {
      if (!this.out[i] || Atomics.load(this.control, 1 + i) !== 0) continue;
      this.out[i] = false;
      any = true;
      for (const c of this.chunksOf[i]!) this.chunks!.release(c);
      this.chunksOf[i] = [];
    }
    if (!any) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /**
   * Decryption secrets read from the capture: every dissector gets them after the frames before
   * them and before the frames after them (the current table is posted first).
   */
  secrets(type: number, data: Uint8Array): void {
    if (this.current >= 0) this.post(this.lastFrame);
    const copy = data.slice();
    for (const p of this.ports) p.postMessage({ t: 'secrets', type, data: copy });
  }

  /** Tells every worker the input ended (after {@link flush}). */
  end(): void {
    for (const p of this.ports) p.postMessage({ t: 'end' });
  }

  private post(upTo: number): void {
    const n = this.ports.length;
    if (this.current < 0) {
      // Nothing but how far the input has come: no table.
      for (let k = 1; k <= n; k++) this.ports[k % n]!.postMessage({ t: 'frames', table: -1, count: 0, upTo, ownBytes: 0 });
      return;
    }
    const id = this.current;
    const big = this.big;
    const count = this.count;
    this.out[id] = true;
    this.current = -1;
    this.count = 0;
    this.used = 0;
    this.big = undefined;
    Atomics.store(this.control, 1 + id, n);
    // The first port last: the workers are on their way while this thread dissects its share.
    for (let k = 1; k <= n; k++) {
      const i = k % n;
      const ownBytes = this.ownBytes[i]!;
      this.ownBytes[i] = 0;
      this.ports[i]!.postMessage({ t: 'frames', table: id, count, upTo, ownBytes, big });
    }
  }

  /** Makes a free table (with room for `bytes` of copied frames) the current one. */
  private take(bytes: number): void {
    for (;;) {
      this.reclaim();
      for (let i = 0; i < this.tables.length; i++) {
        if (this.out[i]) continue;
        // Too small for this frame: replaced by a table of its size.
        if (this.tables[i]!.dataBytes < bytes) this.newTable(bytes, i);
        this.current = i;
        return;
      }
      if (this.tables.length < MAX_TABLES) {
        this.current = this.newTable(bytes, this.tables.length);
        return;
      }
      // Every table is out and the source did not wait for `ready()`: wait for the workers.
      Atomics.wait(this.control, RELEASES, Atomics.load(this.control, RELEASES), 1000);
    }
  }

  private newTable(bytes: number, id: number): number {
    const table = new FrameTable(this.tableRecords, Math.max(this.tableBytes, bytes));
    this.tables[id] = table;
    this.out[id] = false;
    this.chunksOf[id] = [];
    for (const p of this.ports) p.postMessage({ t: 'table', table: id, buffer: table.buffer, maxRecords: table.maxRecords, dataBytes: table.dataBytes });
    return id;
  }
}
