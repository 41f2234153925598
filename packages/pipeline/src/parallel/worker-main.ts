// The entry point of a parallel run's worker thread (see `captureLines`): makes the job, then
// dissects its share of each frame table the main thread posts (`TableDissector`) and sends back
// the lines it wrote.
import { parentPort, workerData } from 'node:worker_threads';
import { JobRunner } from './job-runner.js';
import { loadLineJob } from './line-job.js';
import type { FromWorker, ToWorker, WorkerInit } from './messages.js';
import { SharedOutputPool } from './output-pool.js';
import { TableDissector } from './table-dissector.js';
import { ThreadMeter } from './thread-stats.js';

const init = workerData as WorkerInit;
const port = parentPort!;
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

async function start(): Promise<void> {
  let dissector: TableDissector;
  const meter = new ThreadMeter(init.index, false, init.share);
  try {
    const runner = new JobRunner(await loadLineJob(init.job), new SharedOutputPool(new Int32Array(init.output)));
    dissector = new TableDissector(runner, init.index, init.writesShared, new Int32Array(init.control), ({ bytes, lines, memory }, creations, upTo, final, stats) => {
      // A shared buffer goes once; after that its id says which it is (see `FromWorker`).
      const known = memory >= 0 && announced.has(memory);
      if (memory >= 0) announced.add(memory);
      meter.sample();
      const thread = final ? meter.stats(true) : undefined;
      send({ t: 'lines', upTo, memory, length: bytes.length, buffer: known ? undefined : (bytes.buffer as SharedArrayBuffer), lines, creations, final, stats, thread });
      if (final) port.close();
    });
  } catch (err) {
    return fail(err);
  }
  port.on('message', (m: ToWorker) => {
    try {
      dissector.onMessage(m);
    } catch (err) {
      fail(err);
    }
  });
}

void start();
