import { describe, expect, it } from 'vitest';
import { corePlugin } from '../core-plugin.js';
import { FrameDissector } from '../dissect.js';
import { LinkType } from '../frame.js';
import type { Packet } from '../layer.js';
import { createRegistry } from '../plugin.js';
import { concat, ethernet, ipv4, ipv6, udp } from '../../../../test-support/packets.js';
import { coreDissector, frameOf, layerAt, names } from './helpers.js';
import { erspan2, erspan3, geneve, gre, gtpu, innerFrame, innerIp, mpls, overIp, overUdp, pppoe, vxlan } from './tunnel-packets.js';

// Each encapsulation on hand-built bytes: its fields, what comes after it, the tunnel it names,
// and each way its header can be wrong as a failure layer with a code and the offset of the problem.

const one = (bytes: Uint8Array, rules: string[] = []): Packet => {
  const registry = createRegistry([corePlugin]);
  for (const r of rules) registry.addDecodeAs(r);
  return new FrameDissector(registry).dissect(frameOf(LinkType.ETHERNET, bytes));
};
const last = (p: Packet) => p.layers[p.layers.length - 1]!;
/** Offset of a UDP tunnel header in overUdp()'s frames: Ethernet, IPv4, UDP. */
const AT_UDP = 14 + 20 + 8;
/** Offset of an IP protocol's header in overIp()'s frames. */
const AT_IP = 14 + 20;

describe('VXLAN', () => {
  it('decodes the VNI, the inner frame through 0x6558, and names the tunnel by VNI', () => {
    const p = one(overUdp(4789, vxlan(0x123456, innerFrame())));
    expect(names(p)).toEqual(['ethernet', 'ipv4', 'udp', 'vxlan', 'ethernet', 'ipv4']);
    expect(layerAt(p, 3, 'vxlan')).toMatchObject({ vni: 0x123456, flags: 0x08, offset: AT_UDP, headerLength: 8 });
    expect(layerAt(p, 5, 'ipv4').src).toBe('10.0.0.1');
    expect(p.tunnel).toBe('vxlan vni 1193046');
  });

  it('fails on a clear I flag and on a short header, at the header', () => {
    expect(last(one(overUdp(4789, vxlan(42, innerFrame(), 0x00))))).toMatchObject({ code: 'ERR_VXLAN_BAD_FLAGS', offset: AT_UDP, failedProtocol: 'vxlan' });
    expect(last(one(overUdp(4789, new Uint8Array(7))))).toMatchObject({ code: 'ERR_VXLAN_TRUNCATED', offset: AT_UDP });
  });

  it('ignores reserved bits (RFC 7348 §5) and decodes on another port by a decode-as rule', () => {
    expect(one(overUdp(4789, vxlan(1, innerFrame(), 0x88))).tunnel).toBe('vxlan vni 1');
    const bytes = overUdp(8472, vxlan(7, innerFrame()));
    expect(names(one(bytes))).toEqual(['ethernet', 'ipv4', 'udp']);
    expect(one(bytes, ['udp.port==8472,vxlan'])).toMatchObject({ tunnel: 'vxlan vni 7' });
  });
});

describe('Geneve', () => {
  it('skips options by their length and follows the protocol type', () => {
    const opts = Uint8Array.from([1, 2, 0x80, 1, 9, 9, 9, 9]);
    const p = one(overUdp(6081, geneve(99, 0x0800, innerIp(), opts)));
    expect(names(p)).toEqual(['ethernet', 'ipv4', 'udp', 'geneve', 'ipv4']);
    expect(layerAt(p, 3, 'geneve')).toMatchObject({ vni: 99, etherType: 0x0800, headerLength: 16, oam: false });
    expect([...layerAt(p, 3, 'geneve').options]).toEqual([...opts]);
    expect(p.tunnel).toBe('geneve vni 99');
    expect(names(one(overUdp(6081, geneve(1, 0x6558, innerFrame()))))).toEqual(['ethernet', 'ipv4', 'udp', 'geneve', 'ethernet', 'ipv4']);
  });

  it('fails on another version and on options longer than the packet', () => {
    expect(last(one(overUdp(6081, geneve(1, 0x6558, innerFrame(), undefined, 1))))).toMatchObject({ code: 'ERR_GENEVE_BAD_VERSION', offset: AT_UDP });
    const longOptions = Uint8Array.from([0x3f, 0, 0x65, 0x58, 0, 0, 1, 0, 1, 2, 3]);
    expect(last(one(overUdp(6081, longOptions)))).toMatchObject({ code: 'ERR_GENEVE_TRUNCATED', offset: AT_UDP });
  });
});

