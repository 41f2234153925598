import { describe, expect, test } from 'vitest';
import { MemoryBudget, corePlugin, createRegistry, type AppEvent, type Connection, type Direction, type ProbeResult, type Registry, type StreamContext, type StreamDissectorFactory } from '@netrx/core';
import { createStreamDispatch as createDispatch, tcpPlugin, type StreamDispatchOptions } from '@netrx/dissector-tcp';
import type { StreamDissector } from '@netrx/core';
import { poisonArgument } from '../../../../test-support/poison.js';

/**
 * The dispatcher under test, with every chunk it is given poisoned (0xEE) once its call returns:
 * bytes are views valid only during the call, so what it holds back must be copies.
 */
function createStreamDispatch(ctx: StreamContext, options?: StreamDispatchOptions): StreamDissector {
  const d = createDispatch(ctx, options);
  return {
    data: poisonArgument((dir: Direction, b: Uint8Array, ts: bigint, frame: number) => d.data(dir, b, ts, frame), 1),
    gap: (dir, length, ts, frame) => d.gap(dir, length, ts, frame),
    end: (ts, frame) => d.end(ts, frame),
  };
}

// createStreamDispatch is the choice dissectStreams makes per connection, run over one byte stream
// that a dissector feeds by hand (as a TLS dissector feeds its plaintext).

type Call = [string, ...unknown[]];
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

function recorder(
  name: string,
  o: {
    resumesAfterGap?: boolean;
    probe?: (b: Uint8Array) => ProbeResult;
    probeBytes?: number;
    want?: (bytes: Uint8Array) => number | void;
    onData?: (ctx: StreamContext, dir: Direction, bytes: Uint8Array) => void;
    create?: () => void;
  } = {},
) {
  const calls: Call[] = [];
  const factory: StreamDissectorFactory = {
    name,
    resumesAfterGap: o.resumesAfterGap ?? false,
    probe: o.probe,
    probeBytes: o.probeBytes,
    create(ctx, init) {
      o.create?.();
      calls.push(['create', init]);
      return {
        data(dir, b, ts, frame) {
          calls.push(['data', dir, text(b), ts, frame]);
          o.onData?.(ctx, dir, b);
          return o.want?.(b);
        },
        gap(dir, length) {
          calls.push(['gap', dir, length]);
        },
        end(ts) {
          calls.push(['end', ts]);
        },
      };
    },
  };
  return { factory, calls };
}

const connection: Connection = { id: 7, family: 4, client: { address: '10.0.0.1', port: 40000 }, server: { address: '10.0.0.2', port: 443 }, clientBy: 'syn' };

/** The outer dissector's context: what the dispatcher emits lands in `out`. */
function outer(prep: (r: Registry) => void = () => {}): { ctx: StreamContext; out: AppEvent[] } {
  const registry = createRegistry([corePlugin, tcpPlugin]);
  prep(registry);
  const out: AppEvent[] = [];
  const ctx: StreamContext = {
    connection,
    registry,
    emit: (ev) => out.push(ev),
    switchTo: () => {
      throw new Error('the outer dissector must not be switched by its plaintext');
    },
  };
  return { ctx, out };
}

