import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nullDissector, loopDissector } from '../bsd-loopback.js';
import { corePlugin } from '../core-plugin.js';
import { FrameDissector } from '../dissect.js';
import type { DissectContext, PacketDissector } from '../dissector.js';
import { ethernetDissector } from '../ethernet.js';
import { LinkType } from '../frame.js';
import { ipv4Dissector } from '../ipv4.js';
import { ipv6Dissector } from '../ipv6.js';
import type { Packet } from '../layer.js';
import { createRegistry } from '../plugin.js';
import { rawIpDissector } from '../raw-ip.js';
import { sll2Dissector, sllDissector } from '../sll.js';
import { udpDissector } from '../udp.js';
import { vlanDissector } from '../vlan.js';
import { bsdLoopback, concat, ethernet, ipv4, ipv6, ipv6Fragment, sll, sll2, tcp, udp } from '../../../../test-support/packets.js';
import { frameOf } from './helpers.js';

const registry = createRegistry([corePlugin]);
const dissectors: PacketDissector[] = [
  ethernetDissector,
  vlanDissector,
  sllDissector,
  sll2Dissector,
  nullDissector,
  loopDissector,
  rawIpDissector,
  ipv4Dissector,
  ipv6Dissector,
  udpDissector,
] as PacketDissector[];
const linkTypes = Object.values(LinkType);

/** Every layer is a view within the frame (or a reassembled buffer no larger than 65535). */
function checkPacket(p: Packet): void {
  for (const l of p.layers) {
    expect(l.offset).toBeGreaterThanOrEqual(0);
    expect(l.payload.length).toBeLessThanOrEqual(Math.max(p.frame.data.length, 65535));
    if (l.protocol === 'failure') expect(l.code).toMatch(/^ERR_[A-Z0-9]+_[A-Z0-9_]+$/);
    for (const d of l.diagnostics ?? []) expect(d.code).toMatch(/^(ERR|WARN)_[A-Z0-9_]+$/);
  }
  const failures = p.layers.filter((l) => l.protocol === 'failure');
  expect(failures.length).toBeLessThanOrEqual(1);
  if (failures.length === 1) expect(p.layers[p.layers.length - 1]!.protocol).toBe('failure');
}

/** Valid packets of every link type and IP case, as seeds for mutation. */
const seeds: [number, Uint8Array][] = (() => {
  const u4 = udp(Uint8Array.from([1, 2, 3, 4, 5]), 1000, 53);
  const t4 = tcp(new Uint8Array(10), { srcPort: 1, dstPort: 2, seq: 1 });
  const v4 = ipv4(u4, { proto: 17, options: Uint8Array.from([1, 1, 1, 0]) });
  const frag4 = ipv4(u4.subarray(0, 8), { proto: 17, id: 3, moreFragments: true });
  const u6 = udp(new Uint8Array(6), 5, 6, '2001:db8::1', '2001:db8::2');
  const v6 = ipv6(concat(Uint8Array.from([60, 0, 1, 4, 0, 0, 0, 0]), Uint8Array.from([17, 0, 1, 4, 0, 0, 0, 0]), u6), { next: 0 });
  const frag6 = ipv6(concat(ipv6Fragment(17, 0, true, 9), u6), { next: 44 });
  return [
    [LinkType.ETHERNET, ethernet(v4)],
    [LinkType.ETHERNET, ethernet(ipv4(t4), 0x0800, { vlans: [{ tpid: 0x88a8, vid: 1 }, { tpid: 0x8100, vid: 2 }] })],
    [LinkType.ETHERNET, ethernet(concat(Uint8Array.from([0xaa, 0xaa, 3, 0, 0, 0, 0x86, 0xdd]), v6), v6.length + 8)],
    [LinkType.ETHERNET, ethernet(frag4)],
    [LinkType.LINUX_SLL, sll(v6, 0x86dd)],
    [LinkType.LINUX_SLL2, sll2(frag6, 0x86dd)],
    [LinkType.NULL, bsdLoopback(v4, 2)],
    [LinkType.NULL, bsdLoopback(v6, 30, true)],
    [LinkType.LOOP, bsdLoopback(v6, 24, true)],
    [LinkType.RAW, v4],
    [LinkType.IPV4, ipv4(v4, { proto: 4 })],
    [LinkType.IPV6, frag6],
  ];
})();

