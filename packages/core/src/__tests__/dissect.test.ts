import { firstValueFrom, from, Subject, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { corePlugin } from '../core-plugin.js';
import { createDissectStats, dissect, FrameDissector, type DissectStats } from '../dissect.js';
import { createFragmentStats } from '../fragment-reassembler.js';
import { LinkType } from '../frame.js';
import { Registry } from '../registry.js';
import { createRegistry } from '../plugin.js';
import type { Packet } from '../layer.js';
import { ethernet, ipv4, sll2, tcp, udp } from '../../../../test-support/packets.js';
import { frameOf, names } from './helpers.js';

const T0 = 1_700_000_000_000_000_000n;

describe('corePlugin', () => {
  it('declares the core tables and fills them', () => {
    const r = createRegistry([corePlugin]);
    const linkTypes = [LinkType.NULL, LinkType.ETHERNET, LinkType.RAW, LinkType.DLT_RAW, LinkType.LOOP, LinkType.LINUX_SLL, LinkType.IPV4, LinkType.IPV6, LinkType.LINUX_SLL2];
    expect(linkTypes.map((t) => r.table('link.type').get(t)?.protocol)).toEqual([
      'null',
      'ethernet',
      'raw',
      'raw',
      'null',
      'sll',
      'ipv4',
      'ipv6',
      'sll2',
    ]);
    expect([0x0800, 0x86dd, 0x8100, 0x88a8, 0x9100].map((t) => r.table('ethertype').get(t)?.protocol)).toEqual(['ipv4', 'ipv6', 'vlan', 'vlan', 'vlan']);
    expect(r.table('ip.proto').get(17)?.protocol).toBe('udp');
    expect(r.table('ip.proto').get(6)).toBeUndefined(); // TCP is tcpPlugin's
    expect(r.hasTable('udp.port')).toBe(true);
    expect(r.heuristics('udp').active).toEqual([]);
  });
});

describe('dissect()', () => {
  const frames = [
    frameOf(LinkType.ETHERNET, ethernet(ipv4(udp(new Uint8Array(4), 1, 2), { proto: 17 })), T0, undefined, 1),
    frameOf(LinkType.LINUX_SLL2, sll2(ipv4(tcp(new Uint8Array(3), { srcPort: 1, dstPort: 2, seq: 0 }))), T0, undefined, 2),
    frameOf(LinkType.ETHERNET, new Uint8Array(5), T0, undefined, 3),
    frameOf(147, new Uint8Array(10), T0, undefined, 4), // a DLT_USER link type: no dissector
    frameOf(LinkType.RAW, ipv4(new Uint8Array(8), { proto: 17, badChecksum: true }).subarray(0, 10), T0, undefined, 5),
  ];

  it('emits one packet per frame, in order, and counts what it saw', async () => {
    const stats = createDissectStats();
    const packets = await firstValueFrom(from(frames).pipe(dissect(createRegistry([corePlugin]), { stats }), toArray()));
    expect(packets.map((p) => p.frame.frameNumber)).toEqual([1, 2, 3, 4, 5]);
    expect(packets.map(names)).toEqual([['ethernet', 'ipv4', 'udp'], ['sll2', 'ipv4'], ['failure'], [], ['failure']]);
    expect(stats).toMatchObject({
      packets: 5,
      bytes: frames.reduce((n, f) => n + f.data.length, 0),
      unknownLinkType: 1,
      protocols: { ethernet: 1, ipv4: 2, udp: 1, sll2: 1 },
      failures: { ERR_ETHERNET_TRUNCATED: 1, ERR_IPV4_TRUNCATED: 1 },
    });
  });

  it('counts into stats built by hand, and adds to stats shared by two pipelines', async () => {
    const registry = createRegistry([corePlugin]);
    const byHand: DissectStats = { packets: 0, bytes: 0, unknownLinkType: 0, protocols: {}, failures: {}, fragments: createFragmentStats() };
    await firstValueFrom(from(frames).pipe(dissect(registry, { stats: byHand }), toArray()));
    expect(byHand.protocols).toEqual({ ethernet: 1, ipv4: 2, udp: 1, sll2: 1 });
    const shared = createDissectStats();
    await firstValueFrom(from(frames).pipe(dissect(registry, { stats: shared }), toArray()));
    await firstValueFrom(from(frames).pipe(dissect(registry, { stats: shared }), toArray()));
    expect(shared.packets).toBe(10);
    expect(shared.protocols).toEqual({ ethernet: 2, ipv4: 4, udp: 2, sll2: 2 });
    expect(JSON.parse(JSON.stringify(shared)).protocols).toEqual(shared.protocols);
  });

  it('keeps state per subscription and frees it in the finalizer', () => {
    const registry = createRegistry([corePlugin]);
    const frag = (off: number, more: boolean, data: Uint8Array): Uint8Array =>
      ethernet(ipv4(data, { proto: 17, id: 1, fragOffset: off, moreFragments: more }));
    const transport = udp(new Uint8Array(40), 1, 2);
    const input = new Subject<ReturnType<typeof frameOf>>();
    const a: Packet[] = [];
    const b: Packet[] = [];
    const statsA = createDissectStats();
    const subA = input.pipe(dissect(registry, { stats: statsA })).subscribe((p) => a.push(p));
    input.next(frameOf(LinkType.ETHERNET, frag(0, true, transport.subarray(0, 24)), T0));
    const subB = input.pipe(dissect(registry)).subscribe((p) => b.push(p));
    input.next(frameOf(LinkType.ETHERNET, frag(24, false, transport.subarray(24)), T0));
    expect(a.map((p) => p.layers.length)).toEqual([2, 3]);
    expect(b.map((p) => p.layers.length)).toEqual([2]); // B never saw the first fragment
    subA.unsubscribe();
    subB.unsubscribe();
    expect(input.observed).toBe(false);
    expect(statsA.fragments.reassembled).toBe(1);
  });

  it('passes errors and completion through', async () => {
    const registry = createRegistry([corePlugin]);
    const err = new Error('source broke');
    const s = new Subject<ReturnType<typeof frameOf>>();
    const seen = firstValueFrom(s.pipe(dissect(registry), toArray())).catch((e: unknown) => e);
    s.next(frames[0]!);
    s.error(err);
    expect(await seen).toBe(err);
  });

  it('ends a packet deeper than maxLayers in a failure at the first byte left, and refuses a bad value', () => {
    const registry = createRegistry([corePlugin]);
    let nested = udp(new Uint8Array(1), 1, 2);
    nested = ipv4(nested, { proto: 17 });
    for (let i = 0; i < 40; i++) nested = ipv4(nested, { proto: 4 });
    const stats = createDissectStats();
    const d = new FrameDissector(registry, { maxLayers: 10, stats });
    const p = d.dissect(frameOf(LinkType.RAW, nested));
    expect(p.layers.length).toBe(11);
    expect(p.layers.slice(0, 10).every((l) => l.protocol === 'ipv4')).toBe(true);
    expect(p.layers[10]).toMatchObject({ protocol: 'failure', code: 'ERR_DISSECT_TOO_DEEP', failedProtocol: 'ipv4', offset: 200 });
    expect(stats.failures).toEqual({ ERR_DISSECT_TOO_DEEP: 1 });
    const deep = new FrameDissector(registry).dissect(frameOf(LinkType.RAW, nested));
    expect(deep.layers.length).toBe(33);
    expect(deep.layers.at(-1)).toMatchObject({ code: 'ERR_DISSECT_TOO_DEEP', offset: 32 * 20 });
    // Exactly maxLayers layers is no failure.
    const exact = new FrameDissector(registry, { maxLayers: 42 }).dissect(frameOf(LinkType.RAW, nested));
    expect(exact.layers.map((l) => l.protocol).slice(-2)).toEqual(['ipv4', 'udp']);
    expect(() => new FrameDissector(registry, { maxLayers: 0 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
  });

  it('dissectTransient gives the layers dissect gives, in one reused packet and list', () => {
    const registry = createRegistry([corePlugin]);
    const frames = [
      frameOf(LinkType.ETHERNET, ethernet(ipv4(udp(new Uint8Array(3), 7, 8), { proto: 17 }))),
      frameOf(LinkType.RAW, ipv4(udp(new Uint8Array(1), 9, 10), { proto: 17 })),
      frameOf(LinkType.ETHERNET, new Uint8Array(5)),
      frameOf(999, new Uint8Array(5)),
    ];
    const a = new FrameDissector(registry);
    const b = new FrameDissector(registry);
    const first = b.dissectTransient(frames[0]!);
    const firstLayers = first.layers;
    for (const f of frames) {
      const held = a.dissect(f);
      const t = b.dissectTransient(f);
      expect(t).toBe(first);
      expect(t.layers).toBe(firstLayers);
      expect(t.frame).toBe(f);
      // Shorter and longer stacks alike: the list is exactly this packet's layers.
      expect(t.layers).toEqual(held.layers);
      expect(t.tunnel).toBe(held.tunnel);
    }
    expect(b.stats.packets).toBe(a.stats.packets + 1);
    expect(b.stats.protocols).toEqual({ ethernet: 2, ipv4: 3, udp: 3 });
    expect(b.stats.failures).toEqual({ ERR_ETHERNET_TRUNCATED: 1 });
  });

  it('throws a configuration error, not a packet error, when the core plugin is missing', () => {
    expect(() => new FrameDissector(new Registry())).toThrow(expect.objectContaining({ code: 'ERR_TABLE_UNKNOWN' }));
  });

  it('reports offsets in the frame even when the frame is a view into a larger buffer', () => {
    const bytes = ethernet(ipv4(udp(new Uint8Array(2), 7, 8), { proto: 17 }));
    const chunk = new Uint8Array(bytes.length + 100);
    chunk.set(bytes, 37);
    const p = new FrameDissector(createRegistry([corePlugin])).dissect(frameOf(LinkType.ETHERNET, chunk.subarray(37, 37 + bytes.length)));
    expect(p.layers.map((l) => l.offset)).toEqual([0, 14, 34]);
  });
});
