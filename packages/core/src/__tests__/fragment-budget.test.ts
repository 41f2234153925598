import { describe, expect, it } from 'vitest';
import { LinkType } from '../frame.js';
import { MemoryBudget } from '../memory-budget.js';
import { ethernet, ipv4, udp } from '../../../../test-support/packets.js';
import { frameOf, names, poisonedCoreDissector } from './helpers.js';

const T0 = 1_700_000_000_000_000_000n;

/** The first fragment (1480 bytes, more-fragments set) of a 2000-byte UDP datagram with IP id `id`. */
function firstFragment(id: number): Uint8Array {
  const transport = udp(new Uint8Array(1992).fill(7), 4000, 53);
  return ethernet(ipv4(transport.subarray(0, 1480), { proto: 17, id, moreFragments: true }));
}

function lastFragment(id: number): Uint8Array {
  const transport = udp(new Uint8Array(1992).fill(7), 4000, 53);
  return ethernet(ipv4(transport.subarray(1480), { proto: 17, id, fragOffset: 1480 }));
}

describe('IP fragments on the memory budget', () => {
  it('draws pending fragment bytes and gives them back when the datagram completes', () => {
    const budget = new MemoryBudget(1024 * 1024);
    const d = poisonedCoreDissector({ budget });
    d.dissect(frameOf(LinkType.ETHERNET, firstFragment(1), T0));
    expect(budget.used).toBeGreaterThanOrEqual(1480);
    const p = d.dissect(frameOf(LinkType.ETHERNET, lastFragment(1), T0 + 1n));
    expect(names(p)).toEqual(['ethernet', 'ipv4', 'udp']);
    expect(budget.used).toBe(0);
    expect(d.stats.fragments).toMatchObject({ reassembled: 1, dropped: 0, evicted: 0 });
  });

  it('a refused draw drops the datagram, counted as evicted, and the budget never goes past its limit', () => {
    // Room for two pending datagrams, not three: each new one makes the oldest go (the reclaimer).
    const budget = new MemoryBudget(2 * 1700);
    const d = poisonedCoreDissector({ budget });
    for (let i = 1; i <= 10; i++) d.dissect(frameOf(LinkType.ETHERNET, firstFragment(i), T0 + BigInt(i)));
    expect(budget.peak).toBeLessThanOrEqual(budget.limit);
    expect(d.stats.fragments.pending).toBe(2);
    expect(d.stats.fragments.evicted).toBe(8);
    expect(d.stats.fragments.dropped).toBe(8);
    d.close();
    expect(budget.used).toBe(0);
    // Never completed: still counted as pending after close.
    expect(d.stats.fragments.pending).toBe(2);
  });

  it('a datagram bigger than the whole budget is refused outright', () => {
    const budget = new MemoryBudget(1000);
    const d = poisonedCoreDissector({ budget });
    const p = d.dissect(frameOf(LinkType.ETHERNET, firstFragment(1), T0));
    expect(p.layers[1]).toMatchObject({ fragment: true, diagnostics: [expect.objectContaining({ code: 'WARN_FRAGMENT_DROPPED' })] });
    expect(budget.refused).toBe(1);
    expect(budget.used).toBe(0);
    expect(d.stats.fragments).toMatchObject({ evicted: 1, pending: 0 });
  });

  it('counts datagrams dropped by the pending cap as evicted', () => {
    const d = poisonedCoreDissector({ fragments: { maxPending: 3 } });
    for (let i = 1; i <= 5; i++) d.dissect(frameOf(LinkType.ETHERNET, firstFragment(i), T0 + BigInt(i)));
    expect(d.stats.fragments).toMatchObject({ evicted: 2, pending: 3 });
  });
});

describe('stacked 802.1Q tags past the layer cap', () => {
  it('end in an ERR_DISSECT_TOO_DEEP failure layer with an offset, counted', () => {
    const vlans = Array.from({ length: 1000 }, (_, i) => ({ tpid: 0x8100, vid: i + 1 }));
    const frame = ethernet(ipv4(udp(Uint8Array.of(1), 1, 2), { proto: 17 }), 0x0800, { vlans });
    const d = poisonedCoreDissector();
    const p = d.dissect(frameOf(LinkType.ETHERNET, frame));
    expect(p.layers).toHaveLength(33);
    const last = p.layers[32]!;
    expect(last).toMatchObject({ protocol: 'failure', code: 'ERR_DISSECT_TOO_DEEP', offset: 14 + 31 * 4 });
    expect(d.stats.failures).toEqual({ ERR_DISSECT_TOO_DEEP: 1 });
  });
});