describe('createStreamDispatch: a stateful heuristic (createProbe)', () => {
  /** A heuristic that follows the whole stream and matches at the first `MAGIC`, rejecting after `budget` pushes. */
  function stateful(budget = 1000) {
    const rec = recorder('stateful', { resumesAfterGap: true });
    const seen: string[] = [];
    const factory: StreamDissectorFactory = {
      ...rec.factory,
      createProbe: () => {
        let pushes = 0;
        return {
          push: (dir, b) => {
            seen.push(`${dir}:${text(b)}`);
            if (text(b).includes('MAGIC')) return 'match';
            return ++pushes >= budget ? 'reject' : { need: 1 };
          },
          gap: (dir, n) => seen.push(`${dir}:gap ${n}`),
        };
      },
    };
    return { factory, calls: rec.calls, seen };
  }

  test('is shown every byte beyond any prefix, and on a match what slid out of the held window is replayed as a gap', () => {
    const h = stateful();
    const { ctx } = outer((r) => r.heuristics('tcp').add(h.factory));
    const d = createStreamDispatch(ctx, { maxProbeBuffer: 10 });
    d.data('c2s', bytes('aaaa'), 1n, 1);
    d.data('s2c', bytes('bbbb'), 2n, 2);
    d.data('c2s', bytes('cccc'), 3n, 3);
    d.gap('c2s', 5, 4n, 4);
    d.data('c2s', bytes('MAGIC'), 5n, 5);
    expect(h.seen).toEqual(['c2s:aaaa', 's2c:bbbb', 'c2s:cccc', 'c2s:gap 5', 'c2s:MAGIC']);
    // Held: at most 10 bytes; the dropped 'aaaa' and 'bbbb' come first as gaps, then the rest in order.
    expect(h.calls).toEqual([['create', undefined], ['gap', 'c2s', 4], ['gap', 's2c', 4], ['data', 'c2s', 'cccc', 3n, 3], ['gap', 'c2s', 5], ['data', 'c2s', 'MAGIC', 5n, 5]]);
  });

  test('many one-byte chunks slide through the held window: on a match, what slid out is one gap, the window replays in order', () => {
    const h = stateful(100_000);
    const { ctx } = outer((r) => r.heuristics('tcp').add(h.factory));
    const d = createStreamDispatch(ctx, { maxProbeBuffer: 10 });
    const n = 20_000;
    for (let i = 0; i < n; i++) d.data('c2s', bytes(String.fromCharCode(97 + (i % 26))), BigInt(i), i);
    d.data('c2s', bytes('MAGIC'), BigInt(n), n);
    const last = Array.from({ length: 5 }, (_, k) => n - 5 + k);
    expect(h.calls).toEqual([
      ['create', undefined],
      ['gap', 'c2s', n - 5],
      ...last.map((i) => ['data', 'c2s', String.fromCharCode(97 + (i % 26)), BigInt(i), i]),
      ['data', 'c2s', 'MAGIC', BigInt(n), n],
    ]);
  });

  test('a probe that spends its budget rejects: the stream is raw, nothing held', () => {
    const h = stateful(3);
    const { ctx } = outer((r) => r.heuristics('tcp').add(h.factory));
    const d = createStreamDispatch(ctx, { maxProbeBuffer: 4 });
    for (let i = 0; i < 5; i++) d.data('c2s', bytes('xxxx'), BigInt(i), i);
    d.data('c2s', bytes('MAGIC'), 9n, 9);
    d.end(10n, 10);
    expect(h.seen).toHaveLength(3);
    expect(h.calls).toEqual([]);
  });
});

