// The hostile TCP inputs of issue 17 at sizes that take seconds, through reassembleTcp with a
// small MemoryBudget: memory stays within what the budget allows (counted as the connections open
// at once, which only the budget bounds here), what it evicts or cuts is counted, every byte that
// came is delivered, and the well-behaved connection after the hostile part is reassembled right.
import { describe, expect, test } from 'vitest';
import { from, lastValueFrom, toArray } from 'rxjs';
import { MemoryBudget, corePlugin, createRegistry, dissect, type StreamEvent } from '@netrx/core';
import { pcapFrames } from '../../../../test-support/pcap-frames.js';
import { createReassemblerTotals, dissectStreams, reassembleTcp, tcpPlugin, type ReassemblerTotals } from '@netrx/dissector-tcp';
import { CONNECTION_COST } from '../reassembler-options.js';
import {
  OOO_SEGMENT_BYTES,
  TAIL_C2S,
  TAIL_CLIENT,
  TAIL_S2C,
  connectionsBehindHole,
  connectionsWithOneOooSegment,
  oneConnectionOooSegments,
  synOnlyConnections,
  synPlus8Connections,
} from '../../../../test-support/hostile/tcp-inputs.js';

interface PerConnection {
  client: string;
  data: Record<'c2s' | 's2c', number[]>;
  gapBytes: number;
  gaps: number;
  closed: boolean;
}

interface Outcome {
  budget: MemoryBudget;
  totals: ReassemblerTotals;
  conns: Map<number, PerConnection>;
  /** Most connections open at once (opened and not yet closed). */
  maxOpen: number;
}

async function run(pcap: Uint8Array, limit: number): Promise<Outcome> {
  const registry = createRegistry([corePlugin, tcpPlugin]);
  const budget = new MemoryBudget(limit);
  const totals = createReassemblerTotals();
  const conns = new Map<number, PerConnection>();
  let open = 0;
  let maxOpen = 0;
  const events = from(pcapFrames(pcap)).pipe(dissect(registry), reassembleTcp(registry, { budget, totals }));
  await lastValueFrom(events.pipe(toArray()), { defaultValue: [] as StreamEvent[] }).then((evs) => {
    for (const ev of evs) {
      if (ev.type === 'open') {
        conns.set(ev.connection.id, { client: `${ev.connection.client.address}:${ev.connection.client.port}`, data: { c2s: [], s2c: [] }, gapBytes: 0, gaps: 0, closed: false });
        maxOpen = Math.max(maxOpen, ++open);
        continue;
      }
      const c = conns.get(ev.connection.id)!;
      if (ev.type === 'data') for (const b of ev.bytes) c.data[ev.dir].push(b);
      else if (ev.type === 'gap') {
        c.gapBytes += ev.length;
        c.gaps++;
      } else {
        c.closed = true;
        open--;
      }
    }
  });
  return { budget, totals, conns, maxOpen };
}

/** The well-behaved connection at the end of every capture came through whole. */
function expectTail(o: Outcome): void {
  const tail = [...o.conns.values()].find((c) => c.client === `${TAIL_CLIENT.address}:${TAIL_CLIENT.port}`);
  expect(tail).toBeDefined();
  expect(Uint8Array.from(tail!.data.c2s)).toEqual(TAIL_C2S);
  expect(Uint8Array.from(tail!.data.s2c)).toEqual(TAIL_S2C);
  expect(tail!.gaps).toBe(0);
  expect(tail!.closed).toBe(true);
}

/** Everything drawn was given back, nothing past the limit was ever drawn, and the budget was under pressure. */
function expectBudget(o: Outcome, limit: number): void {
  expect(o.budget.peak).toBeLessThanOrEqual(limit);
  expect(o.budget.peak).toBeGreaterThan(limit / 2);
  expect(o.budget.used).toBe(0);
}