describe('GTP-U', () => {
  it('walks chained extension headers by their length and decodes the T-PDU by its first nibble', () => {
    const bytes = overUdp(2152, gtpu(0xdeadbeef, innerIp(), { seq: 7, extensions: [[0x85, [0x10, 9]], [0x32, [1, 2, 3, 4, 5, 6]]] }));
    const p = one(bytes);
    expect(names(p)).toEqual(['ethernet', 'ipv4', 'udp', 'gtpu', 'ipv4']);
    expect(layerAt(p, 3, 'gtpu')).toMatchObject({ teid: 0xdeadbeef, messageType: 255, sequence: 7, extensions: [0x85, 0x32], headerLength: 12 + 4 + 8 });
    expect(p.tunnel).toBe('gtp-u');
    const six = one(overUdp(2152, gtpu(1, ipv6(udp(new Uint8Array(2), 1, 2, '2001:db8::1', '2001:db8::2'), { next: 17 }))));
    expect(names(six)).toEqual(['ethernet', 'ipv4', 'udp', 'gtpu', 'ipv6', 'udp']);
  });

  it('decodes only T-PDUs further; the length field cuts padding and flags a short capture', () => {
    expect(names(one(overUdp(2152, gtpu(0, Uint8Array.from([0, 1, 0, 0]), { type: 1, seq: 1 }))))).toEqual(['ethernet', 'ipv4', 'udp', 'gtpu']);
    const inner = innerIp();
    const padded = one(overUdp(2152, concat(gtpu(5, inner), new Uint8Array(6))));
    expect(layerAt(padded, 3, 'gtpu').payload.length).toBe(inner.length);
    const short = one(overUdp(2152, gtpu(5, inner, { length: inner.length + 10 })));
    expect(layerAt(short, 3, 'gtpu').diagnostics).toEqual([expect.objectContaining({ code: 'WARN_GTPU_TRUNCATED', offset: AT_UDP + 2 })]);
  });

  it("fails on version 2, on GTP', on an extension header of length 0 or past the end, at its offset", () => {
    expect(last(one(overUdp(2152, gtpu(1, innerIp(), { flags: 0x50 }))))).toMatchObject({ code: 'ERR_GTPU_BAD_VERSION', offset: AT_UDP });
    expect(last(one(overUdp(2152, gtpu(1, innerIp(), { flags: 0x20 }))))).toMatchObject({ code: 'ERR_GTPU_BAD_VERSION', offset: AT_UDP });
    const zero = gtpu(1, innerIp(), { extensions: [[0x85, [0x10, 9]]] });
    zero[12] = 0; // the extension header's length
    expect(last(one(overUdp(2152, zero)))).toMatchObject({ code: 'ERR_GTPU_BAD_EXTENSION', offset: AT_UDP + 12 });
    const long = gtpu(1, new Uint8Array(0), { extensions: [[0x85, [0x10, 9]]] });
    long[12] = 5;
    expect(last(one(overUdp(2152, long)))).toMatchObject({ code: 'ERR_GTPU_TRUNCATED', offset: AT_UDP + 12 });
    expect(last(one(overUdp(2152, Uint8Array.from([0x32, 255, 0, 2, 0, 0, 0, 1, 0, 0]))))).toMatchObject({ code: 'ERR_GTPU_TRUNCATED', offset: AT_UDP + 8 });
  });
});

