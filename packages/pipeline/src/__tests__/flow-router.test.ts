import { describe, expect, test } from 'vitest';
import { LinkType } from '@netrx/core';
import { bsdLoopback, ethernet, ipv4, ipv6, ipv6Fragment, sll, sll2, tcp, udp } from '../../../../test-support/packets.js';
import { EVERY_WORKER, FlowRouter } from '../parallel/flow-router.js';

const v4 = (src: string, sp: number, dst: string, dp: number, o: { id?: number; fragOffset?: number; more?: boolean } = {}) =>
  ipv4(tcp(new Uint8Array(24), { srcPort: sp, dstPort: dp, seq: 1 }, src, dst), { src, dst, id: o.id, fragOffset: o.fragOffset, moreFragments: o.more });
const v6 = (src: string, sp: number, dst: string, dp: number) => ipv6(tcp(new Uint8Array(8), { srcPort: sp, dstPort: dp, seq: 1 }, src, dst), { src, dst });

describe('FlowRouter', () => {
  test('both directions of a connection go to the same worker, on every link type', () => {
    const r = new FlowRouter(7);
    for (let i = 0; i < 200; i++) {
      const a = `10.0.${i >> 4}.${i & 15}`;
      const fwd = v4(a, 40000 + i, '10.9.9.9', 80);
      const back = v4('10.9.9.9', 80, a, 40000 + i);
      const w = r.route(LinkType.ETHERNET, ethernet(fwd));
      expect(r.route(LinkType.ETHERNET, ethernet(back))).toBe(w);
      expect(r.route(LinkType.ETHERNET, ethernet(back, 0x0800, { vlans: [{ tpid: 0x88a8, vid: 5 }, { tpid: 0x8100, vid: 7 }] }))).toBe(w);
      expect(r.route(LinkType.LINUX_SLL, sll(back))).toBe(w);
      expect(r.route(LinkType.LINUX_SLL2, sll2(back))).toBe(w);
      expect(r.route(LinkType.NULL, bsdLoopback(back, 2))).toBe(w);
      expect(r.route(LinkType.RAW, back)).toBe(w);
      expect(r.route(LinkType.IPV4, back)).toBe(w);
      const b6 = `2001:db8::${i.toString(16)}`;
      expect(r.route(LinkType.ETHERNET, ethernet(v6(b6, 5000 + i, '2001:db8::ffff', 443), 0x86dd))).toBe(
        r.route(LinkType.ETHERNET, ethernet(v6('2001:db8::ffff', 443, b6, 5000 + i), 0x86dd)),
      );
    }
  });

  test('connections spread over the workers (ports count, not only addresses)', () => {
    const r = new FlowRouter(4);
    const counts = [0, 0, 0, 0];
    // One address pair, as on a loopback capture: the ports must spread the connections.
    for (let i = 0; i < 4000; i++) counts[r.route(LinkType.RAW, v4('127.0.0.1', 30000 + i, '127.0.0.1', 7272))]!++;
    for (const c of counts) expect(c).toBeGreaterThan(800);
  });

  test('UDP is routed by its ports too; frames without IP go to the last worker', () => {
    const r = new FlowRouter(5);
    const there = ipv4(udp(new Uint8Array(4), 5353, 53, '10.0.0.1', '10.0.0.2'), { proto: 17, src: '10.0.0.1', dst: '10.0.0.2' });
    const back = ipv4(udp(new Uint8Array(4), 53, 5353, '10.0.0.2', '10.0.0.1'), { proto: 17, src: '10.0.0.2', dst: '10.0.0.1' });
    expect(r.route(LinkType.RAW, there)).toBe(r.route(LinkType.RAW, back));
    expect(r.route(LinkType.ETHERNET, ethernet(new Uint8Array(28), 0x0806))).toBe(4);
    expect(r.route(147, new Uint8Array(40))).toBe(4);
    expect(r.route(LinkType.ETHERNET, new Uint8Array(10))).toBe(4);
  });

  test('IPv4 fragments follow their first fragment; earlier ones go to every worker', () => {
    const r = new FlowRouter(8);
    const whole = r.route(LinkType.RAW, v4('10.0.0.1', 1234, '10.0.0.2', 80));
    // Later fragments before the first: no ports yet.
    const late = v4('10.0.0.1', 1234, '10.0.0.2', 80, { id: 77, fragOffset: 16, more: false });
    expect(r.route(LinkType.RAW, late)).toBe(EVERY_WORKER);
    // The first fragment carries the ports: routed with its flow, and remembered.
    expect(r.route(LinkType.RAW, v4('10.0.0.1', 1234, '10.0.0.2', 80, { id: 77, fragOffset: 0, more: true }))).toBe(whole);
    expect(r.route(LinkType.RAW, late)).toBe(whole);
    // Another datagram id is another datagram.
    expect(r.route(LinkType.RAW, v4('10.0.0.1', 1234, '10.0.0.2', 80, { id: 78, fragOffset: 8, more: true }))).toBe(EVERY_WORKER);
  });

  test('IPv6 fragments follow their first fragment; an atomic fragment is routed like any packet', () => {
    const r = new FlowRouter(8);
    const src = '2001:db8::1';
    const dst = '2001:db8::2';
    const seg = tcp(new Uint8Array(16), { srcPort: 999, dstPort: 80, seq: 1 }, src, dst);
    const whole = r.route(LinkType.RAW, ipv6(seg, { src, dst }));
    const frag = (offset: number, more: boolean, body: Uint8Array) => ipv6(new Uint8Array([...ipv6Fragment(6, offset, more, 0xabcdef), ...body]), { src, dst, next: 44 });
    expect(r.route(LinkType.RAW, frag(24, false, seg.subarray(24)))).toBe(EVERY_WORKER);
    expect(r.route(LinkType.RAW, frag(0, false, seg))).toBe(whole);
    expect(r.route(LinkType.RAW, frag(0, true, seg.subarray(0, 24)))).toBe(whole);
    expect(r.route(LinkType.RAW, frag(24, false, seg.subarray(24)))).toBe(whole);
  });

  test('unequal shares: each worker gets about its share of the connections', () => {
    const r = new FlowRouter(3, [0.1, 0.45, 0.45]);
    const counts = [0, 0, 0];
    for (let i = 0; i < 20000; i++) counts[r.route(LinkType.RAW, v4('127.0.0.1', 20000 + i, '127.0.0.1', 80))]!++;
    expect(counts[0]).toBeGreaterThan(1600);
    expect(counts[0]).toBeLessThan(2400);
    expect(counts[1]).toBeGreaterThan(8000);
    expect(new FlowRouter(2, [0, 1]).route(LinkType.RAW, v4('10.0.0.1', 1, '10.0.0.2', 2))).toBe(1);
  });

  test('a UDP tunnel goes by its outer addresses: its endpoints pick source ports per inner flow and direction', () => {
    const r = new FlowRouter(16);
    const vx = (src: string, sp: number, dst: string, dp: number) => ipv4(udp(new Uint8Array(60), sp, dp, src, dst), { proto: 17, src, dst });
    const there = r.route(LinkType.RAW, vx('192.0.2.1', 51111, '192.0.2.2', 4789));
    for (let p = 40000; p < 40100; p++) expect(r.route(LinkType.RAW, vx('192.0.2.2', p, '192.0.2.1', 4789))).toBe(there);
    // Another port is a tunnel only when said (decode-as): then by address too.
    const spread = new Set(Array.from({ length: 100 }, (_, i) => new FlowRouter(16).route(LinkType.RAW, vx('192.0.2.2', 40000 + i, '192.0.2.1', 8472))));
    expect(spread.size).toBeGreaterThan(4);
    const told = new FlowRouter(16, undefined, [8472]);
    expect(new Set(Array.from({ length: 100 }, (_, i) => told.route(LinkType.RAW, vx('192.0.2.2', 40000 + i, '192.0.2.1', 8472)))).size).toBe(1);
  });

  test('one worker takes everything', () => {
    const r = new FlowRouter(1);
    expect(r.route(LinkType.RAW, v4('10.0.0.1', 1, '10.0.0.2', 2, { id: 1, fragOffset: 8 }))).toBe(0);
  });
});