describe('property: no input makes a dissector throw', () => {
  it('each dissector decodes random bytes into a layer or a failure', () => {
    fc.assert(
      fc.property(fc.constantFrom(...dissectors), fc.uint8Array({ maxLength: 300 }), fc.nat(1000), (d, data, offset) => {
        // A context as dissect() gives, at an arbitrary offset.
        const ctx: DissectContext = { frame: frameOf(LinkType.ETHERNET, data), registry, state: { get: (_k, create) => create() }, offset };
        const layer = d.decode(data, ctx);
        expect(layer.offset).toBeGreaterThanOrEqual(offset);
        if (layer.protocol !== 'failure' && d.next) d.next(layer as never, ctx);
      }),
      { numRuns: 3000 },
    );
  });

  it('dissect() takes random bytes under every link type', () => {
    const fd = new FrameDissector(registry);
    fc.assert(
      fc.property(fc.constantFrom(...linkTypes), fc.uint8Array({ maxLength: 400 }), (lt, data) => {
        checkPacket(fd.dissect(frameOf(lt, data)));
      }),
      { numRuns: 3000 },
    );
  });

  it('dissect() takes valid packets with bytes flipped, cut and appended', () => {
    const fd = new FrameDissector(registry, { fragments: { maxPending: 16, maxBufferedBytes: 64 * 1024 } });
    const mutation = fc.record({
      seed: fc.nat(seeds.length - 1),
      flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
      tail: fc.uint8Array({ maxLength: 40 }),
    });
    fc.assert(
      fc.property(mutation, ({ seed, flips, cut, tail }) => {
        const [lt, bytes] = seeds[seed]!;
        let data = concat(bytes, tail);
        for (const [at, v] of flips) data[at % data.length] = v;
        if (cut !== undefined) data = data.subarray(0, cut % (data.length + 1));
        checkPacket(fd.dissect(frameOf(lt, data)));
        expect(fd.stats.fragments.pending).toBeLessThanOrEqual(32);
      }),
      { numRuns: 5000 },
    );
  });

  it('seeds decode cleanly before mutation (so the mutations start from real packets)', () => {
    const fd = new FrameDissector(registry);
    for (const [lt, bytes] of seeds) {
      const p = fd.dissect(frameOf(lt, bytes));
      expect(p.layers.some((l) => l.protocol === 'failure')).toBe(false);
      expect(p.layers.some((l) => l.protocol === 'ipv4' || l.protocol === 'ipv6')).toBe(true);
    }
  });
});

describe('property: fragment caps hold under any fragment storm', () => {
  it('pending datagrams and buffered bytes stay under their caps; reassembled payloads are whole', () => {
    const fragment = fc.record({
      v6: fc.boolean(),
      id: fc.nat(7),
      src: fc.nat(2),
      offset8: fc.nat(8191),
      len: fc.integer({ min: 0, max: 1500 }),
      more: fc.boolean(),
      dt: fc.nat(5_000_000_000),
    });
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 120 }), (storm) => {
        const caps = { maxPending: 4, maxBufferedBytes: 8000, timeoutNs: 10_000_000_000n };
        const fd = new FrameDissector(registry, { fragments: caps });
        let ts = 1_700_000_000_000_000_000n;
        for (const f of storm) {
          ts += BigInt(f.dt);
          const body = new Uint8Array(f.len).fill(f.id);
          const offset = f.offset8 * 8;
          const bytes = f.v6
            ? ipv6(concat(ipv6Fragment(17, offset, f.more, f.id), body), { next: 44, src: `2001:db8::${f.src}` })
            : ipv4(body, { proto: 17, id: f.id, fragOffset: offset, moreFragments: f.more, src: `10.0.0.${f.src}` });
          const p = fd.dissect(frameOf(LinkType.RAW, bytes, ts));
          checkPacket(p);
          const ip = p.layers[0];
          if (ip && (ip.protocol === 'ipv4' || ip.protocol === 'ipv6') && ip.reassembledFrom !== undefined) {
            expect(ip.payload.length).toBeLessThanOrEqual(65535);
          }
          // Each of IPv4 and IPv6 has its own reassembler with these caps.
          expect(fd.stats.fragments.pending).toBeLessThanOrEqual(2 * caps.maxPending);
          expect(fd.stats.fragments.bufferedBytes).toBeLessThanOrEqual(2 * caps.maxBufferedBytes);
          expect(fd.stats.fragments.bufferedBytes).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 300 },
    );
  });
});
