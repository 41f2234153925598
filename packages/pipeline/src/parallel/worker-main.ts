// The entry point of a parallel run's worker thread (see `captureLines`): makes the job, then
// turns each batch of frames the main thread sends into tagged lines and sends them back.
import { parentPort, workerData } from 'node:worker_threads';
import type { CapturedFrame } from '@netrx/core';
import { BatchSlot, CLOCK_ONLY_FLAG, EVERY_WORKER_FLAG, FLAGS, Field, RECORD_FIELDS } from './batch-slot.js';
import { JobRunner } from './job-runner.js';
import { loadLineJob } from './line-job.js';
import { RELEASES, type FromWorker, type ToWorker, type WorkerInit } from './messages.js';

const init = workerData as WorkerInit;
const port = parentPort!;
const control = new Int32Array(init.control);
const slots: BatchSlot[] = [];

function send(m: FromWorker): void {
  port.postMessage(m);
}

function fail(err: unknown): void {
  const e = err as Error & { code?: string };
  send({ t: 'error', message: e?.message ?? String(err), stack: e?.stack, code: typeof e?.code === 'string' ? e.code : undefined });
  port.close();
}

/** Worker 0 writes the lines of frames every worker gets; the others only keep their state. */
const mutesSharedFrames = init.index !== 0;

function batch(runner: JobRunner, slotIndex: number, count: number, upTo: number, big: readonly (readonly [number, bigint])[] | undefined): void {
  if (count > 0) frames(runner, slotIndex, count, big);
  const { bytes, lines } = runner.lines.take();
  send({ t: 'lines', upTo, bytes, lines, creations: runner.takeCreations(), final: false });
}

function frames(runner: JobRunner, slotIndex: number, count: number, big: readonly (readonly [number, bigint])[] | undefined): void {
  const slot = slots[slotIndex]!;
  const records = slot.records.slice(0, count * RECORD_FIELDS);
  const timestamps: (bigint | undefined)[] | BigUint64Array = slot.timestamps.slice(0, count);
  const last = (count - 1) * RECORD_FIELDS;
  const used = records[last + Field.DataOffset]! + records[last + Field.Caplen]!;
  // Frames must stay valid as long as they are referenced, and the slot is written again once
  // released: the bytes are copied into memory of this thread's own.
  const data = new Uint8Array(used);
  data.set(slot.data.subarray(0, used));
  Atomics.store(control, slotIndex + 1, 1);
  Atomics.add(control, RELEASES, 1);
  Atomics.notify(control, RELEASES);
  const bigAt = new Map(big);
  for (let i = 0, r = 0; i < count; i++, r += RECORD_FIELDS) {
    const flags = records[r + Field.InterfaceAndFlags]!;
    const timestamp = (flags & FLAGS) === 0 ? timestamps[i]! : (bigAt.get(i) ?? timestamps[i]!);
    if ((flags & CLOCK_ONLY_FLAG) !== 0) {
      runner.tick(timestamp, records[r + Field.FrameNumber]!);
      continue;
    }
    const off = records[r + Field.DataOffset]!;
    const caplen = records[r + Field.Caplen]!;
    // The property order of the file readers' frames, so every frame has one shape.
    const frame: CapturedFrame = {
      linkType: records[r + Field.LinkType]!,
      timestamp,
      caplen,
      length: records[r + Field.Length]!,
      data: data.subarray(off, off + caplen),
      interfaceId: flags & ~FLAGS,
      frameNumber: records[r + Field.FrameNumber]!,
    };
    runner.push(frame, mutesSharedFrames && (flags & EVERY_WORKER_FLAG) !== 0);
  }
}

function end(runner: JobRunner): void {
  runner.end();
  const { bytes, lines } = runner.lines.take();
  send({ t: 'lines', upTo: Infinity, bytes, lines, creations: runner.takeCreations(), final: true, stats: runner.stats() });
  port.close();
}

async function start(): Promise<void> {
  let runner: JobRunner;
  try {
    runner = new JobRunner(await loadLineJob(init.job));
  } catch (err) {
    return fail(err);
  }
  port.on('message', (m: ToWorker) => {
    try {
      if (m.t === 'slot') slots[m.slot] = new BatchSlot(m.maxRecords, m.dataBytes, m.buffer);
      else if (m.t === 'batch') batch(runner, m.slot, m.count, m.upTo, m.big);
      else end(runner);
    } catch (err) {
      fail(err);
    }
  });
}

void start();