describe('createStreamDispatch', () => {
  test('the preferred dissector gets the bytes, created at the first call; its events go to the outer context', () => {
    const byPort = recorder('byport');
    const alpn = recorder('alpn', { onData: (ctx, dir, b) => ctx.emit({ type: 'stream.error', connection: ctx.connection, dir, firstTs: 0n, lastTs: 0n, firstFrame: 0, lastFrame: 0, dissector: 'alpn', diagnostic: { code: 'INFO_SAW', severity: 'info', message: text(b) } }) });
    const { ctx, out } = outer((r) => r.table('tcp.port').add(443, byPort.factory));
    const d = createStreamDispatch(ctx, { preferred: alpn.factory });
    expect(alpn.calls).toEqual([]);
    d.data('c2s', bytes('GET /'), 5n, 3);
    d.data('s2c', bytes('HTTP/1.1 200'), 6n, 4);
    d.end(9n, 8);
    expect(alpn.calls).toEqual([['create', undefined], ['data', 'c2s', 'GET /', 5n, 3], ['data', 's2c', 'HTTP/1.1 200', 6n, 4], ['end', 9n]]);
    expect(byPort.calls).toEqual([]);
    expect(out.map((e) => (e as { diagnostic: { message: string } }).diagnostic.message)).toEqual(['GET /', 'HTTP/1.1 200']);
  });

  test('without a preferred one: decode-as, then the port table; exclude skips the unwrapping dissector itself', () => {
    const tls = recorder('tls');
    const forced = recorder('forced');
    const { ctx } = outer((r) => {
      r.table('tcp.port').add(443, tls.factory).add(40000, forced.factory);
    });
    createStreamDispatch(ctx).data('c2s', bytes('a'), 1n, 1);
    expect(tls.calls[0]).toEqual(['create', undefined]);
    // Excluded at the server port, the client port's entry is next, as in dissectStreams.
    createStreamDispatch(ctx, { exclude: tls.factory }).data('c2s', bytes('b'), 1n, 1);
    expect(forced.calls).toEqual([['create', undefined], ['data', 'c2s', 'b', 1n, 1]]);

    const viaRule = recorder('viarule');
    const { ctx: ruled } = outer((r) => {
      r.table('tcp.port').add(443, tls.factory).add(1, viaRule.factory);
      r.addDecodeAs('tcp.port==443,viarule');
    });
    createStreamDispatch(ruled, { exclude: tls.factory }).data('c2s', bytes('c'), 1n, 1);
    expect(viaRule.calls[1]).toEqual(['data', 'c2s', 'c', 1n, 1]);
  });

  test('heuristics: bytes are held (need-more) and replayed to the match in order; an excluded heuristic is never asked', () => {
    let askedExcluded = false;
    const self = recorder('self', {
      probe: () => {
        askedExcluded = true;
        return 'match';
      },
    });
    const h = recorder('h', { probe: (b) => (text(b).includes('MAGIC') ? 'match' : 'need-more'), probeBytes: 100 });
    const { ctx } = outer((r) => r.heuristics('tcp').add(self.factory, { priority: 10 }).add(h.factory));
    const d = createStreamDispatch(ctx, { exclude: self.factory });
    d.data('c2s', bytes('MA'), 1n, 1);
    d.data('s2c', bytes('hello'), 2n, 2);
    expect(h.calls).toEqual([]);
    d.data('c2s', bytes('GIC!'), 3n, 3);
    d.data('c2s', bytes('after'), 4n, 4);
    expect(askedExcluded).toBe(false);
    expect(h.calls.map((c) => c.slice(0, 3))).toEqual([['create', undefined], ['data', 'c2s', 'MA'], ['data', 's2c', 'hello'], ['data', 'c2s', 'GIC!'], ['data', 'c2s', 'after']]);
  });

  test('bytes held while probing that make the match throw when replayed: the error runs from those bytes to the ones that decided', () => {
    const fragile = recorder('fragile', {
      probe: (b) => (text(b).includes('!') ? 'match' : 'need-more'),
      onData: (_ctx, _dir, b) => {
        if (text(b) === 'a') throw new Error('bad start');
      },
    });
    const { ctx, out } = outer((r) => r.heuristics('tcp').add(fragile.factory));
    const d = createStreamDispatch(ctx);
    d.data('c2s', bytes('a'), 1n, 1);
    d.data('c2s', bytes('b!'), 5n, 5);
    d.data('c2s', bytes('c'), 6n, 6);
    expect(fragile.calls.map((c) => c.slice(0, 3))).toEqual([['create', undefined], ['data', 'c2s', 'a']]);
    expect(out).toMatchObject([{ type: 'stream.error', dir: 'c2s', firstTs: 1n, lastTs: 5n, firstFrame: 1, lastFrame: 5, diagnostic: { code: 'ERR_TCP_DISSECTOR_THREW' } }]);
  });

  test('no dissector and no heuristics: raw, nothing is called or emitted', () => {
    const { ctx, out } = outer();
    const d = createStreamDispatch(ctx);
    d.data('c2s', bytes('x'), 1n, 1);
    d.gap('c2s', 3, 2n, 2);
    d.end(3n, 3);
    expect(out).toEqual([]);
  });

  test('"N more bytes needed": held back until N have come, and flushed at the end', () => {
    let first = true;
    const p = recorder('p', {
      want: () => {
        if (!first) return 100;
        first = false;
        return 6;
      },
    });
    const { ctx } = outer();
    const d = createStreamDispatch(ctx, { preferred: p.factory });
    for (const [i, s] of ['head', 'ab', 'cd', 'ef', 'g', 'h'].entries()) d.data('c2s', bytes(s), BigInt(i), i);
    expect(p.calls.filter((c) => c[0] === 'data').map((c) => c[2])).toEqual(['head', 'abcdef']);
    d.end(10n, 10);
    expect(p.calls.slice(-2)).toEqual([['data', 'c2s', 'gh', 10n, 10], ['end', 10n]]);
  });

  test('switchTo inside: the new dissector gets the leftover first, then what follows; the outer context is not switched', () => {
    const next = recorder('next');
    const first = recorder('first', {
      onData: (ctx, dir, b) => {
        if (dir === 's2c' && text(b).startsWith('101')) ctx.switchTo(next.factory, { token: 'x' }, { s2c: b.subarray(3) });
      },
    });
    const { ctx } = outer();
    const d = createStreamDispatch(ctx, { preferred: first.factory });
    d.data('c2s', bytes('upgrade?'), 1n, 1);
    d.data('s2c', bytes('101LEFT'), 2n, 2);
    d.data('s2c', bytes('more'), 3n, 3);
    d.end(4n, 4);
    expect(first.calls.filter((c) => c[0] === 'data').map((c) => c[2])).toEqual(['upgrade?', '101LEFT']);
    expect(next.calls.map((c) => c.slice(0, 3))).toEqual([['create', { token: 'x' }], ['data', 's2c', 'LEFT'], ['data', 's2c', 'more'], ['end', 4n]]);
  });

  test('a gap: passed to a dissector that resumes; one that cannot is stopped with ERR_TCP_STREAM_GAP and hears nothing more', () => {
    const tolerant = recorder('tolerant', { resumesAfterGap: true });
    const a = outer();
    const d1 = createStreamDispatch(a.ctx, { preferred: tolerant.factory });
    d1.data('c2s', bytes('a'), 1n, 1);
    d1.gap('c2s', 5, 2n, 2);
    d1.data('c2s', bytes('b'), 3n, 3);
    expect(tolerant.calls.map((c) => c.slice(0, 3))).toEqual([['create', undefined], ['data', 'c2s', 'a'], ['gap', 'c2s', 5], ['data', 'c2s', 'b']]);
    expect(a.out).toEqual([]);

    const strict = recorder('strict');
    const b = outer();
    const d2 = createStreamDispatch(b.ctx, { preferred: strict.factory });
    d2.data('c2s', bytes('a'), 1n, 1);
    d2.gap('s2c', 3, 2n, 2);
    d2.data('c2s', bytes('b'), 3n, 3);
    d2.end(4n, 4);
    expect(strict.calls.map((c) => c.slice(0, 3))).toEqual([['create', undefined], ['data', 'c2s', 'a']]);
    expect(b.out).toEqual([
      {
        type: 'stream.error',
        connection,
        dir: 's2c',
        firstTs: 2n,
        lastTs: 2n,
        firstFrame: 2,
        lastFrame: 2,
        dissector: 'strict',
        diagnostic: { code: 'ERR_TCP_STREAM_GAP', severity: 'warning', message: '3 bytes missing at this point; strict cannot resume after a gap' },
      },
    ]);
  });

  test('a dissector that throws (even in create) is stopped with ERR_TCP_DISSECTOR_THREW at the call that made it', () => {
    const broken = recorder('broken', {
      create: () => {
        throw new Error('no keys');
      },
    });
    const { ctx, out } = outer();
    const d = createStreamDispatch(ctx, { preferred: broken.factory });
    d.data('s2c', bytes('x'), 42n, 9);
    d.data('s2c', bytes('y'), 43n, 10);
    expect(out).toMatchObject([{ type: 'stream.error', dir: 'c2s', firstTs: 42n, firstFrame: 9, dissector: 'broken', diagnostic: { code: 'ERR_TCP_DISSECTOR_THREW' } }]);
    expect((out[0] as { diagnostic: { message: string } }).diagnostic.message).toContain('no keys');
  });

  test('a limit that is not a positive number is a configuration error', () => {
    const { ctx } = outer();
    expect(() => createStreamDispatch(ctx, { maxNeedBuffer: 0 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('createStreamDispatch: maxNeedBuffer') }));
  });
});