describe('GRE', () => {
  it('reads checksum, key and sequence, verifies the checksum, and names the tunnel by key', () => {
    const p = one(overIp(47, gre(0x0800, innerIp(), { checksum: true, key: 77, seq: 3 })));
    expect(names(p)).toEqual(['ethernet', 'ipv4', 'gre', 'ipv4']);
    expect(layerAt(p, 2, 'gre')).toMatchObject({ version: 0, key: 77, sequence: 3, checksumValid: true, etherType: 0x0800, headerLength: 16 });
    expect(p.tunnel).toBe('gre key 77');
    expect(one(overIp(47, gre(0x86dd, ipv6(new Uint8Array(0), { next: 59 })))).tunnel).toBe('gre');
  });

  it('walks RFC 1701 source route entries, and caps them', () => {
    const p = one(overIp(47, gre(0x0800, innerIp(), { routes: [[0x0800, [1, 2, 3, 4]]] })));
    expect(names(p)).toEqual(['ethernet', 'ipv4', 'gre', 'ipv4']);
    expect(layerAt(p, 2, 'gre').headerLength).toBe(4 + 4 + 8 + 4);
    const many = gre(0x0800, innerIp(), { routes: Array.from({ length: 20 }, () => [0x0800, [1, 2, 3, 4]] as [number, number[]]) });
    expect(last(one(overIp(47, many)))).toMatchObject({ code: 'ERR_GRE_BAD_ROUTING' });
  });

  it('fails on version 2 and on optional fields cut off, at the field', () => {
    expect(last(one(overIp(47, gre(0x0800, innerIp(), { version: 2 }))))).toMatchObject({ code: 'ERR_GRE_BAD_VERSION', offset: AT_IP + 1 });
    expect(last(one(overIp(47, Uint8Array.from([0x20, 0, 8, 0, 1, 2]))))).toMatchObject({ code: 'ERR_GRE_TRUNCATED', offset: AT_IP + 4 });
    expect(last(one(overIp(47, Uint8Array.from([0x30, 0, 8, 0, 1, 2, 3, 4, 5]))))).toMatchObject({ code: 'ERR_GRE_TRUNCATED', offset: AT_IP + 8 });
  });

  it('checks the checksum only on a packet captured whole', () => {
    const bytes = overIp(47, gre(0x0800, innerIp('hello'), { checksum: true }));
    bytes[bytes.length - 1]! ^= 1;
    expect(layerAt(one(bytes), 2, 'gre')).toMatchObject({ checksumValid: false, diagnostics: [expect.objectContaining({ code: 'WARN_GRE_BAD_CHECKSUM' })] });
    const cut = new FrameDissector(createRegistry([corePlugin])).dissect(frameOf(LinkType.ETHERNET, bytes.subarray(0, bytes.length - 3), undefined, bytes.length));
    expect(layerAt(cut, 2, 'gre').checksumValid).toBeUndefined();
  });
});

describe('ERSPAN', () => {
  it('type I: no header after a GRE header without sequence number; no tunnel of its own', () => {
    const p = one(overIp(47, gre(0x88be, innerFrame())));
    expect(names(p)).toEqual(['ethernet', 'ipv4', 'gre', 'erspan', 'ethernet', 'ipv4']);
    expect(layerAt(p, 3, 'erspan')).toMatchObject({ type: 1, headerLength: 0 });
    expect(p.tunnel).toBe('gre');
  });

  it('type II: version 1 header after a GRE sequence number; the session names the tunnel', () => {
    const p = one(overIp(47, gre(0x88be, erspan2(0x3ff, innerFrame()), { seq: 1 })));
    expect(layerAt(p, 3, 'erspan')).toMatchObject({ type: 2, sessionId: 0x3ff, index: 7, headerLength: 8 });
    expect(p.tunnel).toBe('gre / erspan session 1023');
    expect(last(one(overIp(47, gre(0x88be, erspan2(1, innerFrame(), 2), { seq: 1 }))))).toMatchObject({ code: 'ERR_ERSPAN_BAD_VERSION', offset: AT_IP + 8 });
    expect(last(one(overIp(47, gre(0x88be, Uint8Array.from([0x10, 0, 0]), { seq: 1 }))))).toMatchObject({ code: 'ERR_ERSPAN_TRUNCATED', offset: AT_IP + 8 });
  });

  it('type III: version 2, the platform subheader when O is set, an IP frame type', () => {
    const p = one(overIp(47, gre(0x22eb, erspan3(6, innerFrame(), { platform: true }), { seq: 1 })));
    expect(layerAt(p, 3, 'erspan')).toMatchObject({ type: 3, sessionId: 6, headerLength: 20, frameType: 0 });
    expect(names(p).slice(4)).toEqual(['ethernet', 'ipv4']);
    expect(names(one(overIp(47, gre(0x22eb, erspan3(6, innerIp(), { frameType: 2 }), { seq: 1 })))).slice(3)).toEqual(['erspan', 'ipv4']);
    expect(last(one(overIp(47, gre(0x22eb, erspan3(6, new Uint8Array(0), { platform: true }).subarray(0, 15), { seq: 1 }))))).toMatchObject({ code: 'ERR_ERSPAN_TRUNCATED', offset: AT_IP + 8 + 12 });
    expect(last(one(overIp(47, gre(0x22eb, erspan3(6, innerFrame(), { version: 1 }), { seq: 1 }))))).toMatchObject({ code: 'ERR_ERSPAN_BAD_VERSION' });
  });
});

