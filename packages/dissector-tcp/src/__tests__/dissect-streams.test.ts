import { describe, expect, test } from 'vitest';
import { Subject, type Observable } from 'rxjs';
import {
  corePlugin,
  createRegistry,
  type AppEvent,
  type Connection,
  type Direction,
  type ProbeResult,
  type StreamDissectorFactory,
  type StreamEvent,
} from '@netrx/core';
import { dissectStreams, tcpPlugin, type DissectStreamsOptions } from '@netrx/dissector-tcp';
import { poisonViews } from '../../../../test-support/poison.js';

type Call = [string, ...unknown[]];

/** A stream dissector that records its calls; `want` is what `data` returns (bytes it needs). */
function recorder(name: string, o: { resumesAfterGap?: boolean; probe?: (b: Uint8Array, dir: Direction) => ProbeResult; probeBytes?: number; want?: (bytes: Uint8Array) => number | void; onData?: (ctx: Parameters<StreamDissectorFactory['create']>[0], dir: Direction, bytes: Uint8Array) => void } = {}) {
  const calls: Call[] = [];
  const factory: StreamDissectorFactory = {
    name,
    resumesAfterGap: o.resumesAfterGap ?? false,
    probe: o.probe,
    probeBytes: o.probeBytes,
    create(ctx, init) {
      calls.push(['create', ctx.connection.id, init]);
      return {
        data(dir, bytes) {
          calls.push(['data', ctx.connection.id, dir, new TextDecoder().decode(bytes)]);
          o.onData?.(ctx, dir, bytes);
          return o.want?.(bytes);
        },
        gap(dir, length) {
          calls.push(['gap', ctx.connection.id, dir, length]);
        },
        end() {
          calls.push(['end', ctx.connection.id]);
        },
      };
    },
  };
  return { factory, calls };
}

function conn(id: number, serverPort = 80, clientPort = 40000): Connection {
  return { id, family: 4, client: { address: '10.0.0.1', port: clientPort }, server: { address: '10.0.0.2', port: serverPort }, clientBy: 'syn' };
}

/** A scripted connection's stream events. */
function script(c: Connection, steps: ([Direction, string] | ['gap', Direction, number])[]): StreamEvent[] {
  const evs: StreamEvent[] = [{ type: 'open', connection: c, ts: 1n, frame: 1 }];
  const offs = { c2s: 0, s2c: 0 };
  let frame = 1;
  for (const s of steps) {
    frame++;
    if (s[0] === 'gap') {
      evs.push({ type: 'gap', connection: c, dir: s[1], offset: offs[s[1]], length: s[2], ts: BigInt(frame), frame });
      offs[s[1]] += s[2];
    } else {
      const bytes = new TextEncoder().encode(s[1]);
      evs.push({ type: 'data', connection: c, dir: s[0], bytes, offset: offs[s[0]], ts: BigInt(frame), frame });
      offs[s[0]] += bytes.length;
    }
  }
  const z = { bytes: 0, gaps: 0, gapBytes: 0, retransmitted: 0, overlapConflicts: 0, droppedBytes: 0 };
  evs.push({ type: 'close', connection: c, reason: 'fin', stats: { c2s: z, s2c: z }, ts: BigInt(frame + 1), frame: frame + 1 });
  return evs;
}

function run(registryPrep: (r: ReturnType<typeof createRegistry>) => void, events: StreamEvent[], options?: DissectStreamsOptions): AppEvent[] {
  const registry = createRegistry([corePlugin, tcpPlugin]);
  registryPrep(registry);
  const src = new Subject<StreamEvent>();
  const out: AppEvent[] = [];
  // A data event's bytes are valid only during the call (a view of a read chunk the source
  // reuses): poison them once it returns, so a dissector or the dispatcher that kept a view
  // instead of a copy shows it.
  (src as Observable<StreamEvent>)
    .pipe(
      poisonViews((e) => (e.type === 'data' ? e.bytes : undefined)),
      dissectStreams(registry, options),
    )
    .subscribe((e) => out.push(e));
  for (const e of events) src.next(e);
  src.complete();
  return out;
}

