import { describe, expect, it } from 'vitest';
import { LinkType } from '../frame.js';
import { FragmentReassembler, createFragmentStats } from '../fragment-reassembler.js';
import { concat, ethernet, ipv4, ipv6, ipv6Fragment, udp } from '../../../../test-support/packets.js';
import { poisonMethod } from '../../../../test-support/poison.js';
import { frameOf, layerAt, names, poisonedCoreDissector } from './helpers.js';

const SEC = 1_000_000_000n;
const T0 = 1_700_000_000n * SEC;

/** A UDP datagram with a recognisable payload: byte i is i & 0xff. */
function datagram(size: number): Uint8Array {
  return udp(Uint8Array.from({ length: size }, (_, i) => i & 0xff), 4000, 53);
}

/** IPv4 fragments of `transport` at the given [offset, end) ranges (offsets multiples of 8). */
function v4Fragments(transport: Uint8Array, ranges: [number, number][], id = 77): Uint8Array[] {
  return ranges.map(([s, e]) =>
    ethernet(ipv4(transport.subarray(s, e), { proto: 17, id, fragOffset: s, moreFragments: e < transport.length })),
  );
}

describe('IPv4 fragment reassembly', () => {
  const transport = datagram(3000); // 3008 bytes of UDP
  const ranges: [number, number][] = [
    [0, 1480],
    [1480, 2960],
    [2960, 3008],
  ];

  it('reassembles fragments in order: stops on each until the last, which carries the datagram', () => {
    const d = poisonedCoreDissector();
    const frames = v4Fragments(transport, ranges);
    const packets = frames.map((f, i) => d.dissect(frameOf(LinkType.ETHERNET, f, T0 + BigInt(i))));
    expect(packets.map(names)).toEqual([['ethernet', 'ipv4'], ['ethernet', 'ipv4'], ['ethernet', 'ipv4', 'udp']]);
    expect(layerAt(packets[0]!, 1, 'ipv4')).toMatchObject({ fragment: true, moreFragments: true, fragmentOffset: 0 });
    const last = layerAt(packets[2]!, 1, 'ipv4');
    expect(last.reassembledFrom).toBe(3);
    expect(last.fragment).toBeUndefined();
    expect([...last.payload]).toEqual([...transport]);
    const u = layerAt(packets[2]!, 2, 'udp');
    expect(u.payload.length).toBe(3000);
    expect(u.offset).toBe(0); // in the joined buffer
    expect(d.stats.fragments).toMatchObject({ fragments: 3, reassembled: 1, pending: 0, bufferedBytes: 0, dropped: 0 });
    expect(d.stats.protocols.udp).toBe(1);
  });

  it('reassembles out of order', () => {
    const d = poisonedCoreDissector();
    const frames = v4Fragments(transport, ranges);
    const order = [2, 0, 1];
    const packets = order.map((i) => d.dissect(frameOf(LinkType.ETHERNET, frames[i]!, T0)));
    expect(packets.map((p) => p.layers.length)).toEqual([2, 2, 3]);
    expect([...layerAt(packets[2]!, 1, 'ipv4').payload]).toEqual([...transport]);
  });

  it('keeps the first copy of overlapping bytes and says so', () => {
    const d = poisonedCoreDissector();
    const first = ethernet(ipv4(transport.subarray(0, 1000), { proto: 17, id: 5, moreFragments: true }));
    // A second fragment overlapping [800, 1000) with different bytes, then the rest.
    const forged = Uint8Array.from(transport.subarray(800, 2000)).fill(0xee, 0, 200);
    const second = ethernet(ipv4(forged, { proto: 17, id: 5, fragOffset: 800, moreFragments: true }));
    const third = ethernet(ipv4(transport.subarray(2000), { proto: 17, id: 5, fragOffset: 2000 }));
    d.dissect(frameOf(LinkType.ETHERNET, first, T0));
    const p2 = d.dissect(frameOf(LinkType.ETHERNET, second, T0));
    expect(layerAt(p2, 1, 'ipv4').diagnostics?.[0]).toMatchObject({ code: 'WARN_FRAGMENT_OVERLAP' });
    const p3 = d.dissect(frameOf(LinkType.ETHERNET, third, T0));
    expect([...layerAt(p3, 1, 'ipv4').payload]).toEqual([...transport]);
    expect(d.stats.fragments.overlapBytes).toBe(200);
  });

  it('handles a fragment that fills a hole between two others and duplicates', () => {
    const d = poisonedCoreDissector();
    const f = v4Fragments(transport, [
      [0, 800],
      [1600, 3008],
      [0, 800],
      [400, 2000],
    ]);
    const ps = f.map((x) => d.dissect(frameOf(LinkType.ETHERNET, x, T0)));
    expect(ps.map((p) => p.layers.length)).toEqual([2, 2, 2, 3]);
    expect([...layerAt(ps[3]!, 1, 'ipv4').payload]).toEqual([...transport]);
    expect(layerAt(ps[3]!, 1, 'ipv4').reassembledFrom).toBe(3);
  });

  it('keeps datagrams apart by (src, dst, proto, id)', () => {
    const d = poisonedCoreDissector();
    const a = v4Fragments(transport, ranges, 1);
    const b = v4Fragments(transport, ranges, 2);
    const p = [a[0], b[0], a[1], b[1], b[2], a[2]].map((x) => d.dissect(frameOf(LinkType.ETHERNET, x!, T0)));
    expect(p.map((x) => x.layers.length)).toEqual([2, 2, 2, 2, 3, 3]);
    expect(d.stats.fragments.reassembled).toBe(2);
  });

  it('leaves a datagram that never completes pending, and drops it once its timeout passes in packet time', () => {
    const d = poisonedCoreDissector({ fragments: { timeoutNs: 30n * SEC } });
    const f = v4Fragments(transport, ranges);
    d.dissect(frameOf(LinkType.ETHERNET, f[0]!, T0));
    expect(d.stats.fragments).toMatchObject({ pending: 1, bufferedBytes: 1480 });
    // 31 s later (packet time) the first fragment has expired: the rest cannot complete it.
    d.dissect(frameOf(LinkType.ETHERNET, f[1]!, T0 + 31n * SEC));
    expect(d.stats.fragments).toMatchObject({ dropped: 1, timedOut: 1, pending: 1 });
    const p = d.dissect(frameOf(LinkType.ETHERNET, f[2]!, T0 + 32n * SEC));
    expect(layerAt(p, 1, 'ipv4').fragment).toBe(true);
    expect(d.stats.fragments.reassembled).toBe(0);
  });

  it('completes within the timeout', () => {
    const d = poisonedCoreDissector({ fragments: { timeoutNs: 30n * SEC } });
    const f = v4Fragments(transport, ranges);
    d.dissect(frameOf(LinkType.ETHERNET, f[0]!, T0));
    d.dissect(frameOf(LinkType.ETHERNET, f[1]!, T0 + 29n * SEC));
    expect(names(d.dissect(frameOf(LinkType.ETHERNET, f[2]!, T0 + 30n * SEC)))).toEqual(['ethernet', 'ipv4', 'udp']);
  });

  it('drops fragments past 65535 bytes, and datagrams over the pending and byte caps', () => {
    const d = poisonedCoreDissector({ fragments: { maxPending: 2, maxBufferedBytes: 4000 } });
    const big = ethernet(ipv4(new Uint8Array(200), { proto: 17, id: 9, fragOffset: 65528 - 200 + 8, moreFragments: true }));
    const p = d.dissect(frameOf(LinkType.ETHERNET, big, T0));
    expect(layerAt(p, 1, 'ipv4')).toMatchObject({ fragment: true });
    expect(layerAt(p, 1, 'ipv4').diagnostics?.[0]?.code).toBe('WARN_FRAGMENT_DROPPED');
    for (let id = 100; id < 105; id++) {
      d.dissect(frameOf(LinkType.ETHERNET, ethernet(ipv4(new Uint8Array(1000), { proto: 17, id, moreFragments: true })), T0));
      expect(d.stats.fragments.pending).toBeLessThanOrEqual(2);
    }
    expect(d.stats.fragments.dropped).toBe(3);
    d.dissect(frameOf(LinkType.ETHERNET, ethernet(ipv4(new Uint8Array(3500), { proto: 17, id: 200, moreFragments: true })), T0));
    expect(d.stats.fragments.bufferedBytes).toBeLessThanOrEqual(4000);
    expect(d.stats.fragments.pending).toBe(1);
  });

  it('drops a datagram whose fragments disagree on its end', () => {
    const d = poisonedCoreDissector();
    const a = ethernet(ipv4(new Uint8Array(16), { proto: 17, id: 3, fragOffset: 16 }));
    const b = ethernet(ipv4(new Uint8Array(16), { proto: 17, id: 3, fragOffset: 24 }));
    d.dissect(frameOf(LinkType.ETHERNET, a, T0));
    const p = d.dissect(frameOf(LinkType.ETHERNET, b, T0));
    expect(layerAt(p, 1, 'ipv4').diagnostics?.[0]?.code).toBe('WARN_FRAGMENT_DROPPED');
    expect(d.stats.fragments).toMatchObject({ dropped: 1, pending: 0, bufferedBytes: 0 });
  });

  it('keeps a snaplen-cut fragment out of the reassembly', () => {
    const d = poisonedCoreDissector();
    const f = v4Fragments(transport, ranges);
    const p = d.dissect(frameOf(LinkType.ETHERNET, f[0]!.subarray(0, 200), T0, f[0]!.length));
    expect(layerAt(p, 1, 'ipv4').fragment).toBe(true);
    expect(d.stats.fragments.pending).toBe(0);
  });

  it('keeps reassembly state per dissector (per subscription)', () => {
    const f = v4Fragments(transport, ranges);
    const a = poisonedCoreDissector();
    const b = poisonedCoreDissector();
    a.dissect(frameOf(LinkType.ETHERNET, f[0]!, T0));
    a.dissect(frameOf(LinkType.ETHERNET, f[1]!, T0));
    expect(b.dissect(frameOf(LinkType.ETHERNET, f[2]!, T0)).layers.length).toBe(2);
    expect(a.dissect(frameOf(LinkType.ETHERNET, f[2]!, T0)).layers.length).toBe(3);
  });
});

