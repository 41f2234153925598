import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { corePlugin } from '../core-plugin.js';
import { FrameDissector } from '../dissect.js';
import type { DissectContext, PacketDissector } from '../dissector.js';
import { erspan3Dissector, erspanDissector } from '../erspan.js';
import { LinkType } from '../frame.js';
import { geneveDissector } from '../geneve.js';
import { greDissector } from '../gre.js';
import { gtpuDissector } from '../gtpu.js';
import { ipv4InIpDissector, ipv6InIpDissector } from '../ip-in-ip.js';
import type { Layer, Packet } from '../layer.js';
import { mplsDissector } from '../mpls.js';
import { pwEthCwDissector } from '../mpls-pw.js';
import { createRegistry } from '../plugin.js';
import { pppDissector } from '../ppp.js';
import { pppoeDissector } from '../pppoe.js';
import { vxlanDissector } from '../vxlan.js';
import { concat, ethernet, ipv4, ipv6, udp } from '../../../../test-support/packets.js';
import { frameOf } from './helpers.js';
import { erspan2, erspan3, geneve, gre, gtpu, innerFrame, innerIp, mpls, overIp, overUdp, pppoe, vxlan } from './tunnel-packets.js';

// Property tests: mutated tunnel headers never make a dissector throw; they end as failure layers
// with a stable code and an offset inside the frame, or decode as something else.

const registry = createRegistry([corePlugin]);
registry.addDecodeAs('mpls.label==17,pwethcw');
const dissectors: PacketDissector[] = [
  vxlanDissector,
  geneveDissector,
  gtpuDissector,
  greDissector,
  erspanDissector,
  erspan3Dissector,
  ipv4InIpDissector,
  ipv6InIpDissector,
  mplsDissector,
  pwEthCwDissector,
  pppoeDissector,
  pppDissector,
] as PacketDissector[];

/** Outer layers a dissector may find in its context (ERSPAN looks at the GRE header outside). */
const outers: (Layer | undefined)[][] = [
  [],
  [{ protocol: 'gre', offset: 0, headerLength: 4, payload: new Uint8Array(0), version: 0, flags: 0, etherType: 0x88be }],
  [{ protocol: 'gre', offset: 0, headerLength: 8, payload: new Uint8Array(0), version: 0, flags: 0x1000, etherType: 0x88be, sequence: 1 }],
  [{ protocol: 'udp', offset: 0, headerLength: 8, payload: new Uint8Array(0), srcPort: 1, dstPort: 2, length: 8, checksum: 0 }],
];

/** What every packet must be, however broken its bytes: see the property tests of fuzz.test.ts. */
function checkPacket(p: Packet): void {
  const failures = p.layers.filter((l) => l.protocol === 'failure');
  expect(failures.length).toBeLessThanOrEqual(1);
  for (const l of p.layers) {
    expect(l.offset).toBeGreaterThanOrEqual(0);
    if (l.protocol === 'failure') {
      expect(l).toBe(p.layers[p.layers.length - 1]);
      expect(l.code).toMatch(/^ERR_[A-Z0-9]+_[A-Z0-9_]+$/);
      // The offset points into the frame (or, after IP reassembly, into the joined datagram).
      expect(l.offset).toBeLessThanOrEqual(Math.max(p.frame.data.length, 65535));
    }
    for (const d of l.diagnostics ?? []) expect(d.code).toMatch(/^(ERR|WARN)_[A-Z0-9_]+$/);
  }
  if (p.tunnel !== undefined) expect(p.tunnel.split(' / ').length).toBeLessThanOrEqual(p.layers.length);
}

/** A valid packet of each tunnel, and the offset of its tunnel header (where mutations aim). */
const seeds: [Uint8Array, number][] = [
  [overUdp(4789, vxlan(42, innerFrame())), 42],
  [overUdp(6081, geneve(7, 0x6558, innerFrame(), Uint8Array.from([1, 2, 0x80, 1, 0, 0, 0, 0]))), 42],
  [overUdp(2152, gtpu(9, innerIp(), { seq: 1, extensions: [[0x85, [0x10, 9]], [0x32, [1, 2, 3, 4, 5, 6]]] })), 42],
  [overIp(47, gre(0x0800, innerIp(), { checksum: true, key: 5, seq: 1 })), 34],
  [overIp(47, gre(0x0800, innerIp(), { routes: [[0x0800, [1, 2, 3, 4]]] })), 34],
  [overIp(47, gre(0x88be, innerFrame())), 34],
  [overIp(47, gre(0x88be, erspan2(5, innerFrame()), { seq: 1 })), 34],
  [overIp(47, gre(0x22eb, erspan3(6, innerFrame(), { platform: true }), { seq: 1 })), 34],
  [overIp(4, innerIp()), 34],
  [overIp(41, ipv6(udp(new Uint8Array(3), 1, 2, '2001:db8::1', '2001:db8::2'), { next: 17 })), 34],
  [ethernet(ipv6(innerIp(), { next: 4 }), 0x86dd), 54],
  [ethernet(mpls([100, 200], innerIp()), 0x8847), 14],
  [ethernet(mpls([16, 17], concat(Uint8Array.from([0, 0, 0, 1]), innerFrame())), 0x8847), 14],
  [ethernet(pppoe(0x1234, 0x0021, innerIp()), 0x8864, { vlans: [{ tpid: 0x88a8, vid: 1 }] }), 18],
  [overIp(47, concat(Uint8Array.from([0x30, 0x81, 0x88, 0x0b, 0, 30, 0x40, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0xff, 0x03, 0, 0x21]), innerIp())), 34],
  [overIp(47, gre(0x0800, ipv4(udp(vxlan(42, innerFrame()), 1, 4789), { proto: 17 }), { key: 9 })), 34],
];