describe('dissectStreams: choosing a dissector', () => {
  test('port table: server port first, then client port', () => {
    const a = recorder('a');
    const b = recorder('b');
    run((r) => r.table('tcp.port').add(80, a.factory).add(40001, b.factory), [...script(conn(0), [['c2s', 'x']]), ...script(conn(1, 9999, 40001), [['s2c', 'y']])]);
    expect(a.calls).toEqual([['create', 0, undefined], ['data', 0, 'c2s', 'x'], ['end', 0]]);
    expect(b.calls).toEqual([['create', 1, undefined], ['data', 1, 's2c', 'y'], ['end', 1]]);
  });

  test('decode-as beats the port table; a pinned dissector beats both', () => {
    const byPort = recorder('byport');
    const forced = recorder('forced');
    const pinned = recorder('pinned');
    const prep = (r: ReturnType<typeof createRegistry>) => {
      r.table('tcp.port').add(80, byPort.factory).add(1, forced.factory);
      r.addDecodeAs('tcp.port==80,forced');
    };
    run(prep, script(conn(0), [['c2s', 'x']]));
    expect(forced.calls[0]).toEqual(['create', 0, undefined]);
    expect(byPort.calls).toEqual([]);
    run(prep, script(conn(1), [['c2s', 'x']]), { pin: (c) => (c.id === 1 ? pinned.factory : undefined) });
    expect(pinned.calls[0]).toEqual(['create', 1, undefined]);
  });

  test('heuristics: need-more buffers both directions, the first match is pinned and gets everything in order', () => {
    const never = recorder('never', { probe: () => 'reject' });
    const h = recorder('h', { probe: (b) => (new TextDecoder().decode(b).includes('MAGIC') ? 'match' : 'need-more'), probeBytes: 100 });
    run((r) => r.heuristics('tcp').add(never.factory).add(h.factory), script(conn(0), [['c2s', 'MA'], ['s2c', 'hello'], ['c2s', 'GIC!'], ['c2s', 'after']]));
    expect(never.calls).toEqual([]);
    expect(h.calls).toEqual([
      ['create', 0, undefined],
      ['data', 0, 'c2s', 'MA'],
      ['data', 0, 's2c', 'hello'],
      ['data', 0, 'c2s', 'GIC!'],
      ['data', 0, 'c2s', 'after'],
      ['end', 0],
    ]);
  });

  test('heuristics in priority order; one that throws is a reject; all rejecting means raw', () => {
    const thrower = recorder('thrower', {
      probe: () => {
        throw new Error('plugin bug');
      },
    });
    const low = recorder('low', { probe: () => 'match' });
    const high = recorder('high', { probe: () => 'match' });
    run((r) => r.heuristics('tcp').add(thrower.factory, { priority: 10 }).add(low.factory).add(high.factory, { priority: 5 }), script(conn(0), [['c2s', 'x']]));
    expect(high.calls[0]).toEqual(['create', 0, undefined]);
    expect(low.calls).toEqual([]);
    const no = recorder('no', { probe: () => 'reject' });
    const out = run((r) => r.heuristics('tcp').add(no.factory), script(conn(0), [['c2s', 'x'], ['s2c', 'y'], ['c2s', 'z']]));
    expect(no.calls).toEqual([]);
    expect(out).toEqual([]);
  });

  test('a heuristic is shown at most probeBytes; still need-more after that is a reject', () => {
    const seen: number[] = [];
    const h = recorder('h', {
      probe: (b) => {
        seen.push(b.length);
        return 'need-more';
      },
      probeBytes: 4,
    });
    run((r) => r.heuristics('tcp').add(h.factory), script(conn(0), [['c2s', 'ab'], ['c2s', 'cdef'], ['c2s', 'more'], ['s2c', 'abcdefgh']]));
    expect(seen).toEqual([2, 4, 4]);
    expect(h.calls).toEqual([]);
  });

  test('probing stops at maxProbeBuffer: the connection is raw', () => {
    const h = recorder('h', { probe: () => 'need-more', probeBytes: 1 << 20 });
    run((r) => r.heuristics('tcp').add(h.factory), script(conn(0), [['c2s', 'x'.repeat(60)], ['c2s', 'y'.repeat(60)], ['s2c', 'z']]), { maxProbeBuffer: 100 });
    expect(h.calls).toEqual([]);
  });
});