describe('IPv6 fragment reassembly', () => {
  const transport = udp(Uint8Array.from({ length: 2500 }, (_, i) => (i * 7) & 0xff), 4000, 53, '2001:db8::1', '2001:db8::2');
  /** An IPv6 packet with the fragment header (after optional `before` extension headers). */
  function v6Fragment(s: number, e: number, id = 0xabcdef01, before?: Uint8Array): Uint8Array {
    const frag = ipv6Fragment(17, s, e < transport.length, id);
    if (!before) return ethernet(ipv6(concat(frag, transport.subarray(s, e)), { next: 44 }), 0x86dd);
    return ethernet(ipv6(concat(before, frag, transport.subarray(s, e)), { next: 0 }), 0x86dd);
  }

  it('reassembles in and out of order, keyed by (src, dst, id)', () => {
    const d = poisonedCoreDissector();
    const p1 = d.dissect(frameOf(LinkType.ETHERNET, v6Fragment(1232, 2508), T0));
    expect(layerAt(p1, 1, 'ipv6')).toMatchObject({ fragment: true, nextProtocol: 17 });
    expect(layerAt(p1, 1, 'ipv6').extensions).toEqual([{ type: 44, offset: 40, length: 8 }]);
    const p2 = d.dissect(frameOf(LinkType.ETHERNET, v6Fragment(0, 1232), T0));
    expect(names(p2)).toEqual(['ethernet', 'ipv6', 'udp']);
    const ip = layerAt(p2, 1, 'ipv6');
    expect(ip.reassembledFrom).toBe(2);
    expect([...ip.payload]).toEqual([...transport]);
    expect(layerAt(p2, 2, 'udp').payload.length).toBe(2500);
  });

  it('walks the unfragmentable part before the fragment header', () => {
    const hbh = Uint8Array.from([44, 0, 1, 4, 0, 0, 0, 0]); // hop-by-hop, PadN
    const d = poisonedCoreDissector();
    d.dissect(frameOf(LinkType.ETHERNET, v6Fragment(0, 1232, 1, hbh), T0));
    const p = d.dissect(frameOf(LinkType.ETHERNET, v6Fragment(1232, 2508, 1, hbh), T0));
    const ip = layerAt(p, 1, 'ipv6');
    expect(ip.extensions.map((e) => e.type)).toEqual([0, 44]);
    expect([...ip.payload]).toEqual([...transport]);
  });

  it('walks extension headers inside the reassembled payload', () => {
    const dest = Uint8Array.from([17, 0, 1, 4, 0, 0, 0, 0]); // destination options → UDP
    const inner = concat(dest, transport);
    const f1 = ethernet(ipv6(concat(ipv6Fragment(60, 0, true, 9), inner.subarray(0, 1000)), { next: 44 }), 0x86dd);
    const f2 = ethernet(ipv6(concat(ipv6Fragment(60, 1000, false, 9), inner.subarray(1000)), { next: 44 }), 0x86dd);
    const d = poisonedCoreDissector();
    d.dissect(frameOf(LinkType.ETHERNET, f1, T0));
    const p = d.dissect(frameOf(LinkType.ETHERNET, f2, T0));
    expect(names(p)).toEqual(['ethernet', 'ipv6', 'udp']);
    const ip = layerAt(p, 1, 'ipv6');
    expect(ip.extensions.map((e) => [e.type, e.offset])).toEqual([
      [44, 40],
      [60, 48],
    ]);
    expect(ip.nextProtocol).toBe(17);
    expect([...ip.payload]).toEqual([...transport]);
  });

  it('decodes an atomic fragment (offset 0, M = 0) in place', () => {
    const d = poisonedCoreDissector();
    const atomic = ethernet(ipv6(concat(ipv6Fragment(17, 0, false, 5), transport), { next: 44 }), 0x86dd);
    const p = d.dissect(frameOf(LinkType.ETHERNET, atomic, T0));
    expect(names(p)).toEqual(['ethernet', 'ipv6', 'udp']);
    expect(layerAt(p, 1, 'ipv6').reassembledFrom).toBeUndefined();
    expect(d.stats.fragments.fragments).toBe(0);
  });

  it('times out in packet time like IPv4', () => {
    const d = poisonedCoreDissector({ fragments: { timeoutNs: 60n * SEC } });
    d.dissect(frameOf(LinkType.ETHERNET, v6Fragment(0, 1232), T0));
    const p = d.dissect(frameOf(LinkType.ETHERNET, v6Fragment(1232, 2508), T0 + 61n * SEC));
    expect(layerAt(p, 1, 'ipv6').fragment).toBe(true);
    expect(d.stats.fragments.timedOut).toBe(1);
  });
});

describe('FragmentReassembler alone', () => {
  it('never holds more than its caps, whatever arrives', () => {
    const stats = createFragmentStats();
    const r = poisonMethod(new FragmentReassembler({ maxPending: 8, maxBufferedBytes: 10_000 }, stats), 'add', 3);
    for (let i = 0; i < 2000; i++) {
      const len = (i * 37) % 1500;
      r.add(`k${i % 50}`, ((i * 13) % 60) * 8, i % 3 !== 0, new Uint8Array(len), T0 + BigInt(i));
      expect(r.pending).toBeLessThanOrEqual(8);
      expect(r.bufferedBytes).toBeLessThanOrEqual(10_000);
      expect(stats.bufferedBytes).toBe(r.bufferedBytes);
      expect(stats.pending).toBe(r.pending);
    }
  });

  it('copies fragment bytes: later writes to the source buffer do not change the datagram', () => {
    const r = poisonMethod(new FragmentReassembler(), 'add', 3); // each fragment's bytes poisoned once add() returns
    const buf = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    r.add('k', 0, true, buf, T0);
    buf.fill(0);
    const res = r.add('k', 8, false, Uint8Array.from([9]), T0);
    expect(res.status).toBe('complete');
    if (res.status === 'complete') expect([...res.data]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
