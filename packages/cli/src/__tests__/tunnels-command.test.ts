import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { viaText } from '../via-text.js';
import { run } from './run-cli.js';
import { decodeAs, expected, fixtures, key, nonEmpty, rulesOf, truth as truthIn, wsMessages as wsIn } from './tunnel-truth.js';

// The WebSocket inside tunnels, through the real command: every message the ws peers received
// (their own logs, the fixtures' truth) comes out of `netrx ws` on the capture of the underlay,
// on a connection that says which tunnel it came through. The fixtures and the scripts that made
// them (kernel-made VXLAN and SRv6; real packets wrapped in GRE, ERSPAN, Geneve, GTP-U, IP in IP,
// MPLS, PPPoE, PPTP) live in packages/core/src/__tests__/fixtures/tunnels.

const dir = fixtures;
const truth = (name: string) => truthIn(dir, name);
const wsMessages = (name: string, rules: readonly string[]) => wsIn(dir, name, rules);
const captures = readdirSync(dir)
  .filter((f) => f.endsWith('.pcap'))
  .map((f) => f.slice(0, -5))
  .sort();

describe('netrx ws on tunnel captures: every message, on its tunnel', () => {
  it.each(captures)('%s', async (name) => {
    const want = expected(dir, name);
    const got = await wsMessages(name, rulesOf(truth(name).sessions));
    // Same connections (by endpoints and tunnel), same messages in the same order.
    expect(nonEmpty(got)).toEqual(nonEmpty(want));
    expect([...want.values()].flat().length).toBeGreaterThan(0);
  });

  it('vxlan: two tenants with the same endpoints stay two connections, and 8472 needs its rule', async () => {
    const { sessions } = truth('vxlan');
    const same = sessions.filter((s) => s.client === '10.0.0.1:40000');
    expect(same.map((s) => s.tunnel)).toEqual(['vxlan vni 42', 'vxlan vni 43', 'vxlan vni 45']);
    const without = await wsMessages('vxlan', []);
    const tunnels = new Set([...without.keys()].map((k) => /via (.*) (c2s|s2c)$/.exec(k)![1]));
    expect(tunnels).toEqual(new Set(['vxlan vni 42', 'vxlan vni 43', 'vxlan vni 44']));
  });
});

