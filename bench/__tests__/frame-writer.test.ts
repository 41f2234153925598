import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ethernet, ipv4, tcp } from '../../test-support/packets.js';
import { ipv4Text, writeTcpFrame } from '../frame-writer.js';

describe('writeTcpFrame', () => {
  it('writes the same bytes as the test-support builders, checksums included', () => {
    fc.assert(
      fc.property(
        fc.record({
          srcIp: fc.nat({ max: 0xffffffff }),
          dstIp: fc.nat({ max: 0xffffffff }),
          srcPort: fc.nat({ max: 0xffff }),
          dstPort: fc.nat({ max: 0xffff }),
          ipId: fc.nat({ max: 0xffff }),
          seq: fc.nat({ max: 0xffffffff }),
          ack: fc.nat({ max: 0xffffffff }),
          flags: fc.nat({ max: 0x3f }),
        }),
        fc.uint8Array({ maxLength: 1460 }),
        fc.nat({ max: 16 }),
        (h, payload, lead) => {
          // The payload sits inside a larger buffer, as segments of a message do.
          const holder = new Uint8Array(lead + payload.length + 3);
          holder.set(payload, lead);
          const buf = new Uint8Array(2048).fill(0xee);
          const n = writeTcpFrame(buf, 5, { ...h, payload: holder, start: lead, end: lead + payload.length });
          const src = ipv4Text(h.srcIp);
          const dst = ipv4Text(h.dstIp);
          const want = ethernet(
            ipv4(tcp(payload, { srcPort: h.srcPort, dstPort: h.dstPort, seq: h.seq, ack: h.ack, flags: h.flags }, src, dst), {
              src,
              dst,
              id: h.ipId,
              dontFragment: true,
            }),
          );
          expect(n).toBe(want.length);
          expect(buf.subarray(5, 5 + n)).toEqual(want);
          expect(buf[4]).toBe(0xee);
          expect(buf[5 + n]).toBe(0xee);
        },
      ),
      { numRuns: 300 },
    );
  });
});
