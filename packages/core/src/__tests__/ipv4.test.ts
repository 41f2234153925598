import { describe, expect, it } from 'vitest';
import { LinkType } from '../frame.js';
import { ethernet, ipv4, ipv6, udp } from '../../../../test-support/packets.js';
import { dissectOne, layerAt, names } from './helpers.js';

const payload = udp(new TextEncoder().encode('abc'), 1000, 2000);

describe('IPv4 header', () => {
  it('decodes the fields and a valid checksum', () => {
    const p = dissectOne(LinkType.ETHERNET, ethernet(ipv4(payload, { proto: 17, id: 0x1234, ttl: 7, dontFragment: true, src: '192.168.1.10', dst: '8.8.4.4' })));
    const ip = layerAt(p, 1, 'ipv4');
    expect(ip).toMatchObject({
      src: '192.168.1.10',
      dst: '8.8.4.4',
      id: 0x1234,
      ttl: 7,
      dontFragment: true,
      moreFragments: false,
      fragmentOffset: 0,
      nextProtocol: 17,
      totalLength: 20 + payload.length,
      headerLength: 20,
      checksumValid: true,
      offset: 14,
    });
    expect(ip.options.length).toBe(0);
    expect(ip.diagnostics).toBeUndefined();
    expect(names(p)).toEqual(['ethernet', 'ipv4', 'udp']);
  });

  it('keeps options as a view and checks their structure', () => {
    // Record Route (7, len 7, ptr 4, one empty slot), NOP, EOL: 12 bytes → IHL 8.
    const options = Uint8Array.from([7, 7, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
    const ip = layerAt(dissectOne(LinkType.RAW, ipv4(payload, { proto: 17, options })), 0, 'ipv4');
    expect(ip.headerLength).toBe(32);
    expect([...ip.options]).toEqual([...options]);
    expect(ip.checksumValid).toBe(true);
    expect(ip.diagnostics).toBeUndefined();

    const bad = Uint8Array.from([1, 7, 9, 4, 0, 0, 0, 0]); // NOP, then an option claiming 9 bytes in 7
    const b = layerAt(dissectOne(LinkType.RAW, ipv4(payload, { proto: 17, options: bad })), 0, 'ipv4');
    expect(b.diagnostics?.map((d) => [d.code, d.offset])).toEqual([['WARN_IPV4_BAD_OPTION', 21]]);
  });

  it('flags a bad checksum as a warning and goes on', () => {
    const p = dissectOne(LinkType.RAW, ipv4(payload, { proto: 17, badChecksum: true }));
    const ip = layerAt(p, 0, 'ipv4');
    expect(ip.checksumValid).toBe(false);
    expect(ip.diagnostics?.[0]).toMatchObject({ code: 'WARN_IPV4_BAD_CHECKSUM', severity: 'warning', offset: 10 });
    expect(names(p)).toEqual(['ipv4', 'udp']);
  });

  it('decodes what a snaplen cut left and flags it', () => {
    const whole = ethernet(ipv4(new Uint8Array(100), { proto: 6 }));
    const p = dissectOne(LinkType.ETHERNET, whole.subarray(0, 54), whole.length);
    const ip = layerAt(p, 1, 'ipv4');
    expect(ip.totalLength).toBe(120);
    expect(ip.payload.length).toBe(20);
    expect(ip.diagnostics?.[0]).toMatchObject({ code: 'WARN_IPV4_TRUNCATED', offset: 16 });
  });

  it('takes total length 0 (segmentation offload) as the captured length', () => {
    const bytes = ipv4(payload, { proto: 17 });
    bytes[2] = 0;
    bytes[3] = 0;
    const p = dissectOne(LinkType.RAW, bytes);
    const ip = layerAt(p, 0, 'ipv4');
    expect(ip.payload.length).toBe(payload.length);
    expect(ip.diagnostics?.map((d) => d.code)).toContain('WARN_IPV4_ZERO_LENGTH');
    expect(names(p)).toEqual(['ipv4', 'udp']);
  });

  it('fails on truncated headers, bad IHL, bad version and a total length under the header', () => {
    const good = ethernet(ipv4(payload, { proto: 17 }));
    expect(layerAt(dissectOne(LinkType.ETHERNET, good.subarray(0, 14 + 19)), 1, 'failure')).toMatchObject({ code: 'ERR_IPV4_TRUNCATED', offset: 14 });
    const ihl = Uint8Array.from(good);
    ihl[14] = 0x44;
    expect(layerAt(dissectOne(LinkType.ETHERNET, ihl), 1, 'failure')).toMatchObject({ code: 'ERR_IPV4_BAD_IHL', offset: 14 });
    const longIhl = ipv4(new Uint8Array(0), { options: new Uint8Array(4) }).subarray(0, 22);
    longIhl[0] = 0x46;
    expect(layerAt(dissectOne(LinkType.IPV4, longIhl), 0, 'failure').code).toBe('ERR_IPV4_TRUNCATED');
    const v = ipv4(payload);
    v[0] = 0x65;
    expect(layerAt(dissectOne(LinkType.IPV4, v), 0, 'failure').code).toBe('ERR_IPV4_BAD_VERSION');
    const tl = ipv4(payload);
    tl[2] = 0;
    tl[3] = 12;
    expect(layerAt(dissectOne(LinkType.IPV4, tl), 0, 'failure')).toMatchObject({ code: 'ERR_IPV4_BAD_TOTAL_LENGTH', offset: 2 });
  });

  it('follows IP-in-IP (4) and 6in4 (41) tunnels', () => {
    const inner = ipv4(payload, { proto: 17, src: '10.9.9.9' });
    expect(names(dissectOne(LinkType.RAW, ipv4(inner, { proto: 4 })))).toEqual(['ipv4', 'ipv4', 'udp']);
    const inner6 = ipv6(udp(new Uint8Array(1), 1, 2, '::1', '::2'), { next: 17, src: '::1', dst: '::2' });
    const p = dissectOne(LinkType.RAW, ipv4(inner6, { proto: 41 }));
    expect(names(p)).toEqual(['ipv4', 'ipv6', 'udp']);
    expect(layerAt(p, 1, 'ipv6').offset).toBe(20);
  });

  it('ends the list on a protocol no dissector claims', () => {
    expect(names(dissectOne(LinkType.RAW, ipv4(payload, { proto: 253 })))).toEqual(['ipv4']);
  });
});