describe('dissectStreams: feeding a dissector', () => {
  test('"N more bytes needed": the dispatcher holds data back until N have come', () => {
    let first = true;
    const d = recorder('d', {
      want: () => {
        if (!first) return;
        first = false;
        return 6;
      },
    });
    run((r) => r.table('tcp.port').add(80, d.factory), script(conn(0), [['c2s', 'head'], ['c2s', 'ab'], ['c2s', 'cd'], ['c2s', 'ef'], ['c2s', 'g']]));
    expect(d.calls.filter((c) => c[0] === 'data').map((c) => c[3])).toEqual(['head', 'abcdef', 'g']);
  });

  test('bytes held back are delivered before a gap and at the end', () => {
    const d = recorder('d', { resumesAfterGap: true, want: () => 100 });
    run((r) => r.table('tcp.port').add(80, d.factory), script(conn(0), [['c2s', 'a'], ['c2s', 'b'], ['gap', 'c2s', 5], ['c2s', 'c'], ['c2s', 'd']]));
    // It always asks for 100 more: 'b' waits until the gap, 'c' and 'd' until the end.
    expect(d.calls.slice(1)).toEqual([['data', 0, 'c2s', 'a'], ['data', 0, 'c2s', 'b'], ['gap', 0, 'c2s', 5], ['data', 0, 'c2s', 'cd'], ['end', 0]]);
  });

  test('a dissector that cannot resume after a gap is stopped there, with a stream.error', () => {
    const d = recorder('strict', { resumesAfterGap: false });
    const out = run((r) => r.table('tcp.port').add(80, d.factory), script(conn(0), [['c2s', 'a'], ['gap', 's2c', 3], ['c2s', 'b']]));
    expect(d.calls).toEqual([['create', 0, undefined], ['data', 0, 'c2s', 'a']]);
    expect(out).toMatchObject([{ type: 'stream.error', dir: 's2c', dissector: 'strict', diagnostic: { code: 'ERR_TCP_STREAM_GAP', severity: 'warning' } }]);
  });

  test('a dissector that throws is stopped for its connection only', () => {
    const d = recorder('fragile', {
      onData: (ctx, _dir, bytes) => {
        if (ctx.connection.id === 0 && bytes[0] === 0x21) throw new Error('boom');
      },
    });
    const out = run((r) => r.table('tcp.port').add(80, d.factory), [...script(conn(0), [['c2s', 'ok'], ['c2s', '!'], ['c2s', 'later']]), ...script(conn(1), [['c2s', '!fine']])]);
    expect(d.calls.filter((c) => c[1] === 0 && c[0] === 'data').map((c) => c[3])).toEqual(['ok', '!']);
    expect(d.calls.filter((c) => c[1] === 1).map((c) => c[0])).toEqual(['create', 'data', 'end']);
    expect(out).toMatchObject([{ type: 'stream.error', connection: { id: 0 }, dissector: 'fragile', diagnostic: { code: 'ERR_TCP_DISSECTOR_THREW' } }]);
    expect((out[0] as { diagnostic: { message: string } }).diagnostic.message).toContain('boom');
  });

  test('switchTo hands the connection over: leftovers first, then what follows', () => {
    const next = recorder('next');
    const first = recorder('first', {
      onData: (ctx, dir, bytes) => {
        const s = new TextDecoder().decode(bytes);
        if (dir === 's2c' && s.startsWith('101')) ctx.switchTo(next.factory, { protocol: 'x' }, { s2c: bytes.subarray(3) });
        ctx.emit({ type: 'stream.error', connection: ctx.connection, dir, firstTs: 0n, lastTs: 0n, firstFrame: 0, lastFrame: 0, dissector: 'first', diagnostic: { code: 'INFO_SAW', severity: 'info', message: s } });
      },
    });
    const out = run((r) => r.table('tcp.port').add(80, first.factory), script(conn(0), [['c2s', 'upgrade?'], ['s2c', '101LEFT'], ['s2c', 'more'], ['c2s', 'hi']]));
    expect(first.calls.filter((c) => c[0] === 'data').map((c) => c[3])).toEqual(['upgrade?', '101LEFT']);
    expect(next.calls).toEqual([['create', 0, { protocol: 'x' }], ['data', 0, 's2c', 'LEFT'], ['data', 0, 's2c', 'more'], ['data', 0, 'c2s', 'hi'], ['end', 0]]);
    // What a dissector emits goes downstream, synchronously.
    expect(out.map((e) => (e as { diagnostic: { message: string } }).diagnostic.message)).toEqual(['upgrade?', '101LEFT']);
  });
});
