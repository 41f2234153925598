import type { CapturedFrame } from '@netrx/core';
import { BatchSlot, BIG_TIMESTAMP_FLAG, CLOCK_ONLY_FLAG, EVERY_WORKER_FLAG, Field, RECORD_FIELDS } from './batch-slot.js';
import { EVERY_WORKER, FlowRouter } from './flow-router.js';
import { RELEASES, type ToWorker } from './messages.js';

/** Where the dispatcher sends a worker's messages. */
export interface WorkerPort {
  postMessage(m: ToWorker): void;
}

/** The largest timestamp a slot holds (BigUint64). */
const MAX_TIMESTAMP = 2n ** 64n - 1n;

/** Slots a worker may have in flight before reading waits (see {@link FrameDispatcher.ready}). */
export const SLOTS_PER_WORKER = 4;
/** Slots a worker's control block has room for; past it, adding a frame blocks until one is free. */
export const MAX_SLOTS = 32;

/** `Atomics.waitAsync` (ES2024; in Node since 16), typed here for the ES2023 library. */
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> };
}).waitAsync;

/** One worker's side of the dispatcher. */
class WorkerBatches {
  readonly slots: BatchSlot[] = [];
  /** The slot being filled, -1 when none. */
  current = -1;
  count = 0;
  used = 0;
  /** Timestamps of this batch that do not fit its slot. */
  big: [number, bigint][] | undefined;
  readonly control: Int32Array;

  constructor(
    readonly port: WorkerPort,
    readonly controlBuffer: SharedArrayBuffer,
  ) {
    this.control = new Int32Array(controlBuffer);
  }
}

/**
 * The main thread's half of handing frames to workers: routes each frame with a
 * {@link FlowRouter} and copies it into its worker's current {@link BatchSlot}; {@link flush}
 * posts every worker's batch (also an empty one: the worker then knows it has every frame up to
 * the last one read, which the merge needs). Batches are posted as slot indexes only.
 *
 * Backpressure: {@link ready} says when a worker has {@link SLOTS_PER_WORKER} slots in flight —
 * a source that waits for it (`beforeNextChunk` of a capture file) stays at most that far ahead of
 * the slowest worker. A source that does not wait gets more slots, up to {@link MAX_SLOTS} per
 * worker; past that, {@link add} blocks the thread (`Atomics.wait`) until a worker frees one.
 */
export class FrameDispatcher {
  private readonly router: FlowRouter;
  private readonly workers: WorkerBatches[];
  private lastFrame = 0;

  /**
   * @param ports - one per worker, in worker order
   * @param controls - each worker's control block ({@link RELEASES} and a flag per slot, 1 + {@link MAX_SLOTS} Int32)
   * @param slotBytes - frame bytes a slot holds (a larger frame gets a slot of its own size)
   * @param slotRecords - frames a slot holds
   */
  constructor(
    ports: readonly WorkerPort[],
    controls: readonly SharedArrayBuffer[],
    private readonly slotBytes = 1024 * 1024,
    private readonly slotRecords = 16 * 1024,
  ) {
    this.router = new FlowRouter(ports.length);
    this.workers = ports.map((p, i) => new WorkerBatches(p, controls[i]!));
  }

  /** An Int32 control block for a worker ({@link RELEASES}, then one flag per slot). */
  static controlBlock(): SharedArrayBuffer {
    return new SharedArrayBuffer((1 + MAX_SLOTS) * 4);
  }

  /**
   * Routes a frame and adds it to its worker's batch (or every worker's), and its time and number
   * to every other worker's: each worker's packet clock sees every frame.
   */
  add(frame: CapturedFrame): void {
    const to = this.router.route(frame.linkType, frame.data);
    const ws = this.workers;
    if (to === EVERY_WORKER) {
      for (let i = 0; i < ws.length; i++) this.put(ws[i]!, frame, EVERY_WORKER_FLAG, frame.data.length);
    } else {
      for (let i = 0; i < ws.length; i++) {
        if (i === to) this.put(ws[i]!, frame, 0, frame.data.length);
        else this.put(ws[i]!, frame, CLOCK_ONLY_FLAG, 0);
      }
    }
    this.lastFrame = frame.frameNumber;
  }

  /** Posts every worker's batch, with every frame read so far. */
  flush(): void {
    for (const w of this.workers) this.post(w, this.lastFrame);
  }

