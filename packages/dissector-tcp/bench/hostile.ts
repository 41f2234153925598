// The reassembler on the hostile TCP inputs of issue 17 (not a test; numbers are noisy on a
// shared machine, so say the load with them):
//   npx tsc -b packages/cli && npx tsc -p packages/dissector-tcp/bench \
//     && node --expose-gc packages/dissector-tcp/bench/dist/packages/dissector-tcp/bench/hostile.js [ooo|conns|all]
// `ooo`: CPU of dissect → reassembleTcp over one connection with N one-byte out-of-order segments,
// each behind a hole (25k…200k, SIZES=a,b,… for others; the target is 200k under 2 s), in three
// orders: as generated (appends), last-first, and shuffled. `conns`: heap per connection held
// (after a full GC, with every connection still open) for SYN-only and SYN + 8 byte connections,
// through `tcp` (reassembly only) and `ws` (reassembly and stream dispatch with the default
// plugins), and peak RSS; MEMORY=bytes runs them under a MemoryBudget of that size.
import { Subject } from 'rxjs';
import { MemoryBudget, dissect, createRegistry, type CapturedFrame, type NetrxPlugin } from '@netrx/core';
import { pcapFrames } from '../../../test-support/pcap-frames.js';
import type { ReassemblerTotals } from '@netrx/dissector-tcp';
import { defaultPlugins } from '@netrx/pipeline';
import { corePlugin } from '@netrx/core';
import { oneConnectionOooSegments, synOnlyConnections, synPlus8Connections, connectionsWithOneOooSegment } from '../../../test-support/hostile/tcp-inputs.js';

// TCP_DIST=path/to/dist/index.js measures another build of this package (the one before a change).
const tcp = (await import(process.env.TCP_DIST ?? '@netrx/dissector-tcp')) as typeof import('@netrx/dissector-tcp');
const { dissectStreams, reassembleTcp, createReassemblerTotals, tcpPlugin } = tcp;
const gc = (globalThis as { gc?: () => void }).gc;

interface Run {
  feed(frames: readonly CapturedFrame[], from?: number, to?: number): void;
  end(): void;
  events: number;
  totals: ReassemblerTotals;
}

function pipeline(plugins: readonly NetrxPlugin[], streams: boolean, budget: MemoryBudget | undefined): Run {
  const registry = createRegistry([...plugins]);
  const subject = new Subject<CapturedFrame>();
  const totals = createReassemblerTotals();
  const opts = budget === undefined ? { totals } : ({ totals, budget } as { totals: ReassemblerTotals });
  const run: Run = {
    events: 0,
    totals,
    feed(fs, from = 0, to = fs.length) {
      for (let i = from; i < to; i++) subject.next(fs[i]!);
    },
    end() {
      subject.complete();
    },
  };
  let s = subject.pipe(dissect(registry), reassembleTcp(registry, opts));
  if (streams) {
    const dOpts = budget === undefined ? {} : ({ budget } as object);
    s.pipe(dissectStreams(registry, dOpts)).subscribe(() => void run.events++);
  } else s.subscribe(() => void run.events++);
  return run;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** The JS heap and the ArrayBuffers outside it (copies of held bytes live there), after a full GC. */
function heap(): number {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const budgetBytes = process.env.MEMORY ? Number(process.env.MEMORY) : undefined;
const what = process.argv[2] ?? 'all';

if (what === 'ooo' || what === 'all') {
  for (const n of (process.env.SIZES ?? "25000,50000,100000,200000").split(",").map(Number)) {
    const made = pcapFrames(oneConnectionOooSegments(n));
    // As generated (each segment after the last: the append case), and last-first (each segment
    // before all the others: an insert at the head of the list every time).
    const reversed = [made[0]!, ...made.slice(1, n + 1).reverse(), ...made.slice(n + 1)];
    // And in a random order (seeded): inserts anywhere in the list.
    const middle = made.slice(1, n + 1);
    let seed = 7;
    for (let i = middle.length - 1; i > 0; i--) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const j = seed % (i + 1);
      [middle[i], middle[j]] = [middle[j]!, middle[i]!];
    }
    const shuffled = [made[0]!, ...middle, ...made.slice(n + 1)];
    for (const [order, fs] of [
      ['ascending', made],
      ['reversed', reversed],
      ['shuffled', shuffled],
    ] as const) {
      const run = pipeline([corePlugin, tcpPlugin], false, budgetBytes === undefined ? undefined : new MemoryBudget(budgetBytes));
      const t0 = cpuMs();
      run.feed(fs);
      run.end();
      const t = cpuMs() - t0;
      const t2 = run.totals as ReassemblerTotals & { budgetGaps?: number };
      console.log(`ooo segments ${String(n).padStart(7)} ${order.padEnd(9)}: ${(t / 1000).toFixed(2)} s CPU, ${run.events} events, capGaps ${t2.capGaps}, budgetGaps ${t2.budgetGaps ?? '-'}`);
    }
  }
}

if (what === 'conns' || what === 'all') {
  const n = Number(process.env.CONNS ?? 100_000);
  for (const [name, make] of [
    ['syn-only', synOnlyConnections],
    ['syn+8', synPlus8Connections],
    ['one-ooo', connectionsWithOneOooSegment],
  ] as const) {
    for (const [cmd, plugins, streams] of [
      ['tcp', [corePlugin, tcpPlugin], false],
      // WITHOUT=name leaves a default plugin out (to tell what its heuristic costs per connection).
      ['ws', defaultPlugins.filter((p) => p.name !== process.env.WITHOUT), true],
    ] as const) {
      const fs = pcapFrames(make(n));
      const budget = budgetBytes === undefined ? undefined : new MemoryBudget(budgetBytes);
      const run = pipeline(plugins, streams, budget);
      // The tail connection (last 10 frames) stays out: every hostile connection is still open.
      run.feed(fs.slice(0, 1));
      const before = heap();
      const t0 = cpuMs();
      run.feed(fs, 1, fs.length - 10);
      const t = cpuMs() - t0;
      const after = heap();
      run.feed(fs, fs.length - 10);
      run.end();
      const per = (after - before) / n;
      const b = budget === undefined ? '' : `, budget peak ${(budget.peak / 2 ** 20).toFixed(1)} MiB, evicted ${(run.totals as { budgetEvicted?: number }).budgetEvicted ?? 0}`;
      console.log(
        `${name.padEnd(8)} ${cmd.padEnd(3)} ${n} conns: ${per.toFixed(0).padStart(5)} B/conn (heap + buffers), ${((after - before) / 2 ** 20).toFixed(1)} MiB, ${(t / 1000).toFixed(2)} s CPU, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB${b}`,
      );
    }
  }
}