describe('IP in IP', () => {
  it('names 4in4, 6in4, 4in6 and 6in6 by the headers, not by the outer addresses', () => {
    const inner6 = ipv6(udp(new Uint8Array(1), 1, 2, '2001:db8::1', '2001:db8::2'), { next: 17 });
    expect(one(overIp(4, innerIp())).tunnel).toBe('4in4');
    expect(one(overIp(41, inner6)).tunnel).toBe('6in4');
    expect(one(ethernet(ipv6(innerIp(), { next: 4 }), 0x86dd)).tunnel).toBe('4in6');
    expect(one(ethernet(ipv6(inner6, { next: 41 }), 0x86dd)).tunnel).toBe('6in6');
    // The reverse direction, with other outer addresses, is the same tunnel.
    expect(one(overIp(4, innerIp(), '192.0.2.9', '192.0.2.1')).tunnel).toBe('4in4');
  });

  it('keeps fragments of the same inner datagram id apart when they come through different tunnels', () => {
    const d = coreDissector();
    const transport = udp(Uint8Array.from({ length: 40 }, (_, i) => i), 5, 6);
    const frag = (off: number, more: boolean, data: Uint8Array) => ipv4(data, { proto: 17, id: 9, fragOffset: off, moreFragments: more });
    const head = frag(0, true, transport.subarray(0, 24));
    const tail = frag(24, false, transport.subarray(24));
    // Tenant A's first fragment, then tenant B's last: they must not join.
    const a1 = d.dissect(frameOf(LinkType.ETHERNET, overIp(4, head, '192.0.2.1', '192.0.2.2')));
    const b2 = d.dissect(frameOf(LinkType.ETHERNET, overIp(4, tail, '198.51.100.1', '198.51.100.2')));
    expect(layerAt(a1, 2, 'ipv4').fragment).toBe(true);
    expect(layerAt(b2, 2, 'ipv4').fragment).toBe(true);
    // Tenant A's last fragment completes A's datagram.
    const a2 = d.dissect(frameOf(LinkType.ETHERNET, overIp(4, tail, '192.0.2.1', '192.0.2.2')));
    expect(names(a2)).toEqual(['ethernet', 'ipv4', 'ipv4', 'udp']);
    expect([...layerAt(a2, 3, 'udp').payload]).toEqual([...transport.subarray(8)]);
    // The same inside VXLAN VNIs: fragments of VNI 1 and VNI 2 stay apart.
    const e = coreDissector();
    e.dissect(frameOf(LinkType.ETHERNET, overUdp(4789, vxlan(1, ethernet(head)))));
    expect(names(e.dissect(frameOf(LinkType.ETHERNET, overUdp(4789, vxlan(2, ethernet(tail))))))).toEqual(['ethernet', 'ipv4', 'udp', 'vxlan', 'ethernet', 'ipv4']);
    expect(names(e.dissect(frameOf(LinkType.ETHERNET, overUdp(4789, vxlan(1, ethernet(tail))))))).toEqual(['ethernet', 'ipv4', 'udp', 'vxlan', 'ethernet', 'ipv4', 'udp']);
  });
});

describe('MPLS', () => {
  it('reads the stack to the bottom and goes on by the first nibble; names no tunnel', () => {
    const p = one(ethernet(mpls([100, 200, 300], innerIp()), 0x8847));
    expect(names(p)).toEqual(['ethernet', 'mpls', 'ipv4']);
    expect(layerAt(p, 1, 'mpls')).toMatchObject({ labels: [100, 200, 300], headerLength: 12 });
    expect(p.tunnel).toBeUndefined();
    expect(names(one(ethernet(mpls([3], ipv6(new Uint8Array(0), { next: 59 })), 0x8848)))).toEqual(['ethernet', 'mpls', 'ipv6']);
  });

  it('an Ethernet pseudowire by a decode-as rule on the bottom label, with or without a control word', () => {
    const noCw = ethernet(mpls([16, 17], innerFrame()), 0x8847);
    expect(names(one(noCw, ['mpls.label==17,ethernet']))).toEqual(['ethernet', 'mpls', 'ethernet', 'ipv4']);
    const cw = ethernet(mpls([16, 17], concat(Uint8Array.from([0, 0, 0, 1]), innerFrame())), 0x8847);
    const p = one(cw, ['mpls.label==17,pwethcw']);
    expect(names(p)).toEqual(['ethernet', 'mpls', 'pwethcw', 'ethernet', 'ipv4']);
    expect(layerAt(p, 2, 'pwethcw')).toMatchObject({ sequence: 1, offset: 14 + 8 });
    // A rule that says control word where there is none (an IPv4 packet: first nibble 4) fails there.
    expect(last(one(ethernet(mpls([16, 17], innerIp()), 0x8847), ['mpls.label==17,pwethcw']))).toMatchObject({ code: 'ERR_PW_BAD_CONTROL_WORD', offset: 14 + 8 });
  });

  it('fails on a stack without a bottom, and on one longer than the cap', () => {
    expect(last(one(ethernet(mpls([1, 2], new Uint8Array(0), false), 0x8847)))).toMatchObject({ code: 'ERR_MPLS_TRUNCATED', offset: 14 + 8 });
    expect(last(one(ethernet(mpls(Array.from({ length: 17 }, (_, i) => i + 16), innerIp(), false), 0x8847)))).toMatchObject({ code: 'ERR_MPLS_TOO_MANY_LABELS', offset: 14 + 64 });
  });
});