describe('hostile TCP inputs under a small memory budget', () => {
  test('(a) SYN-only connections: the oldest are closed to make room, each counted', async () => {
    const n = 5000;
    const limit = 200 * CONNECTION_COST;
    const o = await run(synOnlyConnections(n), limit);
    expectBudget(o, limit);
    expect(o.maxOpen).toBeLessThanOrEqual(200);
    expect(o.totals.connections).toBe(n + 1);
    expect(o.totals.budgetEvicted).toBeGreaterThanOrEqual(n - 200);
    expect(o.totals.budgetRefused).toBe(0);
    expect([...o.conns.values()].every((c) => c.closed)).toBe(true);
    expectTail(o);
  });

  test('(b) SYN + 8 bytes: each connection still delivers its 8 bytes before it is evicted', async () => {
    const n = 3000;
    const limit = 100 * CONNECTION_COST;
    const o = await run(synPlus8Connections(n), limit);
    expectBudget(o, limit);
    expect(o.maxOpen).toBeLessThanOrEqual(100);
    expect(o.totals.budgetEvicted).toBeGreaterThan(n - 100);
    const hostile = [...o.conns.values()].slice(0, n);
    expect(hostile.every((c) => c.data.c2s.length === 8 && c.gaps === 0)).toBe(true);
    expectTail(o);
  });

  test('(c) one connection with one-byte segments each behind a hole: refused segments cut their holes as gaps, every byte comes through', async () => {
    const n = 20_000;
    const limit = 1 << 20; // holds about 4,000 one-byte segments with their overhead
    const o = await run(oneConnectionOooSegments(n), limit);
    expectBudget(o, limit);
    const c = o.conns.get(0)!;
    expect(c.data.c2s.length).toBe(n);
    expect(c.gapBytes).toBe(n);
    expect(o.totals.budgetGaps).toBeGreaterThan(0);
    // The connection being handled is never the one evicted.
    expect(o.totals.budgetEvicted).toBe(0);
    expectTail(o);
  });

  test('(d) connections each holding one out-of-order segment: evicted ones flush it after a gap', async () => {
    const n = 3000;
    const limit = 1 << 20;
    const o = await run(connectionsWithOneOooSegment(n), limit);
    expectBudget(o, limit);
    expect(o.maxOpen).toBeLessThan(limit / OOO_SEGMENT_BYTES);
    expect(o.totals.budgetEvicted).toBeGreaterThan(n / 2);
    const hostile = [...o.conns.values()].slice(0, n);
    expect(hostile.every((c) => c.data.c2s.length === OOO_SEGMENT_BYTES && c.gapBytes === 1)).toBe(true);
    expectTail(o);
  });

  test('(e) connections far behind a hole: what the budget cannot hold is cut as gaps or evicted, no byte lost', async () => {
    const k = 20;
    const bytes = 256 * 1024;
    const limit = 2 << 20; // 5 MiB would wait
    const o = await run(connectionsBehindHole(k, bytes), limit);
    expectBudget(o, limit);
    expect(o.totals.budgetEvicted + o.totals.budgetGaps).toBeGreaterThan(0);
    // An evicted connection's later segments open a new one (picked up midstream): per client,
    // the connections' bytes in order are the whole stream after the hole.
    const byClient = new Map<string, { data: number[]; gapBytes: number }>();
    for (const c of o.conns.values()) {
      const agg = byClient.get(c.client) ?? { data: [], gapBytes: 0 };
      for (const b of c.data.c2s) agg.data.push(b);
      agg.gapBytes += c.gapBytes;
      byClient.set(c.client, agg);
    }
    expect(byClient.size).toBe(k + 1);
    const stream = Buffer.from(Array.from({ length: bytes }, (_, i) => (i * 31 + 7) & 0xff));
    for (const [client, agg] of byClient) {
      if (client === `${TAIL_CLIENT.address}:${TAIL_CLIENT.port}`) continue;
      expect(agg.gapBytes).toBe(1);
      expect(Buffer.from(agg.data).equals(stream)).toBe(true);
    }
    expectTail(o);
  });
});

test('dissectStreams puts its budget on every StreamContext it makes', async () => {
  const budget = new MemoryBudget(1 << 20);
  const seen: unknown[] = [];
  const registry = createRegistry([
    corePlugin,
    tcpPlugin,
    {
      name: 'budget-spy',
      coreVersion: '>=0.0.0',
      handoff(r) {
        r.table('tcp.port').add(7272, {
          name: 'budget-spy',
          resumesAfterGap: true,
          create(ctx) {
            seen.push(ctx.budget);
            return { data() {}, gap() {}, end() {} };
          },
        });
      },
    },
  ]);
  await lastValueFrom(from(pcapFrames(synPlus8Connections(3))).pipe(dissect(registry), reassembleTcp(registry), dissectStreams(registry, { budget }), toArray()));
  expect(seen.length).toBe(4);
  expect(seen.every((b) => b === budget)).toBe(true);
});
