import { describe, expect, it } from 'vitest';
import { LinkType } from '../frame.js';
import { bsdLoopback, concat, ethernet, ipv4, ipv6, sll, sll2, udp } from '../../../../test-support/packets.js';
import { dissectOne, layerAt, names } from './helpers.js';

const dgram = ipv4(udp(new TextEncoder().encode('hello'), 5000, 53), { proto: 17 });
const dgram6 = ipv6(udp(new TextEncoder().encode('hello'), 5000, 53, '2001:db8::1', '2001:db8::2'), { next: 17 });

describe('Ethernet', () => {
  it('decodes Ethernet II with views of the frame', () => {
    const bytes = ethernet(dgram);
    const p = dissectOne(LinkType.ETHERNET, bytes);
    expect(names(p)).toEqual(['ethernet', 'ipv4', 'udp']);
    const eth = layerAt(p, 0, 'ethernet');
    expect(eth.etherType).toBe(0x0800);
    expect([...eth.dst]).toEqual([0, 0, 0, 0, 0, 2]);
    expect([...eth.src]).toEqual([0, 0, 0, 0, 0, 1]);
    expect(eth.payload.buffer).toBe(bytes.buffer);
    expect(eth.length8023).toBeUndefined();
    const u = layerAt(p, 2, 'udp');
    expect(u.offset).toBe(34);
    expect(new TextDecoder().decode(u.payload)).toBe('hello');
  });

  it('drops Ethernet padding after an IPv4 packet shorter than the minimum frame', () => {
    const bytes = concat(ethernet(ipv4(udp(new Uint8Array(0), 1, 2), { proto: 17 })), new Uint8Array(18));
    const u = layerAt(dissectOne(LinkType.ETHERNET, bytes), 2, 'udp');
    expect(u.payload.length).toBe(0);
  });

  it('follows an 802.3 frame with LLC/SNAP to its ethertype and stops at plain LLC', () => {
    const snap = Uint8Array.from([0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00]);
    const llcPdu = concat(snap, dgram);
    const p = dissectOne(LinkType.ETHERNET, concat(ethernet(llcPdu, llcPdu.length), new Uint8Array(4)));
    expect(names(p)).toEqual(['ethernet', 'ipv4', 'udp']);
    const eth = layerAt(p, 0, 'ethernet');
    expect(eth).toMatchObject({ length8023: llcPdu.length, etherType: 0x0800, headerLength: 22 });
    expect(eth.payload.length).toBe(dgram.length);

    const stp = Uint8Array.from([0x42, 0x42, 0x03, 0, 0, 0, 0]);
    const q = dissectOne(LinkType.ETHERNET, ethernet(stp, stp.length));
    expect(names(q)).toEqual(['ethernet']);
    expect(layerAt(q, 0, 'ethernet')).toMatchObject({ etherType: 0, length8023: 7 });
  });

  it('flags an 802.3 length longer than the frame and uses what is there', () => {
    const p = dissectOne(LinkType.ETHERNET, ethernet(Uint8Array.from([0x42, 0x42, 0x03]), 100));
    expect(layerAt(p, 0, 'ethernet').diagnostics?.[0]?.code).toBe('WARN_802_3_BAD_LENGTH');
  });

  it('ends the layer list, without a failure, at an ethertype no dissector claims (ARP)', () => {
    const p = dissectOne(LinkType.ETHERNET, ethernet(new Uint8Array(28), 0x0806));
    expect(names(p)).toEqual(['ethernet']);
    expect(layerAt(p, 0, 'ethernet').payload.length).toBe(28);
  });

  it('fails on a cut header with a code and offset', () => {
    const p = dissectOne(LinkType.ETHERNET, ethernet(dgram).subarray(0, 13));
    expect(layerAt(p, 0, 'failure')).toMatchObject({ code: 'ERR_ETHERNET_TRUNCATED', failedProtocol: 'ethernet', offset: 0, severity: 'error' });
    const q = dissectOne(LinkType.ETHERNET, ethernet(Uint8Array.from([0xaa, 0xaa, 0x03, 0]), 4));
    expect(layerAt(q, 0, 'failure')).toMatchObject({ code: 'ERR_LLC_TRUNCATED', offset: 14 });
  });
});

