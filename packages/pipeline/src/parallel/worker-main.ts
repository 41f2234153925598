// The entry point of a parallel run's worker thread (see `captureLines`): makes the job, then
// for each frame table the main thread posts, dissects its own frames and moves its packet clock
// with the others, and sends back the lines it wrote.
import { parentPort, workerData } from 'node:worker_threads';
import type { CapturedFrame } from '@netrx/core';
import { RELEASES } from './frame-dispatcher.js';
import { BIG_TIMESTAMP_FLAG, EVERY_WORKER, Field, FrameTable, IN_TABLE, RECORD_FIELDS } from './frame-table.js';
import { JobRunner } from './job-runner.js';
import { loadLineJob } from './line-job.js';
import type { FromWorker, ToWorker, WorkerInit } from './messages.js';
import { SharedOutputPool } from './output-pool.js';

const init = workerData as WorkerInit;
const port = parentPort!;
const me = init.index;
const control = new Int32Array(init.control);
const tables: FrameTable[] = [];
const chunks: Uint8Array[] = [];
/** Worker 0 writes the lines of frames every worker dissects; the others only keep their state. */
const mutesShared = me !== 0;
/** Output buffers the main thread has been given. */
const announced = new Set<number>();

function send(m: FromWorker): void {
  port.postMessage(m);
}

function fail(err: unknown): void {
  const e = err as Error & { code?: string };
  send({ t: 'error', message: e?.message ?? String(err), stack: e?.stack, code: typeof e?.code === 'string' ? e.code : undefined });
  port.close();
}

/** The lines written so far, as a message (see `FromWorker`). */
function lines(runner: JobRunner, upTo: number, final: boolean): FromWorker {
  const { bytes, lines, memory } = runner.lines.take();
  const known = memory >= 0 && announced.has(memory);
  if (memory >= 0) announced.add(memory);
  return {
    t: 'lines',
    upTo,
    memory,
    length: bytes.length,
    buffer: known ? undefined : (bytes.buffer as SharedArrayBuffer),
    lines,
    creations: runner.takeCreations(),
    final,
    stats: final ? runner.stats() : undefined,
  };
}

function frames(runner: JobRunner, id: number, count: number, ownBytes: number, big: readonly (readonly [number, bigint])[] | undefined): void {
  const table = tables[id]!;
  const rec = table.records;
  const timestamps = table.timestamps;
  const bigAt = big === undefined ? undefined : new Map(big);
  // This worker's frames' bytes, copied out of shared memory (written again once released): a
  // frame's bytes must stay valid for as long as it is referenced.
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
    const from = buffer === IN_TABLE ? table.data : chunks[buffer]!;
    mine.set(from.subarray(offset, offset + caplen), at);
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
    runner.push(frame, mutesShared && worker === EVERY_WORKER);
  }
}

function release(id: number): void {
  Atomics.sub(control, 1 + id, 1);
  Atomics.add(control, RELEASES, 1);
  Atomics.notify(control, RELEASES);
}

function onMessage(runner: JobRunner, m: ToWorker): void {
  switch (m.t) {
    case 'table':
      tables[m.table] = new FrameTable(m.maxRecords, m.dataBytes, m.buffer);
      return;
    case 'chunk':
      chunks[m.chunk] = new Uint8Array(m.buffer);
      return;
    case 'frames':
      if (m.table >= 0) {
        try {
          frames(runner, m.table, m.count, m.ownBytes, m.big);
        } finally {
          release(m.table);
        }
      }
      send(lines(runner, m.upTo, false));
      return;
    case 'end':
      runner.end();
      send(lines(runner, Infinity, true));
      port.close();
  }
}

async function start(): Promise<void> {
  let runner: JobRunner;
  try {
    runner = new JobRunner(await loadLineJob(init.job), new SharedOutputPool(new Int32Array(init.output)));
  } catch (err) {
    return fail(err);
  }
  port.on('message', (m: ToWorker) => {
    try {
      onMessage(runner, m);
    } catch (err) {
      fail(err);
    }
  });
}

void start();