describe('property: tunnel headers never make a dissector throw', () => {
  it('seeds decode cleanly, each through its tunnel (so mutations start from real packets)', () => {
    const fd = new FrameDissector(registry);
    for (const [bytes] of seeds) {
      const p = fd.dissect(frameOf(LinkType.ETHERNET, bytes));
      expect(p.layers.some((l) => l.protocol === 'failure'), p.layers.map((l) => l.protocol).join('/')).toBe(false);
      const stack = p.layers.map((l) => l.protocol).join('/');
      expect(stack).toMatch(/ipv[46](\/udp)?$/);
      // Every tunnel names itself, except MPLS (labels differ by direction).
      expect(p.tunnel !== undefined || stack.includes('mpls'), stack).toBe(true);
    }
  });

  it('each tunnel dissector decodes random bytes into a layer or a failure inside the data', () => {
    fc.assert(
      fc.property(fc.constantFrom(...dissectors), fc.uint8Array({ maxLength: 120 }), fc.nat(1000), fc.constantFrom(...outers), (d, data, offset, layers) => {
        const ctx: DissectContext = { frame: frameOf(LinkType.ETHERNET, data), registry, state: { get: (_k, create) => create() }, offset, layers, depth: layers.length };
        const layer = d.decode(data, ctx);
        expect(layer.offset).toBeGreaterThanOrEqual(offset);
        if (layer.protocol === 'failure') expect(layer.offset).toBeLessThanOrEqual(offset + data.length);
        else {
          expect(layer.offset + layer.headerLength).toBeLessThanOrEqual(offset + data.length);
          d.next?.(layer as never, ctx);
          d.tunnel?.(layer as never, ctx);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('dissect() takes tunnel packets with their headers mutated, cut and extended', () => {
    const fd = new FrameDissector(registry, { fragments: { maxPending: 16, maxBufferedBytes: 64 * 1024 } });
    const mutation = fc.record({
      seed: fc.nat(seeds.length - 1),
      flips: fc.array(fc.tuple(fc.nat(40), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
      tail: fc.uint8Array({ maxLength: 24 }),
    });
    const codes = new Set<string>();
    fc.assert(
      fc.property(mutation, ({ seed, flips, cut, tail }) => {
        const [bytes, at] = seeds[seed]!;
        let data = concat(bytes, tail);
        // Aim at the tunnel header and the few bytes after it.
        for (const [i, v] of flips) data[(at + i) % data.length] = v;
        if (cut !== undefined) data = data.subarray(0, cut % (data.length + 1));
        const p = fd.dissect(frameOf(LinkType.ETHERNET, data));
        checkPacket(p);
        const f = p.layers.at(-1);
        if (f?.protocol === 'failure') codes.add(f.code);
      }),
      { numRuns: 8000 },
    );
    // The mutations reached the tunnels' own checks, not just the outer headers'.
    for (const code of ['ERR_VXLAN_BAD_FLAGS', 'ERR_GTPU_BAD_VERSION', 'ERR_GRE_BAD_VERSION', 'ERR_MPLS_TRUNCATED', 'ERR_PPPOE_BAD_VERSION', 'ERR_GENEVE_BAD_VERSION']) {
      expect([...codes]).toContain(code);
    }
  });

  it('nested tunnels of any depth end at the layer cap, never deeper', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('gre', 'vxlan', 'ipip', 'mpls'), { minLength: 1, maxLength: 40 }), fc.integer({ min: 2, max: 40 }), (stack, maxLayers) => {
        let bytes: Uint8Array = innerIp();
        for (const kind of stack) {
          if (kind === 'gre') bytes = ipv4(gre(0x0800, bytes, { key: 1 }), { proto: 47 });
          else if (kind === 'vxlan') bytes = ipv4(udp(vxlan(1, ethernet(bytes)), 1, 4789), { proto: 17 });
          else if (kind === 'ipip') bytes = ipv4(bytes, { proto: 4 });
          else bytes = ipv4(gre(0x8847, mpls([16], bytes)), { proto: 47 });
        }
        const p = new FrameDissector(registry, { maxLayers }).dissect(frameOf(LinkType.RAW, bytes));
        checkPacket(p);
        expect(p.layers.length).toBeLessThanOrEqual(maxLayers + 1);
        const f = p.layers.at(-1)!;
        if (p.layers.length === maxLayers + 1) expect(f).toMatchObject({ protocol: 'failure', code: 'ERR_DISSECT_TOO_DEEP' });
        else expect(f.protocol).not.toBe('failure');
      }),
      { numRuns: 500 },
    );
  });
});
