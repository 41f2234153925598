import type { CapturedFrame } from '@netrx/core';
import { RELEASES } from './frame-dispatcher.js';
import { BIG_TIMESTAMP_FLAG, EVERY_WORKER, Field, FrameTable, IN_TABLE, RECORD_FIELDS } from './frame-table.js';
import type { JobRunner, JobStats } from './job-runner.js';
import type { ToWorker } from './messages.js';
import type { TaggedLines } from './tagged-line-buffer.js';

/** What a {@link TableDissector} reports after each table and at the end. */
export interface TableReport {
  (lines: TaggedLines, creations: number[], upTo: number, final: boolean, stats: JobStats | undefined): void;
}

/**
 * One dissecting thread's side of a parallel run (a worker thread, or the main thread with its
 * share): keeps the frame tables and shared chunks it is told of, and for each table dissects
 * its own frames — their bytes copied out of shared memory, which is written again once the table
 * is released: a frame's bytes must stay valid for as long as it is referenced — and moves its
 * packet clock with every other frame, in the table's order; then releases the table and reports
 * the lines it wrote.
 */
export class TableDissector {
  private readonly tables: FrameTable[] = [];
  private readonly chunks: Uint8Array[] = [];

  /**
   * @param me - this dissector's index in the run
   * @param writesShared - whether this dissector writes the lines of frames every dissector gets
   * @param control - the control block (`FrameDispatcher.controlBlock`)
   */
  constructor(
    private readonly runner: JobRunner,
    private readonly me: number,
    private readonly writesShared: boolean,
    private readonly control: Int32Array,
    private readonly report: TableReport,
  ) {}

  /** Handles one message of the main thread (see {@link ToWorker}). Throws what the pipeline threw. */
  onMessage(m: ToWorker): void {
    switch (m.t) {
      case 'table':
        this.tables[m.table] = new FrameTable(m.maxRecords, m.dataBytes, m.buffer);
        return;
      case 'chunk':
        this.chunks[m.chunk] = new Uint8Array(m.buffer);
        return;
      case 'frames':
        if (m.table >= 0) {
          try {
            this.dissect(m.table, m.count, m.ownBytes, m.big);
          } finally {
            Atomics.sub(this.control, 1 + m.table, 1);
            Atomics.add(this.control, RELEASES, 1);
            Atomics.notify(this.control, RELEASES);
          }
        }
        this.report(this.runner.lines.take(), this.runner.takeCreations(), m.upTo, false, undefined);
        return;
      case 'secrets':
        this.runner.addSecrets({ type: m.type, data: m.data, offset: 0 });
        return;
      case 'end':
        this.runner.end();
        this.report(this.runner.lines.take(), this.runner.takeCreations(), Infinity, true, this.runner.stats());
    }
  }

  private dissect(id: number, count: number, ownBytes: number, big: readonly (readonly [number, bigint])[] | undefined): void {
    const runner = this.runner;
    const me = this.me;
    const table = this.tables[id]!;
    const rec = table.records;
    const timestamps = table.timestamps;
    const bigAt = big === undefined ? undefined : new Map(big);
    // The first table's first frame is the capture's first: the job may show times relative to it.
    if (count > 0) runner.start((rec[Field.InterfaceAndFlags]! & BIG_TIMESTAMP_FLAG) === 0 ? timestamps[0]! : bigAt!.get(0)!);
    const mine = new Uint8Array(ownBytes);
    let at = 0;
    for (let i = 0, r = 0; i < count; i++, r += RECORD_FIELDS) {
      const iface = rec[r + Field.InterfaceAndFlags]!;
      const timestamp = (iface & BIG_TIMESTAMP_FLAG) === 0 ? timestamps[i]! : bigAt!.get(i)!;
      const frameNumber = rec[r + Field.FrameNumber]!;
      const worker = rec[r + Field.Worker]!;
      if (worker !== me && worker !== EVERY_WORKER) {
        runner.tick(timestamp, frameNumber);
        continue;
      }
      const caplen = rec[r + Field.Caplen]!;
      const offset = rec[r + Field.Offset]!;
      const buffer = rec[r + Field.Buffer]!;
      mine.set((buffer === IN_TABLE ? table.data : this.chunks[buffer]!).subarray(offset, offset + caplen), at);
      // The property order of the file readers' frames, so every frame has one shape.
      const frame: CapturedFrame = {
        linkType: rec[r + Field.LinkType]!,
        timestamp,
        caplen,
        length: rec[r + Field.Length]!,
        data: mine.subarray(at, at + caplen),
        interfaceId: iface & ~BIG_TIMESTAMP_FLAG,
        frameNumber,
      };
      at += caplen;
      runner.push(frame, worker === EVERY_WORKER && !this.writesShared);
    }
  }
}