  /**
   * Undefined when every worker has a slot free within {@link SLOTS_PER_WORKER}; else a promise
   * that settles when one has freed one (the workers free slots as they start on a batch).
   */
  ready(): Promise<void> | undefined {
    for (const w of this.workers) {
      if (this.freeSlot(w, SLOTS_PER_WORKER) >= 0) continue;
      const seen = Atomics.load(w.control, RELEASES);
      const waited = waitAsync(w.control, RELEASES, seen);
      return waited.async ? waited.value.then(() => this.ready()) : this.ready();
    }
    return undefined;
  }

  /** Tells every worker the input ended (after {@link flush}). */
  end(): void {
    for (const w of this.workers) w.port.postMessage({ t: 'end' });
  }

  /** Adds a frame to a worker's batch: `caplen` of its bytes (0 for {@link CLOCK_ONLY_FLAG}). */
  private put(w: WorkerBatches, frame: CapturedFrame, flags: number, caplen: number): void {
    if (w.current >= 0) {
      const slot = w.slots[w.current]!;
      if (w.count === slot.maxRecords || w.used + caplen > slot.dataBytes) this.post(w, frame.frameNumber - 1);
    }
    if (w.current < 0) this.take(w, caplen);
    const slot = w.slots[w.current]!;
    const r = w.count * RECORD_FIELDS;
    const rec = slot.records;
    rec[r + Field.FrameNumber] = frame.frameNumber;
    rec[r + Field.DataOffset] = w.used;
    rec[r + Field.Caplen] = caplen;
    rec[r + Field.Length] = frame.length;
    rec[r + Field.LinkType] = frame.linkType;
    const ts = frame.timestamp;
    if (ts >= 0n && ts <= MAX_TIMESTAMP) slot.timestamps[w.count] = ts;
    else {
      flags |= BIG_TIMESTAMP_FLAG;
      (w.big ??= []).push([w.count, ts]);
    }
    rec[r + Field.InterfaceAndFlags] = frame.interfaceId | flags;
    if (caplen > 0) {
      slot.data.set(frame.data, w.used);
      w.used += caplen;
    }
    w.count++;
  }

  private post(w: WorkerBatches, upTo: number): void {
    if (w.current < 0) {
      // Nothing to send but how far the input has come: an empty batch without a slot.
      w.port.postMessage({ t: 'batch', slot: -1, count: 0, upTo });
      return;
    }
    w.port.postMessage({ t: 'batch', slot: w.current, count: w.count, upTo, big: w.big });
    w.current = -1;
    w.count = 0;
    w.used = 0;
    w.big = undefined;
  }

  /** Makes a free slot (with room for `bytes`) the worker's current one. */
  private take(w: WorkerBatches, bytes: number): void {
    for (;;) {
      let i = this.freeSlot(w, MAX_SLOTS, bytes);
      if (i < 0 && w.slots.length < MAX_SLOTS) i = this.newSlot(w, bytes);
      if (i >= 0) {
        Atomics.store(w.control, i + 1, 0);
        w.current = i;
        return;
      }
      // Every slot is in flight and the source did not wait for `ready()`: wait for a worker.
      Atomics.wait(w.control, RELEASES, Atomics.load(w.control, RELEASES));
    }
  }

  /** A free slot among the first `limit` with room for `bytes` (also one to replace), or -1. */
  private freeSlot(w: WorkerBatches, limit: number, bytes = 0): number {
    const n = Math.min(limit, w.slots.length);
    for (let i = 0; i < n; i++) {
      if (Atomics.load(w.control, i + 1) !== 1) continue;
      if (w.slots[i]!.dataBytes >= bytes) return i;
      // Too small for this frame: replaced by a slot of its size.
      return this.newSlot(w, bytes, i);
    }
    return n < limit ? (w.slots.length < limit ? this.newSlot(w, bytes) : -1) : -1;
  }

  private newSlot(w: WorkerBatches, bytes: number, replace = w.slots.length): number {
    const slot = new BatchSlot(this.slotRecords, Math.max(this.slotBytes, bytes));
    w.slots[replace] = slot;
    Atomics.store(w.control, replace + 1, 1);
    w.port.postMessage({ t: 'slot', slot: replace, buffer: slot.buffer, maxRecords: slot.maxRecords, dataBytes: slot.dataBytes });
    return replace;
  }
}