describe('text output marks the tunnel after the server', () => {
  it('ws, http and tcp', async () => {
    const ws = await run('ws', '-r', `${dir}/vxlan.pcap`);
    const marks = new Set(ws.out.trimEnd().split('\n').map((l) => / 10\.0\.0\.2:8080 (\[vxlan vni \d+\]) (text|binary|close|ping|pong) /.exec(l)?.[1] ?? / \[fd00::2\]:8080 (\[vxlan vni \d+\]) /.exec(l)?.[1]));
    expect(marks).toEqual(new Set(['[vxlan vni 42]', '[vxlan vni 43]', '[vxlan vni 44]']));
    const http = await run('http', '-r', `${dir}/gre.pcap`);
    expect(http.out.split('\n')[0]).toMatch(/^\S+ #0 10\.3\.0\.1:40000 → 10\.3\.0\.2:8080 \[gre key 1001\] GET \/plain4 HTTP\/1\.1 0B$/);
    const tcp = await run('tcp', '-r', `${dir}/pppoe.pcap`);
    expect(tcp.out.split('\n')[0]).toMatch(/^#0 10\.3\.0\.1:40000 → 10\.3\.0\.2:8080 \[pppoe session 4660\] \(syn, fin\) /);
    expect((await run('tcp', '-r', `${dir}/plain.pcap`)).out.split('\n')[0]).toMatch(/^#0 10\.3\.0\.1:40000 → 10\.3\.0\.2:8080 \(syn, fin\) /);
  });

  it('an entry of several facts is marked by its name', () => {
    expect(viaText(undefined)).toBe('');
    expect(viaText({ tunnel: 'gtp-u', tls: { version: 'TLSv1.3' } })).toBe(' [gtp-u] [tls]');
  });
});

describe('netrx tcp on tunnel captures', () => {
  it.each(captures)('%s: one whole connection per session, with its tunnel after server', async (name) => {
    const { sessions } = truth(name);
    const { status, out } = await run('tcp', '-r', `${dir}/${name}.pcap`, '--format', 'jsonl', ...decodeAs(rulesOf(sessions)));
    expect(status).toBe(0);
    const lines = out.trimEnd().split('\n');
    const conns = lines.map((l) => JSON.parse(l));
    expect(new Set(conns.map((c) => key(c.client, c.server, c.tunnel)))).toEqual(new Set(sessions.map((s) => key(s.client, s.server, s.tunnel))));
    expect(conns.length).toBe(sessions.length);
    for (const [i, c] of conns.entries()) {
      expect(c.c2s.gapBytes + c.s2c.gapBytes).toBe(0);
      expect(c.close).toBe('fin');
      expect(Object.keys(c).slice(0, 4)).toEqual(c.tunnel === undefined ? ['stream', 'client', 'server', 'clientBy'] : ['stream', 'client', 'server', 'tunnel']);
      if (c.tunnel !== undefined) expect(lines[i]).toContain(`"server":${JSON.stringify(c.server)},"tunnel":${JSON.stringify(c.tunnel)},"clientBy"`);
    }
  });
});

describe('netrx stats on tunnel captures', () => {
  it('names each connection\'s tunnel: two tenants with the same endpoints are two rows', async () => {
    const rows = (await run('stats', '-r', `${dir}/vxlan.pcap`, '--format', 'jsonl')).out.trimEnd().split('\n').map((l) => JSON.parse(l) as { stream?: number; tunnel?: string; client?: string; server?: string });
    const conns = rows.filter((r) => r.stream !== undefined);
    expect(conns.map((r) => r.tunnel).sort()).toEqual(['vxlan vni 42', 'vxlan vni 43', 'vxlan vni 44']);
    expect(Object.keys(conns[0]!).slice(0, 4)).toEqual(['stream', 'client', 'server', 'tunnel']);
    const text = (await run('stats', '-r', `${dir}/vxlan.pcap`)).out;
    expect(text).toMatch(/ \[vxlan vni 43\] /);
  });
});

describe('netrx packets on tunnel captures', () => {
  it('lists the layers of each packet, inner endpoints and the tunnel layers between', async () => {
    const { status, out } = await run('packets', '-r', `${dir}/gtpu.pcap`, '--format', 'jsonl');
    expect(status).toBe(0);
    const rows = out.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(rows[0]).toMatchObject({ layers: ['ethernet', 'ipv4', 'udp', 'gtpu'], src: '198.51.100.1:2152', dst: '198.51.100.2:2152' });
    expect(rows[2]).toMatchObject({ layers: ['ethernet', 'ipv4', 'udp', 'gtpu', 'ipv4', 'tcp'], src: '10.3.0.1:40000', dst: '10.3.0.2:8080' });
    expect(rows[2].tunnel).toBe('gtp-u');
    expect(Object.keys(rows[2]).slice(4, 7)).toEqual(['src', 'dst', 'tunnel']);
    const text = await run('packets', '-r', `${dir}/nested.pcap`);
    expect(text.out.split('\n').find((l) => l.includes('/tcp '))).toMatch(/ ethernet\/ipv4\/gre\/ipv4\/udp\/vxlan\/ethernet\/ipv4\/tcp 10\.0\.0\.\d:\d+ > 10\.0\.0\.\d:\d+ \[gre [^\]]+ \/ vxlan vni \d+\] /);
  });

  it('tells tenants apart: the tunnel in jsonl and in -Y', async () => {
    const all = (await run('packets', '-r', `${dir}/vxlan.pcap`, '--format', 'jsonl', '--decode-as', 'udp.port==8472,vxlan')).out.trimEnd().split('\n').map((l) => JSON.parse(l) as { tunnel?: string; layers: string[] });
    const tenants = new Set(all.filter((r) => r.layers.includes('vxlan')).map((r) => r.tunnel));
    expect(tenants).toEqual(new Set(['vxlan vni 42', 'vxlan vni 43', 'vxlan vni 44', 'vxlan vni 45']));
    const one = (await run('packets', '-r', `${dir}/vxlan.pcap`, '--format', 'jsonl', '-Y', 'tunnel == "vxlan vni 43"')).out.trimEnd().split('\n');
    expect(one.length).toBe(all.filter((r) => r.tunnel === 'vxlan vni 43').length);
    expect(one.every((l) => l.includes('"tunnel":"vxlan vni 43"'))).toBe(true);
  });

  it('takes decode-as rules on mpls.label and refuses one naming no dissector', async () => {
    const { out } = await run('packets', '-r', `${dir}/mpls-pw.pcap`, '--format', 'jsonl', '--decode-as', 'mpls.label==17,pwethcw');
    const rows = out.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(rows.some((r) => r.layers.includes('pwethcw'))).toBe(true);
    // A decode-as rule naming a dissector that does not exist is a usage error, not a silent miss.
    const bad = await run('packets', '-r', `${dir}/mpls-pw.pcap`, '--decode-as', 'mpls.label==17,nosuch');
    expect(bad.status).not.toBe(0);
    expect(bad.err).toMatch(/nosuch/);
  });
});
