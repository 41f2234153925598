import { describe, expect, test } from 'vitest';
import type { Packet } from '@netrx/core';
import { connectionBucket } from '../connection-table.js';
import { closeOf, reassemble, TcpFlags, text, Wire } from './wire.js';

// A connection's identity includes the tunnel it came through (Packet.tunnel, named by core's
// encapsulation dissectors): two tenants' 10.0.0.1:40000 → 10.0.0.2:80 are two connections.

/** The packet as if it had come through `tunnel`. */
const via = (p: Packet, tunnel: string | undefined): Packet => ({ ...p, tunnel });

describe('connections by tunnel', () => {
  test('the same endpoints through two tunnels, interleaved, are two connections, each naming its tunnel', () => {
    const a = new Wire();
    const b = new Wire();
    const pa = [...a.handshake(), a.seg('c', 0, 'GET /a', { ack: 0 }), a.seg('s', 0, 'from a', { ack: 6 })];
    const pb = [...b.handshake(), b.seg('c', 0, 'GET /b', { ack: 0 }), b.seg('s', 0, 'from b', { ack: 6 })];
    const packets = pa.flatMap((p, i) => [via(p, 'vxlan vni 42'), via(pb[i]!, 'vxlan vni 43')]);
    const { events } = reassemble(packets);
    const opens = events.filter((e) => e.type === 'open');
    expect(opens.map((e) => e.connection.via)).toEqual([{ tunnel: 'vxlan vni 42' }, { tunnel: 'vxlan vni 43' }]);
    expect(opens.map((e) => e.connection.client)).toEqual([a.c.addr, b.c.addr].map((address) => ({ address, port: 40000 })));
    expect(text(events, 0)).toEqual({ c2s: 'GET /a', s2c: 'from a' });
    expect(text(events, 1)).toEqual({ c2s: 'GET /b', s2c: 'from b' });
    // Every event of a connection carries the same connection object, tunnel included.
    for (const e of events) expect(e.connection.via?.tunnel).toBe(e.connection.id === 0 ? 'vxlan vni 42' : 'vxlan vni 43');
  });

  test('a connection outside any tunnel has no via, and differs from the same endpoints inside one', () => {
    const a = new Wire();
    const b = new Wire();
    const packets = [...a.handshake(), ...b.handshake().map((p) => via(p, '4in6'))];
    const { events } = reassemble(packets);
    const opens = events.filter((e) => e.type === 'open');
    expect(opens.length).toBe(2);
    expect('via' in opens[0]!.connection).toBe(false);
    expect(opens[1]!.connection.via).toEqual({ tunnel: '4in6' });
  });

  test('a closed connection absorbs its late packets only in its own tunnel', () => {
    const a = new Wire();
    const closed = [
      ...a.handshake(),
      a.seg('c', 0, 'hi', { ack: 0 }),
      a.seg('c', 2, '', { flags: TcpFlags.FIN, ack: 0 }),
      a.seg('s', 0, '', { flags: TcpFlags.FIN, ack: 3 }),
    ].map((p) => via(p, 'gre key 1'));
    // A retransmission of 'hi' in the same tunnel is a late packet; the same bytes in another
    // tunnel are another connection picked up midstream.
    const late = a.seg('c', 0, 'hi', { ack: 1 });
    const { events, r } = reassemble([...closed, via(late, 'gre key 1'), via(late, 'gre key 2')]);
    expect(closeOf(events, 0).reason).toBe('fin');
    expect(r.totals.afterClose).toBe(1);
    const second = events.filter((e) => e.connection.id === 1);
    expect(second[0]).toMatchObject({ type: 'open', connection: { via: { tunnel: 'gre key 2' } } });
    expect(text(events, 1).c2s).toBe('hi');
  });

  test('the tunnel is part of the bucket hash: one 4-tuple in many tunnels spreads over the table', () => {
    const buckets = new Set<number>();
    for (let vni = 0; vni < 200; vni++) buckets.add(connectionBucket(7, '10.0.0.1', '10.0.0.2', 40000, 80, `vxlan vni ${vni}`));
    expect(buckets.size).toBeGreaterThan(190);
    expect(connectionBucket(7, '10.0.0.1', '10.0.0.2', 40000, 80)).toBe(connectionBucket(7, '10.0.0.1', '10.0.0.2', 40000, 80, undefined));
  });
});