describe('PPPoE and PPP', () => {
  it('a session, PPP by its protocol field, and the session as the tunnel', () => {
    const p = one(ethernet(pppoe(0x1234, 0x0021, innerIp()), 0x8864, { vlans: [{ tpid: 0x88a8, vid: 10 }, { tpid: 0x8100, vid: 20 }] }));
    expect(names(p)).toEqual(['ethernet', 'vlan', 'vlan', 'pppoe', 'ppp', 'ipv4']);
    expect(layerAt(p, 3, 'pppoe')).toMatchObject({ sessionId: 0x1234, code: 0 });
    expect(layerAt(p, 4, 'ppp')).toMatchObject({ pppProtocol: 0x21, headerLength: 2 });
    expect(p.tunnel).toBe('pppoe session 4660');
  });

  it('PPP with address and control bytes, and with a compressed protocol field', () => {
    const withAc = one(overIp(47, concat(Uint8Array.from([0x30, 0x81, 0x88, 0x0b, 0, 30, 0x40, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0xff, 0x03, 0, 0x21]), innerIp())));
    expect(names(withAc)).toEqual(['ethernet', 'ipv4', 'gre', 'ppp', 'ipv4']);
    expect(layerAt(withAc, 2, 'gre')).toMatchObject({ version: 1, callId: 0x4001, sequence: 1, ack: 0 });
    expect(layerAt(withAc, 3, 'ppp')).toMatchObject({ pppProtocol: 0x21, headerLength: 4 });
    const pfc = one(ethernet(concat(Uint8Array.from([0x11, 0, 0, 1, 0, 21, 0x21]), innerIp()), 0x8864));
    expect(layerAt(pfc, 2, 'ppp')).toMatchObject({ pppProtocol: 0x21, headerLength: 1 });
  });

  it('fails on a bad version, a cut protocol field; flags a short capture', () => {
    expect(last(one(ethernet(pppoe(1, 0x21, innerIp(), 0x21), 0x8864)))).toMatchObject({ code: 'ERR_PPPOE_BAD_VERSION', offset: 14 });
    expect(last(one(ethernet(Uint8Array.from([0x11, 0, 0, 1, 0, 1, 0x00]), 0x8864)))).toMatchObject({ code: 'ERR_PPP_TRUNCATED', offset: 20 });
    const short = one(ethernet(Uint8Array.from([0x11, 0, 0, 1, 0, 50, 0x00, 0x21]), 0x8864));
    expect(layerAt(short, 1, 'pppoe').diagnostics).toEqual([expect.objectContaining({ code: 'WARN_PPPOE_TRUNCATED', offset: 18 })]);
  });
});

describe('nesting', () => {
  it('joins nested tunnels outermost first', () => {
    const p = one(overIp(47, gre(0x0800, ipv4(udp(vxlan(42, innerFrame()), 1, 4789, '10.9.0.1', '10.9.0.2'), { src: '10.9.0.1', dst: '10.9.0.2', proto: 17 }), { key: 9 })));
    expect(names(p)).toEqual(['ethernet', 'ipv4', 'gre', 'ipv4', 'udp', 'vxlan', 'ethernet', 'ipv4']);
    expect(p.tunnel).toBe('gre key 9 / vxlan vni 42');
  });

  it('a loop of tunnels in tunnels ends at the layer cap with ERR_DISSECT_TOO_DEEP at the first byte left', () => {
    let bytes = innerIp();
    for (let i = 0; i < 30; i++) bytes = gre(0x0800, ipv4(bytes, { proto: 47 }), { key: i });
    const p = one(overIp(47, bytes));
    expect(p.layers.length).toBe(33);
    const f = last(p);
    expect(f).toMatchObject({ protocol: 'failure', code: 'ERR_DISSECT_TOO_DEEP' });
    // The failure's offset is where the undecoded layer starts: after 32 layers of headers.
    const before = p.layers[31]!;
    expect(f.offset).toBe(before.offset + before.headerLength);
    expect(p.tunnel!.split(' / ').length).toBe(15);
  });
});