describe('createStreamDispatch with a memory budget', () => {
  test('the chosen dissector gets the budget on its context (the outer one by default)', () => {
    const budget = new MemoryBudget(1000);
    let seen: unknown;
    const rec = recorder('byport', { onData: (ctx) => (seen = ctx.budget) });
    const { ctx } = outer((r) => r.table('tcp.port').add(443, rec.factory));
    createStreamDispatch({ ...ctx, budget }).data('c2s', bytes('x'), 1n, 1);
    expect(seen).toBe(budget);
  });

  test('bytes held while the heuristics decide draw on it, and are given back on the match', () => {
    const budget = new MemoryBudget(1 << 20);
    const h = recorder('late', { probe: (b) => (text(b).includes('!') ? 'match' : 'need-more') });
    const { ctx } = outer((r) => r.heuristics('tcp').add(h.factory));
    const d = createStreamDispatch(ctx, { budget });
    d.data('c2s', bytes('abc'), 1n, 1);
    expect(budget.used).toBeGreaterThan(3);
    d.data('c2s', bytes('!'), 2n, 2);
    expect(budget.used).toBe(0);
    expect(h.calls.map((c) => c[0])).toEqual(['create', 'data', 'data']);
  });

  test('a refused draw while probing stops the connection with ERR_TCP_PROBE_BUDGET, never silently', () => {
    const budget = new MemoryBudget(64);
    const h = recorder('never', { probe: () => 'need-more' });
    const { ctx, out } = outer((r) => r.heuristics('tcp').add(h.factory));
    const d = createStreamDispatch(ctx, { budget });
    d.data('c2s', bytes('abc'), 1n, 1);
    d.data('c2s', bytes('def'), 2n, 2);
    d.end(3n, 3);
    expect(out.map((e) => (e as { diagnostic: { code: string } }).diagnostic.code)).toEqual(['ERR_TCP_PROBE_BUDGET']);
    expect(budget.refused).toBe(1);
    expect(budget.used).toBe(0);
    expect(h.calls).toEqual([]);
  });

  test('bytes held back for a dissector that asked for more: without room it gets them now, none lost', () => {
    const budget = new MemoryBudget(400);
    const rec = recorder('byport', { want: () => 1000 });
    const { ctx } = outer((r) => r.table('tcp.port').add(443, rec.factory));
    const d = createStreamDispatch(ctx, { budget });
    for (const s of ['a', 'bb', 'ccc', 'dddd', 'eeeee']) d.data('c2s', bytes(s), 1n, 1);
    d.end(2n, 2);
    const got = rec.calls.filter((c) => c[0] === 'data').map((c) => c[2]);
    expect(got.join('')).toBe('abbcccddddeeeee');
    // The first call asks for more; the next chunks are held until the budget refuses one.
    expect(got.length).toBeGreaterThan(1);
    expect(got.length).toBeLessThan(5);
    expect(budget.used).toBe(0);
  });
});
