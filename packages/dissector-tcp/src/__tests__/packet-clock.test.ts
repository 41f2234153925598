// The reassembler's packet clock: moved by every packet, movable from outside (`advance`, what a
// parallel run's workers do with the other workers' frames), and sweeps in connection-id order.
import { Subject } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { corePlugin, createRegistry, type Packet, type StreamEvent } from '@netrx/core';
import { reassembleTcp, tcpPlugin } from '@netrx/dissector-tcp';
import { Wire, poisonedReassembler } from './wire.js';

const BASE = 1_700_000_000_000_000_000n;
const MS = 1_000_000n;

/** A packet with no layers at `ms`: what `dissect()` makes of a frame it cannot decode (or UDP, ARP: no TCP). */
function other(ms: number, frameNumber: number): Packet {
  return { frame: { linkType: 147, timestamp: BASE + BigInt(ms) * MS, caplen: 0, length: 0, data: new Uint8Array(0), interfaceId: 0, frameNumber }, layers: [] };
}

const wire = (n: number) => new Wire({ addr: `10.0.0.${n + 10}`, port: 40000 + n, isn: n * 1000 }, { addr: '10.0.0.2', port: 80, isn: 7 });

describe('the packet clock', () => {
  test('a packet that is not TCP moves it: an idle connection closes at that packet', () => {
    const events: StreamEvent[] = [];
    const r = poisonedReassembler({ idleTimeoutMs: 60_000 }, (e) => events.push(e));
    r.push(wire(0).seg('c', 0, 'hello', { at: 0 }));
    r.push(other(30_000, 50));
    expect(events.some((e) => e.type === 'close')).toBe(false);
    r.push(other(70_000, 51));
    const close = events.find((e) => e.type === 'close');
    expect(close).toMatchObject({ reason: 'idle', frame: 51 });
  });

  test('advance() runs the timeouts of a frame the reassembler is not given, and a frame advanced is not counted again', () => {
    const events: StreamEvent[] = [];
    const r = poisonedReassembler({ idleTimeoutMs: 60_000 }, (e) => events.push(e));
    r.push(wire(0).seg('c', 0, 'hello', { at: 0 }));
    r.advance(BASE + 90_000n * MS, 99);
    expect(events.at(-1)).toMatchObject({ type: 'close', reason: 'idle', frame: 99, ts: BASE + 90_000n * MS });
    // A jump of over a day needs a second packet to confirm it. Advanced, then pushed: still one
    // packet, so the clock stays; had it counted twice, connection 1 would close at the far packet.
    const day = 86_400_000;
    r.push(wire(1).seg('c', 0, 'a', { at: 100_000 }));
    const far = wire(2).seg('c', 0, 'b', { at: 100_000 + 2 * day });
    r.advance(far.frame.timestamp, 77);
    r.push({ ...far, frame: { ...far.frame, frameNumber: 77 } });
    expect(events.filter((e) => e.type === 'close')).toHaveLength(1);
    r.push(other(161_000, 1000));
    expect(events.filter((e) => e.type === 'close').at(-1)).toMatchObject({ reason: 'idle', frame: 1000, connection: { id: 1 } });
  });

  test('a sweep handles what is due connection by connection, in id order', () => {
    const events: StreamEvent[] = [];
    const r = poisonedReassembler({ idleTimeoutMs: 60_000, holeTimeoutMs: 3_000 }, (e) => events.push(e));
    const w = [wire(0), wire(1), wire(2), wire(3)];
    // Made in order 0…3, active last in the order 3, 1, 2, 0; connection 1 then has a hole.
    for (let i = 0; i < 4; i++) r.push(w[i]!.seg('c', 0, 'x', { at: i }));
    for (const i of [3, 1, 2, 0]) r.push(w[i]!.seg('c', i === 1 ? 5 : 1, 'y', { at: 20_000 + i }));
    // One frame much later: the hole times out and all four are idle, in one sweep.
    r.push(other(200_000, 500));
    const swept = events.filter((e) => e.frame === 500).map((e) => `${e.type} ${e.connection.id}`);
    expect(swept).toEqual(['close 0', 'gap 1', 'close 1', 'close 2', 'close 3']);
  });

  test('reassembleTcp hands out each subscription\'s advance with onClock', () => {
    const registry = createRegistry([corePlugin, tcpPlugin]);
    const clocks: ((ts: bigint, frame: number) => void)[] = [];
    const packets = new Subject<Packet>();
    const events: StreamEvent[] = [];
    packets.pipe(reassembleTcp(registry, { idleTimeoutMs: 1000, onClock: (advance) => clocks.push(advance) })).subscribe((e) => events.push(e));
    expect(clocks).toHaveLength(1);
    packets.next(wire(0).seg('c', 0, 'hi', { at: 0 }));
    clocks[0]!(BASE + 5000n * MS, 9);
    expect(events.at(-1)).toMatchObject({ type: 'close', reason: 'idle', frame: 9 });
  });
});
