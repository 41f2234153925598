import { describe, expect, test } from 'vitest';
import { POISON } from '../../../../test-support/poison.js';
import { TcpFlags, Wire, closeOf, gapsOf, poisonedReassembler, reassemble, text } from './wire.js';
import { TcpReassembler } from '@netrx/dissector-tcp';
import { connectionBucket } from '../connection-table.js';
import { copyBytes, type ClientDecider, type StreamEvent } from '@netrx/core';

const FIN_ACK = TcpFlags.FIN | TcpFlags.ACK;

describe('TcpReassembler', () => {
  test('handshake, in-order data as views of the frames, FIN close', () => {
    const w = new Wire();
    const pkts = [...w.handshake(), w.seg('c', 0, 'GET / HTTP/1.1\r\n\r\n', { ack: 0 }), w.seg('s', 0, 'HTTP/1.1 200 OK\r\n\r\n', { ack: 18 })];
    pkts.push(w.seg('c', 18, '', { flags: FIN_ACK, ack: 19 }), w.seg('s', 19, '', { flags: FIN_ACK, ack: 19 }));
    const events: StreamEvent[] = [];
    const r = new TcpReassembler({}, (ev) => {
      if (ev.type === 'data') {
        // No copy: the bytes are a view of the frame that carried them.
        const frame = pkts[ev.frame - 1]!.frame.data;
        expect(ev.bytes.buffer).toBe(frame.buffer);
      }
      events.push(ev);
    });
    for (const p of pkts) {
      r.push(p);
      p.frame.data.fill(POISON); // the views were valid only during push; events kept none
    }
    expect(events.map((e) => e.type)).toEqual(['open', 'data', 'data', 'close']);
    const open = events[0]!;
    expect(open.connection).toMatchObject({ id: 0, family: 4, clientBy: 'syn', client: { address: '10.0.0.1', port: 40000 }, server: { address: '10.0.0.2', port: 80 } });
    const close = closeOf(events);
    expect(close.reason).toBe('fin');
    expect(close.stats.c2s).toMatchObject({ bytes: 18, gaps: 0, retransmitted: 0, close: 'fin' });
    expect(close.stats.s2c.bytes).toBe(19);
    expect(r.activeConnections).toBe(0);
    // The last ACK after both FINs belongs to the closed connection, not a new one.
    r.push(w.seg('c', 19, '', { ack: 20 }));
    r.push(w.seg('s', 0, 'HTTP/1.1 200 OK\r\n\r\n', { ack: 19 })); // a retransmission, too late
    r.end();
    expect(events.filter((e) => e.type === 'open')).toHaveLength(1);
    expect(r.totals.afterClose).toBe(1);
  });

  test('reordered segments are delivered in order, with offsets', () => {
    const w = new Wire();
    const { events } = reassemble([...w.handshake(), w.seg('c', 5, 'world'), w.seg('c', 10, '!'), w.seg('c', 0, 'hello')]);
    expect(text(events).c2s).toBe('helloworld!');
    const offsets = events.flatMap((e) => (e.type === 'data' ? [e.offset] : []));
    expect(offsets).toEqual([0, 5, 10]);
    expect(gapsOf(events)).toEqual([]);
  });

  test('duplicates are dropped and counted; identical copies are not conflicts', () => {
    const w = new Wire();
    const { events } = reassemble([...w.handshake(), w.seg('c', 0, 'abc'), w.seg('c', 0, 'abc'), w.seg('c', 6, 'ghi'), w.seg('c', 6, 'ghi'), w.seg('c', 3, 'def')]);
    expect(text(events).c2s).toBe('abcdefghi');
    expect(closeOf(events).stats.c2s).toMatchObject({ retransmitted: 2, overlapConflicts: 0, bytes: 9 });
  });

  test('partial overlaps keep the first copy and count conflicting bytes (delivered and buffered)', () => {
    const w = new Wire();
    const { events } = reassemble([
      ...w.handshake(),
      w.seg('c', 0, 'AAAA'),
      w.seg('c', 2, 'xxBB'), // overlaps delivered "AA" with "xx": 2 conflicts, "BB" new
      w.seg('c', 10, 'DDDD'), // buffered behind a hole
      w.seg('c', 8, 'CCyyyDE'), // fills 8..10, conflicts 3 with buffered "DDDD", adds E at 14
      w.seg('c', 6, 'CC'),
    ]);
    expect(text(events).c2s).toBe('AAAABBCCCCDDDDE');
    expect(closeOf(events).stats.c2s).toMatchObject({ overlapConflicts: 5, gaps: 0 });
  });

  test('holds no view of a frame after push: buffered and last-delivered bytes are copies', () => {
    // A source may reuse or drop a frame's buffer; what the reassembler keeps must not change then.
    const w = new Wire();
    const late = w.seg('c', 4, 'EFGH');
    const first = w.seg('c', 0, 'ABCD');
    const events: StreamEvent[] = [];
    const r = poisonedReassembler({}, (ev) => events.push(ev));
    for (const p of w.handshake()) r.push(p);
    r.push(late); // buffered behind the hole at 0
    late.frame.data.fill(0);
    r.push(first); // delivered, then releases the buffered EFGH
    first.frame.data.fill(0);
    r.push(w.seg('c', 2, 'CD')); // same bytes as delivered: no conflict
    r.push(w.seg('c', 6, 'xH')); // one byte differs from the delivered "GH"
    r.end();
    expect(text(events).c2s).toBe('ABCDEFGH');
    expect(closeOf(events).stats.c2s).toMatchObject({ retransmitted: 2, overlapConflicts: 1 });
  });

  test('a retransmission is compared with the tail of a long last segment', () => {
    const w = new Wire();
    const big = 'a'.repeat(10_000);
    const { events } = reassemble([...w.handshake(), w.seg('c', 0, big), w.seg('c', 9_990, 'aaaaabbbbb')]);
    expect(closeOf(events).stats.c2s).toMatchObject({ bytes: 10_000, retransmitted: 1, overlapConflicts: 5 });
  });

  test('thousands of connections at once keep their bytes apart, also as some close (index buckets are shared)', () => {
    // 3000 connections in 65,536 buckets: some 70 buckets hold two or more, whatever the seed.
    // Same server port, client ports that repeat across client addresses, and one client port
    // talking to two servers.
    const wires: Wire[] = [];
    for (let i = 0; i < 3000; i++) {
      const client = { addr: `10.${1 + (i % 7)}.${(i >> 8) & 255}.${i & 255}`, port: 30000 + (i % 50), isn: i * 7919 };
      const server = { addr: i % 2 === 0 ? '10.0.0.1' : '10.0.0.2', port: 443, isn: i * 104729 };
      wires.push(new Wire(client, server));
    }
    const packets = wires.flatMap((w) => w.handshake());
    wires.forEach((w, i) => packets.push(w.seg('c', 0, `q${i}.`)));
    // Every third connection closes, the rest go on talking after that.
    wires.forEach((w, i) => {
      if (i % 3 === 0) packets.push(w.seg('c', 2 + String(i).length, '', { flags: TcpFlags.FIN | TcpFlags.ACK }), w.seg('s', 0, '', { flags: TcpFlags.FIN | TcpFlags.ACK }));
    });
    wires.forEach((w, i) => {
      if (i % 3 !== 0) packets.push(w.seg('s', 0, `r${i}`), w.seg('c', 2 + String(i).length, `x${i}`));
    });
    const { events, r } = reassemble(packets);
    expect(r.totals.connections).toBe(3000);
    const seen = new Map<number, { c2s: string; s2c: string }>();
    for (const ev of events) {
      if (ev.type !== 'data') continue;
      const t = seen.get(ev.connection.id) ?? { c2s: '', s2c: '' };
      t[ev.dir] += new TextDecoder().decode(ev.bytes);
      seen.set(ev.connection.id, t);
    }
    for (let i = 0; i < 3000; i++) {
      expect(seen.get(i), `connection ${i}`).toEqual(i % 3 === 0 ? { c2s: `q${i}.`, s2c: '' } : { c2s: `q${i}.x${i}`, s2c: `r${i}` });
      expect(closeOf(events, i).reason, `connection ${i}`).toBe(i % 3 === 0 ? 'fin' : 'end');
    }
  });

  test('connections in one index bucket stay apart when the first, middle or last of the chain closes', () => {
    // Five connections whose hashes share a bucket under a known seed, found by search.
    const seed = 12345;
    const byBucket = new Map<number, number[]>();
    let ports: number[] | undefined;
    for (let port = 1024; ports === undefined; port++) {
      const b = connectionBucket(seed, '10.0.0.1', '10.0.0.2', port, 443);
      const list = byBucket.get(b) ?? [];
      list.push(port);
      byBucket.set(b, list);
      if (list.length === 5) ports = list;
    }
    const wires = ports.map((port, i) => new Wire({ addr: '10.0.0.1', port, isn: i * 1000 }, { addr: '10.0.0.2', port: 443, isn: i * 5000 }));
    const events: StreamEvent[] = [];
    const r = poisonedReassembler({}, (ev) => events.push(ev.type === 'data' ? { ...ev, bytes: copyBytes(ev.bytes) } : ev));
    const table = (r as unknown as { table: { seed: number; index: Map<number, unknown> } }).table;
    table.seed = seed;
    const fin = TcpFlags.FIN | TcpFlags.ACK;
    for (const w of wires) for (const p of w.handshake()) r.push(p);
    // All five are chained in one bucket, or this test proves nothing.
    expect(table.index.size).toBe(1);
    wires.forEach((w, i) => r.push(w.seg('c', 0, `a${i}`)));
    // The chain is newest first: close the newest (head), a middle one, and the oldest (tail).
    for (const i of [4, 2, 0]) {
      r.push(wires[i]!.seg('c', 2, '', { flags: fin }));
      r.push(wires[i]!.seg('s', 0, '', { flags: fin }));
    }
    wires.forEach((w, i) => r.push(w.seg('s', 0, `b${i}`)));
    r.end();
    expect(r.totals.connections).toBe(5);
    for (let i = 0; i < 5; i++) expect(text(events, i), `connection ${i}`).toEqual(i % 2 === 0 ? { c2s: `a${i}`, s2c: '' } : { c2s: `a${i}`, s2c: `b${i}` });
  });

  test('sequence numbers wrap past 2^32', () => {
    const w = new Wire({ addr: '10.0.0.1', port: 40000, isn: 0xfffffff0 }, { addr: '10.0.0.2', port: 80, isn: 0xffffffff });
    const chunk = (i: number) => String.fromCharCode(97 + i).repeat(7);
    const segs = [0, 1, 2, 3, 4].map((i) => w.seg('c', i * 7, chunk(i)));
    const { events } = reassemble([...w.handshake(), segs[0]!, segs[2]!, segs[1]!, segs[4]!, segs[3]!, w.seg('s', 0, 'ok')]);
    expect(text(events).c2s).toBe([0, 1, 2, 3, 4].map(chunk).join(''));
    expect(text(events).s2c).toBe('ok');
    expect(gapsOf(events)).toEqual([]);
  });

  test('a hole filled late (before the timeout) is no gap', () => {
    const w = new Wire();
    const { events } = reassemble([...w.handshake(), w.seg('c', 3, 'def', { at: 10 }), w.seg('c', 0, 'abc', { at: 2500 })], { holeTimeoutMs: 3000 });
    expect(text(events).c2s).toBe('abcdef');
    expect(gapsOf(events)).toEqual([]);
  });

  test('a hole never filled: a gap at end of input, then the data after it', () => {
    const w = new Wire();
    const { events } = reassemble([...w.handshake(), w.seg('c', 0, 'abc'), w.seg('c', 10, 'klm')]);
    expect(gapsOf(events)).toEqual([{ dir: 'c2s', offset: 3, length: 7 }]);
    expect(text(events).c2s).toBe('abcklm');
    const types = events.filter((e) => e.connection.id === 0).map((e) => e.type);
    expect(types.slice(-3)).toEqual(['gap', 'data', 'close']);
    expect(closeOf(events).stats.c2s).toMatchObject({ gaps: 1, gapBytes: 7, bytes: 6 });
  });

  test('a hole times out in packet time when no ACK is captured, and data flows on', () => {
    const w = new Wire();
    // One way only: no packet from the receiver, so no ACK will ever say the hole is lost.
    const pkts = [w.seg('c', 0, 'abc', { at: 10 }), w.seg('c', 10, 'klm', { at: 20 }), w.seg('c', 13, 'nop', { at: 5000 })];
    const events: StreamEvent[] = [];
    const r = poisonedReassembler({ holeTimeoutMs: 3000 }, (e) => events.push(e));
    for (const p of pkts) r.push(p);
    // Before the end of input: the gap came from the timeout.
    expect(gapsOf(events)).toEqual([{ dir: 'c2s', offset: 3, length: 7 }]);
    expect(events.filter((e) => e.type === 'data')).toHaveLength(3);
  });

  test('the peer acknowledging past a hole makes it a gap at once; late bytes for it are dropped and counted', () => {
    const w = new Wire();
    const pkts = [...w.handshake(), w.seg('c', 0, 'abc'), w.seg('c', 10, 'klm'), w.seg('s', 0, '', { ack: 13 })];
    const events: StreamEvent[] = [];
    const r = poisonedReassembler({}, (e) => events.push(e));
    for (const p of pkts) r.push(p);
    expect(gapsOf(events)).toEqual([{ dir: 'c2s', offset: 3, length: 7 }]);
    r.push(w.seg('c', 3, 'defghij'));
    r.end();
    expect(closeOf(events).stats.c2s).toMatchObject({ lateBytes: 7, droppedBytes: 7, bytes: 6 });
  });

  test('directions are independent: a hole in one never holds up the other', () => {
    const w = new Wire();
    const pkts = [...w.handshake(), w.seg('c', 5, 'later'), w.seg('s', 0, 'server talks'), w.seg('s', 12, ' more')];
    const events: StreamEvent[] = [];
    // Data views are valid only during the call: keep copies.
    const r = poisonedReassembler({}, (e) => events.push(e.type === 'data' ? { ...e, bytes: copyBytes(e.bytes) } : e));
    for (const p of pkts) r.push(p);
    expect(text(events).s2c).toBe('server talks more');
    expect(text(events).c2s).toBe('');
    expect(gapsOf(events)).toEqual([]);
  });

  // Stand-ins for the `tcp.client` entries the protocols above TCP add: the reassembler knows none.
  const asks: ClientDecider = { name: 'asks', decide: (b) => (b[0] === 0x3f ? 'sender' : undefined) };
  const answers: ClientDecider = { name: 'answers', decide: (b) => (b[0] === 0x21 ? 'receiver' : undefined) };
  const clients = [asks, answers];

  test('midstream pickup: offsets start at 0; the tcp.client list names the client, whatever the ports', () => {
    const w = new Wire({ addr: '10.0.0.9', port: 80, isn: 123456 }, { addr: '10.0.0.1', port: 50000, isn: 7 });
    const { events } = reassemble([w.seg('c', 500, '', { ack: 9 }), w.seg('c', 500, '?GET /x\r\n', { ack: 9 }), w.seg('s', 9, '!204\r\n')], { clients });
    const open = events[0]!;
    expect(open.type).toBe('open');
    expect(open.connection.clientBy).toBe('asks');
    expect(open.connection.client.port).toBe(80);
    expect(events.find((e) => e.type === 'data')).toMatchObject({ offset: 0, dir: 'c2s' });
    expect(text(events).s2c).toContain('204');
  });

  test('midstream: a tcp.client entry may name the receiver; entries are asked in order; else the higher port', () => {
    const resp = new Wire({ addr: '10.0.0.1', port: 8080, isn: 1 }, { addr: '10.0.0.2', port: 9000, isn: 1 });
    expect(reassemble([resp.seg('c', 0, '!200')], { clients }).events[0]!.connection).toMatchObject({ clientBy: 'answers', client: { port: 9000 } });
    const first: ClientDecider = { name: 'first', decide: () => 'receiver' };
    expect(reassemble([resp.seg('c', 0, '?x')], { clients: [first, asks] }).events[0]!.connection).toMatchObject({ clientBy: 'first', client: { port: 9000 } });
    const raw = new Wire({ addr: '10.0.0.1', port: 5000, isn: 1 }, { addr: '10.0.0.2', port: 6000, isn: 1 });
    expect(reassemble([raw.seg('c', 0, '\x00\x01binary')], { clients }).events[0]!.connection).toMatchObject({ clientBy: 'port', client: { port: 6000 } });
    expect(reassemble([resp.seg('c', 0, '?x')]).events[0]!.connection).toMatchObject({ clientBy: 'port', client: { port: 9000 } });
  });

  test('a midstream connection with no payload opens at its close', () => {
    const w = new Wire();
    const { events } = reassemble([w.seg('c', 0, '', { ack: 0 }), w.seg('s', 0, '', { ack: 0 })]);
    expect(events.map((e) => e.type)).toEqual(['open', 'close']);
    expect(events[0]!.connection.clientBy).toBe('port');
  });

  test('RST closes and flushes what was buffered', () => {
    const w = new Wire();
    const { events } = reassemble([...w.handshake(), w.seg('c', 0, 'ab'), w.seg('c', 4, 'ef'), w.seg('s', 0, '', { flags: TcpFlags.RST | TcpFlags.ACK, ack: 2 })]);
    const close = closeOf(events);
    expect(close.reason).toBe('rst');
    expect(close.stats.s2c.close).toBe('rst');
    expect(text(events).c2s).toBe('abef');
    expect(gapsOf(events)).toEqual([{ dir: 'c2s', offset: 2, length: 2 }]);
  });

  test('idle timeout in packet time closes a quiet connection while others go on', () => {
    const a = new Wire();
    const b = new Wire({ addr: '10.0.0.3', port: 41000, isn: 5 }, { addr: '10.0.0.2', port: 80, isn: 6 });
    const events: StreamEvent[] = [];
    const r = poisonedReassembler({ idleTimeoutMs: 60_000 }, (e) => events.push(e));
    r.push(a.seg('c', 0, 'hello', { at: 0 }));
    for (let t = 1000; t <= 200_000; t += 1000) r.push(b.seg('c', t, 'x', { at: t }));
    const closeA = events.find((e) => e.type === 'close');
    expect(closeA).toMatchObject({ reason: 'idle', connection: { id: 0 } });
    expect(Number((closeA!.ts - 1_700_000_000_000_000_000n) / 1_000_000n)).toBeLessThan(80_000);
    expect(r.activeConnections).toBe(1);
  });

  test('per-connection buffer cap: the oldest hole becomes a gap, counted', () => {
    const w = new Wire();
    const seg = 'z'.repeat(100);
    const pkts = [...w.handshake(), w.seg('c', 0, 'a')];
    for (let i = 0; i < 10; i++) pkts.push(w.seg('c', 2 + i * 100, seg));
    const { events, r } = reassemble(pkts, { maxBufferedPerConnection: 450 });
    expect(gapsOf(events)[0]).toEqual({ dir: 'c2s', offset: 1, length: 1 });
    expect(r.totals.capGaps).toBeGreaterThan(0);
    expect(closeOf(events).stats.c2s.bytes).toBe(1 + 1000);
  });

  test('total buffer cap across connections flushes the oldest hole first', () => {
    const a = new Wire();
    const b = new Wire({ addr: '10.0.0.3', port: 41000, isn: 5 }, { addr: '10.0.0.2', port: 80, isn: 6 });
    const events: StreamEvent[] = [];
    const r = poisonedReassembler({ maxBufferedTotal: 300 }, (e) => events.push(e));
    for (const p of [...a.handshake(), a.seg('c', 10, 'a'.repeat(200))]) r.push(p);
    for (const p of [...b.handshake(), b.seg('c', 10, 'b'.repeat(200))]) r.push(p); // over the total
    const firstGap = events.find((e) => e.type === 'gap');
    expect(firstGap?.connection.id).toBe(0);
    expect(r.totals.capGaps).toBe(1);
  });

  test('connection cap: the least recently active connection is closed to make room', () => {
    const events: StreamEvent[] = [];
    const r = poisonedReassembler({ maxConnections: 3 }, (e) => events.push(e));
    for (let i = 0; i < 5; i++) r.push(new Wire({ addr: '10.0.1.1', port: 1000 + i, isn: 1 }, { addr: '10.0.0.2', port: 80, isn: 1 }).seg('c', 0, 'x'));
    expect(r.activeConnections).toBe(3);
    expect(r.totals.evicted).toBe(2);
    expect(events.filter((e) => e.type === 'close').map((e) => e.connection.id)).toEqual([0, 1]);
  });

  test('a new SYN with another ISN after a close starts a new connection (port reuse)', () => {
    const w = new Wire();
    const first = [...w.handshake(), w.seg('c', 0, 'one'), w.seg('c', 3, '', { flags: FIN_ACK, ack: 0 }), w.seg('s', 0, '', { flags: FIN_ACK, ack: 4 })];
    const w2 = new Wire({ ...w.c, isn: 77777 }, { ...w.s, isn: 88888 });
    const { events } = reassemble([...first, ...w2.handshake(), w2.seg('c', 0, 'two')]);
    expect(text(events, 0).c2s).toBe('one');
    expect(text(events, 1).c2s).toBe('two');
    expect(closeOf(events, 0).reason).toBe('fin');
  });

  test('data on a SYN (TCP Fast Open) starts at offset 0; a half-closed side keeps receiving', () => {
    const w = new Wire();
    const { events } = reassemble([
      w.seg('c', -1, 'early', { flags: TcpFlags.SYN }),
      w.seg('s', -1, '', { flags: TcpFlags.SYN | TcpFlags.ACK, ack: 5 }),
      w.seg('c', 5, '', { flags: FIN_ACK, ack: 0 }), // the client is done sending
      w.seg('s', 0, 'reply 1', { ack: 6 }),
      w.seg('s', 7, 'reply 2', { ack: 6 }),
      w.seg('s', 14, '', { flags: FIN_ACK, ack: 6 }),
    ]);
    expect(text(events)).toEqual({ c2s: 'early', s2c: 'reply 1reply 2' });
    expect(closeOf(events).reason).toBe('fin');
    expect(gapsOf(events)).toEqual([]);
  });

  test('a segment cut short by the snaplen: the missing tail is a gap, acknowledged or at the end', () => {
    const w = new Wire();
    const { events } = reassemble([...w.handshake(), w.seg('c', 0, 'abcdefgh', { cut: 3 }), w.seg('c', 8, 'ijk'), w.seg('s', 0, '', { ack: 11 })]);
    expect(text(events).c2s).toBe('abcdeijk');
    expect(gapsOf(events)).toEqual([{ dir: 'c2s', offset: 5, length: 3 }]);
  });

  test('one absurd timestamp (a corrupt record) does not age every connection out', () => {
    const a = new Wire();
    const b = new Wire({ addr: '10.0.0.3', port: 41000, isn: 5 }, { addr: '10.0.0.2', port: 80, isn: 6 });
    const tenYears = 10 * 365 * 86_400_000;
    const { events } = reassemble([...a.handshake(), a.seg('c', 0, 'one', { at: 10 }), b.seg('c', 0, 'x', { at: tenYears }), a.seg('c', 3, 'two', { at: 20 })]);
    expect(text(events, 0).c2s).toBe('onetwo');
    expect(closeOf(events, 0).reason).toBe('end');
  });

  test('IPv6 connections are keyed and reported like IPv4 ones', () => {
    const w = new Wire({ addr: '2001:db8::1', port: 50000, isn: 1 }, { addr: '2001:db8::2', port: 443, isn: 2 });
    const { events } = reassemble([...w.handshake(), w.seg('c', 0, 'hi'), w.seg('s', 0, 'yo')]);
    expect(events[0]!.connection).toMatchObject({ family: 6, client: { address: '2001:db8::1' } });
    expect(text(events)).toEqual({ c2s: 'hi', s2c: 'yo' });
  });

  test('a capture with many short connections stays bounded', () => {
    let closes = 0;
    let maxActive = 0;
    let maxLingering = 0;
    const r = poisonedReassembler({ closedLingerMs: 1000 }, (e) => {
      if (e.type === 'close') closes++;
    });
    const n = 10_000;
    for (let i = 0; i < n; i++) {
      const w = new Wire({ addr: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 1024 + (i % 60000), isn: i }, { addr: '192.168.0.1', port: 80, isn: 1 });
      const at = i; // one connection per millisecond of packet time
      r.push(w.seg('c', -1, '', { flags: TcpFlags.SYN, at }));
      r.push(w.seg('c', 0, 'GET / HTTP/1.1\r\n\r\n', { at }));
      maxActive = Math.max(maxActive, r.activeConnections);
      r.push(w.seg('c', 18, '', { flags: FIN_ACK, at }));
      r.push(w.seg('s', 0, '', { flags: FIN_ACK, ack: 19, at }));
      maxLingering = Math.max(maxLingering, r.lingeringConnections);
    }
    r.end();
    expect(closes).toBe(n);
    // Closed connections are released at once; their 4-tuples are remembered ~1 s of packet time.
    expect(maxActive).toBe(1);
    expect(maxLingering).toBeLessThan(2000);
  }, 120_000);
});
