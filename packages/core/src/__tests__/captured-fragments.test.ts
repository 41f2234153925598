import { fileURLToPath } from 'node:url';
import { firstValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { fromCaptureFile } from '@netrx/source-file';
import { corePlugin } from '../core-plugin.js';
import { createDissectStats, dissect } from '../dissect.js';
import type { Packet } from '../layer.js';
import { createRegistry } from '../plugin.js';
import { poisonViews } from '../../../../test-support/poison.js';

// fixtures/fragments-lo.pcap is real: Linux fragmenting a 3000-byte UDP datagram per address
// family on a 1280-byte-MTU loopback (fixtures/make-fragments.sh made it).
const capture = fileURLToPath(new URL('./fixtures/fragments-lo.pcap', import.meta.url));
const expected = Array.from({ length: 3000 }, (_, i) => i & 0xff);

describe('kernel-made fragments captured on loopback', () => {
  it('reassembles the IPv4 and the IPv6 datagram, each on its last fragment', async () => {
    const stats = createDissectStats();
    const packets: Packet[] = await firstValueFrom(fromCaptureFile(capture).pipe(
        // Each frame's bytes poisoned once dissected: fragments held for later are copies.
        poisonViews((f) => f.data),
        dissect(createRegistry([corePlugin]), { stats }),
        toArray(),
      ),);
    const stacks = packets.map((p) => p.layers.map((l) => l.protocol).join('/'));
    expect(stacks).toEqual([
      'ethernet/ipv4',
      'ethernet/ipv4',
      'ethernet/ipv4/udp',
      'ethernet/ipv6',
      'ethernet/ipv6',
      'ethernet/ipv6/udp',
      'ethernet/ipv6', // ICMPv6 port unreachable (no ICMPv6 dissector)
    ]);
    for (const i of [2, 5]) {
      const ip = packets[i]!.layers[1]!;
      expect(ip.protocol === 'ipv4' || ip.protocol === 'ipv6' ? ip.reassembledFrom : undefined).toBe(3);
      const udp = packets[i]!.layers[2]!;
      expect(udp.protocol === 'udp' && udp.dstPort).toBe(9);
      expect([...udp.payload]).toEqual(expected);
    }
    expect(stats.fragments).toMatchObject({ fragments: 6, reassembled: 2, pending: 0, dropped: 0, bufferedBytes: 0 });
    expect(stats.failures).toEqual({});
    // The kernel's header checksums are right, so none may be flagged.
    for (const p of packets) for (const l of p.layers) if (l.protocol === 'ipv4') expect(l.checksumValid).toBe(true);
  });
});