describe('802.1Q and QinQ', () => {
  it('decodes one tag', () => {
    const p = dissectOne(LinkType.ETHERNET, ethernet(dgram, 0x0800, { vlans: [{ tpid: 0x8100, vid: 42 }] }));
    expect(names(p)).toEqual(['ethernet', 'vlan', 'ipv4', 'udp']);
    expect(layerAt(p, 1, 'vlan')).toMatchObject({ tpid: 0x8100, vid: 42, pcp: 0, dei: false, etherType: 0x0800, offset: 14 });
    expect(layerAt(p, 2, 'ipv4').offset).toBe(18);
  });

  it('decodes stacked tags with each TPID, outermost first', () => {
    const vlans = [
      { tpid: 0x88a8, vid: 100 },
      { tpid: 0x9100, vid: 200 },
      { tpid: 0x8100, vid: 300 },
    ];
    const p = dissectOne(LinkType.ETHERNET, ethernet(dgram6, 0x86dd, { vlans }));
    expect(names(p)).toEqual(['ethernet', 'vlan', 'vlan', 'vlan', 'ipv6', 'udp']);
    expect(p.layers.slice(1, 4).map((l) => l.protocol === 'vlan' && [l.tpid, l.vid])).toEqual([
      [0x88a8, 100],
      [0x9100, 200],
      [0x8100, 300],
    ]);
  });

  it('reads PCP and DEI', () => {
    const bytes = ethernet(dgram, 0x0800, { vlans: [{ tpid: 0x8100, vid: 5 }] });
    bytes[14] = 0xb0; // PCP 5, DEI 1, VID high bits 0
    expect(layerAt(dissectOne(LinkType.ETHERNET, bytes), 1, 'vlan')).toMatchObject({ pcp: 5, dei: true, vid: 5 });
  });

  it('fails on a cut tag', () => {
    const bytes = ethernet(new Uint8Array(0), 0x0800, { vlans: [{ tpid: 0x8100, vid: 5 }] }).subarray(0, 17);
    expect(layerAt(dissectOne(LinkType.ETHERNET, bytes), 1, 'failure')).toMatchObject({ code: 'ERR_VLAN_TRUNCATED', offset: 14 });
  });
});

describe('Linux cooked captures', () => {
  it('decodes SLL (113)', () => {
    const p = dissectOne(LinkType.LINUX_SLL, sll(dgram, 0x0800, { packetType: 4, arphrd: 772 }));
    expect(names(p)).toEqual(['sll', 'ipv4', 'udp']);
    const l = layerAt(p, 0, 'sll');
    expect(l).toMatchObject({ packetType: 4, arphrdType: 772, etherType: 0x0800, headerLength: 16 });
    expect([...l.address]).toEqual([0, 0, 0, 0, 0, 1]);
    expect(layerAt(p, 1, 'ipv4').offset).toBe(16);
  });

  it('caps the SLL address at its 8-byte field and stops at netlink', () => {
    const bytes = sll(dgram, 0x0800, { address: new Uint8Array(8) });
    bytes[5] = 200; // address length field says 200
    expect(layerAt(dissectOne(LinkType.LINUX_SLL, bytes), 0, 'sll').address.length).toBe(8);
    expect(names(dissectOne(LinkType.LINUX_SLL, sll(dgram, 0x0800, { arphrd: 824 })))).toEqual(['sll']);
  });

  it('decodes SLL2 (276), IPv4 and IPv6', () => {
    const p = dissectOne(LinkType.LINUX_SLL2, sll2(dgram, 0x0800, 7));
    expect(names(p)).toEqual(['sll2', 'ipv4', 'udp']);
    expect(layerAt(p, 0, 'sll2')).toMatchObject({ interfaceIndex: 7, arphrdType: 772, packetType: 0, etherType: 0x0800 });
    expect(layerAt(p, 0, 'sll2').address.length).toBe(6);
    expect(names(dissectOne(LinkType.LINUX_SLL2, sll2(dgram6, 0x86dd)))).toEqual(['sll2', 'ipv6', 'udp']);
  });

  it('fails on cut headers', () => {
    expect(layerAt(dissectOne(LinkType.LINUX_SLL, new Uint8Array(15)), 0, 'failure').code).toBe('ERR_SLL_TRUNCATED');
    expect(layerAt(dissectOne(LinkType.LINUX_SLL2, new Uint8Array(19)), 0, 'failure').code).toBe('ERR_SLL2_TRUNCATED');
  });
});

