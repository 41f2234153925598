import { describe, expect, it } from 'vitest';
import { LinkType } from '../frame.js';
import { ipv6ToString } from '../ipv6-address.js';
import { concat, ethernet, ipv6, ipv6Bytes, udp } from '../../../../test-support/packets.js';
import { dissectOne, layerAt, names } from './helpers.js';

const u = udp(new TextEncoder().encode('v6'), 1111, 2222, '2001:db8::1', '2001:db8::2');

/** A generic extension header (hop-by-hop, routing, destination options) of 8 × (len + 1) bytes. */
function ext(next: number, len = 0): Uint8Array {
  const h = new Uint8Array(8 * (len + 1));
  h[0] = next;
  h[1] = len;
  return h;
}

describe('IPv6 header and extension headers', () => {
  it('decodes the fixed header', () => {
    const bytes = ipv6(u, { next: 17, hopLimit: 3, src: 'fe80::1', dst: 'ff02::1:ff00:1' });
    bytes[0] = 0x6b; // traffic class 0xb0 | ...
    bytes[1] = 0x81; // ... 0x8, flow label 0x1xxxx
    bytes[2] = 0x23;
    bytes[3] = 0x45;
    const p = dissectOne(LinkType.IPV6, bytes);
    expect(names(p)).toEqual(['ipv6', 'udp']);
    expect(layerAt(p, 0, 'ipv6')).toMatchObject({
      src: 'fe80::1',
      dst: 'ff02::1:ff00:1',
      trafficClass: 0xb8,
      flowLabel: 0x12345,
      hopLimit: 3,
      payloadLength: u.length,
      nextProtocol: 17,
      headerLength: 40,
      extensions: [],
    });
  });

  it('walks hop-by-hop, routing, destination options and AH to the upper layer', () => {
    const ah = new Uint8Array(24); // AH: payload len 4 → (4 + 2) × 4 = 24 bytes
    ah[0] = 17;
    ah[1] = 4;
    const chain = concat(ext(43), ext(60, 1), ext(51), ah, u);
    const p = dissectOne(LinkType.ETHERNET, ethernet(ipv6(chain, { next: 0 }), 0x86dd));
    expect(names(p)).toEqual(['ethernet', 'ipv6', 'udp']);
    const ip = layerAt(p, 1, 'ipv6');
    expect(ip.extensions).toEqual([
      { type: 0, offset: 40, length: 8 },
      { type: 43, offset: 48, length: 16 },
      { type: 60, offset: 64, length: 8 },
      { type: 51, offset: 72, length: 24 },
    ]);
    expect(ip.headerLength).toBe(96);
    expect(ip.nextProtocol).toBe(17);
    expect(layerAt(p, 2, 'udp').offset).toBe(14 + 96);
  });

  it('stops at ESP and at no-next-header', () => {
    const esp = dissectOne(LinkType.IPV6, ipv6(concat(ext(50), new Uint8Array(16)), { next: 60 }));
    expect(names(esp)).toEqual(['ipv6']);
    expect(layerAt(esp, 0, 'ipv6')).toMatchObject({ nextProtocol: 50, headerLength: 48 });
    expect(layerAt(esp, 0, 'ipv6').payload.length).toBe(16);
    const none = dissectOne(LinkType.IPV6, ipv6(new Uint8Array(0), { next: 59 }));
    expect(names(none)).toEqual(['ipv6']);
    expect(layerAt(none, 0, 'ipv6').nextProtocol).toBe(59);
  });

  it('fails on a truncated extension header and on too many of them', () => {
    const cut = ipv6(ext(17, 3).subarray(0, 16), { next: 60 });
    expect(layerAt(dissectOne(LinkType.IPV6, cut), 0, 'failure')).toMatchObject({ code: 'ERR_IPV6_EXT_TRUNCATED', offset: 40 });
    const oneByte = ipv6(Uint8Array.from([17]), { next: 43 });
    expect(layerAt(dissectOne(LinkType.IPV6, oneByte), 0, 'failure').code).toBe('ERR_IPV6_EXT_TRUNCATED');
    const many = ipv6(concat(...Array.from({ length: 20 }, () => ext(60)), u), { next: 60 });
    expect(layerAt(dissectOne(LinkType.IPV6, many), 0, 'failure').code).toBe('ERR_IPV6_TOO_MANY_EXT');
  });

  it('fails on a short header and a wrong version, flags a snaplen cut', () => {
    expect(layerAt(dissectOne(LinkType.IPV6, new Uint8Array(39)), 0, 'failure').code).toBe('ERR_IPV6_TRUNCATED');
    const v4 = ipv6(u, { next: 17 });
    v4[0] = 0x40;
    expect(layerAt(dissectOne(LinkType.IPV6, v4), 0, 'failure').code).toBe('ERR_IPV6_BAD_VERSION');
    const whole = ipv6(new Uint8Array(100), { next: 6 });
    const p = dissectOne(LinkType.IPV6, whole.subarray(0, 60), whole.length);
    expect(layerAt(p, 0, 'ipv6').diagnostics?.[0]).toMatchObject({ code: 'WARN_IPV6_TRUNCATED', offset: 4 });
    expect(layerAt(p, 0, 'ipv6').payload.length).toBe(20);
  });

  it('cuts link padding off by the payload length', () => {
    const p = dissectOne(LinkType.ETHERNET, concat(ethernet(ipv6(u, { next: 17 }), 0x86dd), new Uint8Array(10)));
    expect(layerAt(p, 1, 'ipv6').payload.length).toBe(u.length);
  });
});

describe('RFC 5952 address text', () => {
  const cases: [string, string][] = [
    ['0:0:0:0:0:0:0:1', '::1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed (§4.2.2)
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run (§4.2.3)
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first of equal runs
    ['fe80:0:0:0:0:0:0:0', 'fe80::'],
    ['2001:DB8:AAAA:BBBB:CCCC:DDDD:EEEE:FFFF', '2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff'],
    ['0:0:0:0:0:ffff:c000:201', '::ffff:192.0.2.1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['0:0:1:0:0:0:0:2', '0:0:1::2'],
  ];
  it.each(cases)('%s → %s', (input, text) => {
    expect(ipv6ToString(ipv6Bytes(input.toLowerCase()))).toBe(text);
  });

  it('reads at an offset', () => {
    expect(ipv6ToString(concat(new Uint8Array(3), ipv6Bytes('2001:db8::7')), 3)).toBe('2001:db8::7');
  });
});