describe('BSD loopback', () => {
  it('reads NULL in either byte order, by value', () => {
    for (const bigEndian of [false, true]) {
      const p = dissectOne(LinkType.NULL, bsdLoopback(dgram, 2, bigEndian));
      expect(names(p)).toEqual(['null', 'ipv4', 'udp']);
      expect(layerAt(p, 0, 'null').family).toBe(2);
    }
  });

  it.each([10, 24, 28, 30])('takes AF_INET6 = %i (Linux, BSDs, FreeBSD, macOS) as IPv6, both byte orders', (family) => {
    for (const bigEndian of [false, true]) {
      const p = dissectOne(LinkType.NULL, bsdLoopback(dgram6, family, bigEndian));
      expect(names(p)).toEqual(['null', 'ipv6', 'udp']);
      expect(layerAt(p, 0, 'null').family).toBe(family);
    }
  });

  it('reads LOOP (108) in network order', () => {
    expect(names(dissectOne(LinkType.LOOP, bsdLoopback(dgram, 2, true)))).toEqual(['null', 'ipv4', 'udp']);
    expect(names(dissectOne(LinkType.LOOP, bsdLoopback(dgram6, 24, true)))).toEqual(['null', 'ipv6', 'udp']);
    // Little-endian 2 read in network order is 0x02000000: not a family we know, so the list ends.
    expect(names(dissectOne(LinkType.LOOP, bsdLoopback(dgram, 2, false)))).toEqual(['null']);
  });

  it('ends the list on an unknown family and fails on a cut header', () => {
    expect(names(dissectOne(LinkType.NULL, bsdLoopback(dgram, 7)))).toEqual(['null']);
    expect(layerAt(dissectOne(LinkType.NULL, new Uint8Array(3)), 0, 'failure').code).toBe('ERR_NULL_TRUNCATED');
    expect(layerAt(dissectOne(LinkType.LOOP, new Uint8Array(2)), 0, 'failure').code).toBe('ERR_NULL_TRUNCATED');
  });
});

describe('raw IP', () => {
  it('picks IPv4 or IPv6 by version nibble (101)', () => {
    expect(names(dissectOne(LinkType.RAW, dgram))).toEqual(['ipv4', 'udp']);
    expect(names(dissectOne(LinkType.RAW, dgram6))).toEqual(['ipv6', 'udp']);
    expect(layerAt(dissectOne(LinkType.RAW, dgram), 1, 'udp').offset).toBe(20);
  });

  it('reads the DLT_RAW values some writers use (12, and 14 of OpenBSD) as raw IP', () => {
    expect(names(dissectOne(LinkType.DLT_RAW, dgram6))).toEqual(['ipv6', 'udp']);
    expect(names(dissectOne(LinkType.DLT_RAW_OPENBSD, dgram))).toEqual(['ipv4', 'udp']);
  });

  it('decodes LINKTYPE_IPV4 (228) and LINKTYPE_IPV6 (229)', () => {
    expect(names(dissectOne(LinkType.IPV4, dgram))).toEqual(['ipv4', 'udp']);
    expect(names(dissectOne(LinkType.IPV6, dgram6))).toEqual(['ipv6', 'udp']);
    expect(layerAt(dissectOne(LinkType.IPV4, dgram6), 0, 'failure').code).toBe('ERR_IPV4_BAD_VERSION');
  });

  it('fails on other versions and on empty packets', () => {
    const bad = Uint8Array.from(dgram);
    bad[0] = 0x55;
    expect(layerAt(dissectOne(LinkType.RAW, bad), 0, 'failure')).toMatchObject({ code: 'ERR_RAW_BAD_VERSION', failedProtocol: 'raw' });
    expect(layerAt(dissectOne(LinkType.RAW, new Uint8Array(0)), 0, 'failure').code).toBe('ERR_RAW_BAD_VERSION');
  });
});
