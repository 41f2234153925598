import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { firstValueFrom, from, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { fromCaptureFile } from '@netrx/source-file';
import { corePlugin } from '../core-plugin.js';
import { createDissectStats, dissect } from '../dissect.js';
import type { Layer, Packet } from '../layer.js';
import { createRegistry } from '../plugin.js';

// The tunnel fixtures (fixtures/tunnels: kernel-made VXLAN and SRv6 captures, and real packets
// wrapped in the tunnels this kernel cannot make; record.sh says how) decoded by core, and held
// to tshark 4.0's decode of the same files (X.tshark.tsv) frame by frame: the layer stack up to
// the inner transport, each tunnel's fields, the inner addresses and ports.

const dir = fileURLToPath(new URL('./fixtures/tunnels/', import.meta.url));
const captures = readdirSync(dir)
  .filter((f) => f.endsWith('.pcap'))
  .map((f) => f.slice(0, -5))
  .sort();

interface SessionMeta {
  readonly tag: string;
  readonly tunnel: string | null;
  readonly decodeAs?: string | readonly string[];
}

/** The sessions of a capture, from its truth's meta line. */
function sessionsOf(name: string): SessionMeta[] {
  const meta = JSON.parse(readFileSync(`${dir}${name}.truth.jsonl`, 'utf8').split('\n')[0]!) as { sessions: SessionMeta[] };
  return meta.sessions;
}

/** The decode-as rules a capture's sessions need (vxlan.pcap: VXLAN on 8472; mpls-pw.pcap: the pseudowire). */
function rulesOf(name: string): string[] {
  return [...new Set(sessionsOf(name).flatMap((s) => (s.decodeAs === undefined ? [] : typeof s.decodeAs === 'string' ? [s.decodeAs] : s.decodeAs)))];
}

async function decode(name: string, rules = rulesOf(name)): Promise<Packet[]> {
  const registry = createRegistry([corePlugin]);
  for (const r of rules) registry.addDecodeAs(r);
  const stats = createDissectStats();
  const packets = await firstValueFrom(fromCaptureFile(`${dir}${name}.pcap`).pipe(dissect(registry, { stats }), toArray()));
  expect(stats.failures).toEqual({});
  return packets;
}

/** tshark's rows, by column name. */
function tshark(name: string): Record<string, string>[] {
  const [head, ...rows] = readFileSync(`${dir}${name}.tshark.tsv`, 'utf8').trimEnd().split('\n');
  const cols = head!.split('\t');
  return rows.map((r) => Object.fromEntries(r.split('\t').map((v, i) => [cols[i]!, v])));
}

/** tshark's names for netrx's layers (a QinQ service tag is `ieee8021ad` there). */
function tsharkName(l: Layer): string {
  if (l.protocol === 'vlan') return l.tpid === 0x88a8 ? 'ieee8021ad' : 'vlan';
  const names: Record<string, string> = { ethernet: 'eth', ipv4: 'ip', gtpu: 'gtp', pppoe: 'pppoes' };
  return names[l.protocol] ?? l.protocol;
}
const KNOWN = new Set(['eth', 'vlan', 'ieee8021ad', 'ip', 'ipv6', 'udp', 'gre', 'erspan', 'vxlan', 'geneve', 'gtp', 'mpls', 'pwethcw', 'pppoes', 'ppp']);

/** tshark's protocol stack up to the transport above the last IP header (which core leaves to plugins). */
function tsharkStack(protocols: string): string[] {
  const all = protocols.split(':');
  const tcp = all.indexOf('tcp');
  return (tcp < 0 ? all : all.slice(0, tcp)).filter((p) => KNOWN.has(p));
}

/** netrx's values of tshark's fields, formatted as numbers or text lists to compare. */
function fields(p: Packet): Record<string, string> {
  const out: Record<string, (string | number)[]> = {};
  const put = (k: string, v: string | number | undefined) => v !== undefined && (out[k] ??= []).push(v);
  for (const l of p.layers) {
    if (l.protocol === 'vxlan') put('vxlan.vni', l.vni);
    if (l.protocol === 'geneve') put('geneve.vni', l.vni);
    if (l.protocol === 'gtpu') {
      put('gtp.teid', l.teid);
      put('gtp.message', l.messageType);
    }
    if (l.protocol === 'gre') {
      put('gre.key', l.key);
      put('gre.key.call_id', l.callId);
      put('gre.checksum.status', l.checksumValid === undefined ? undefined : l.checksumValid ? 1 : 0);
    }
    if (l.protocol === 'erspan') {
      put('erspan.version', l.type === 1 ? undefined : l.type - 1);
      put('erspan.spanid', l.sessionId);
    }
    if (l.protocol === 'mpls') for (const label of l.labels) put('mpls.label', label);
    if (l.protocol === 'pppoe') put('pppoe.session_id', l.sessionId);
    if (l.protocol === 'ppp') put('ppp.protocol', l.pppProtocol);
    if (l.protocol === 'ipv4') {
      put('ip.src', l.src);
      put('ip.dst', l.dst);
    }
    if (l.protocol === 'ipv6') {
      put('ipv6.src', l.src);
      put('ipv6.dst', l.dst);
    }
  }
  // The inner transport's ports (TCP is not core's; read them off the innermost IP payload).
  const last = p.layers.at(-1);
  if ((last?.protocol === 'ipv4' || last?.protocol === 'ipv6') && last.nextProtocol === 6 && last.payload.length >= 4) {
    put('tcp.srcport', (last.payload[0]! << 8) | last.payload[1]!);
    put('tcp.dstport', (last.payload[2]! << 8) | last.payload[3]!);
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.join(',')]));
}

/** tshark's value of a field in the same form: numbers in decimal (tshark writes some in hex). */
function normalise(v: string): string {
  return v
    .split(',')
    .map((x) => (/^(0x[0-9a-f]+|\d+)$/i.test(x) ? String(Number(x)) : x))
    .join(',');
}

describe('tunnel fixtures: netrx core against tshark 4.0', () => {
  it('has the captures record.sh makes', () => {
    expect(captures).toEqual(['erspan1', 'erspan2', 'erspan3', 'geneve', 'gre', 'gretap', 'gtpu', 'ipip', 'mpls', 'mpls-pw', 'nested', 'plain', 'pppoe', 'pptp', 'seg6', 'sit', 'vxlan']);
  });

  it.each(captures)('%s: every frame decodes to tshark\'s layers and fields', async (name) => {
    const packets = await decode(name);
    const rows = tshark(name);
    expect(packets.length).toBe(rows.length);
    let tunnelled = 0;
    for (const [i, p] of packets.entries()) {
      const row = rows[i]!;
      const where = `${name} frame ${row['frame.number']}`;
      expect(p.layers.map(tsharkName), where).toEqual(tsharkStack(row['frame.protocols']!));
      const ours = fields(p);
      for (const [k, v] of Object.entries(ours)) expect(normalise(row[k] ?? ''), `${where} ${k}`).toBe(v);
      // And nothing tshark found that netrx did not.
      for (const [k, v] of Object.entries(row)) {
        if (v !== '' && k !== 'frame.number' && k !== 'frame.protocols' && k !== 'tcp.len') expect(ours[k], `${where} ${k}`).toBeDefined();
      }
      if (p.tunnel !== undefined) tunnelled++;
    }
    const expected = new Set(sessionsOf(name).map((s) => s.tunnel));
    if (!expected.has(null)) expect(tunnelled).toBeGreaterThan(0);
  });

  it.each(captures)('%s: packets carrying a session name its tunnel', async (name) => {
    const packets = await decode(name);
    const expected = new Set(sessionsOf(name).map((s) => s.tunnel ?? undefined));
    const seen = new Set<string | undefined>();
    for (const p of packets) {
      const ip = p.layers.findLast((l) => l.protocol === 'ipv4' || l.protocol === 'ipv6');
      if ((ip?.protocol === 'ipv4' || ip?.protocol === 'ipv6') && ip.nextProtocol === 6) seen.add(p.tunnel);
    }
    expect(seen).toEqual(expected);
  });

  it('vxlan: without the decode-as rule, VNI 45 on port 8472 stays UDP', async () => {
    const packets = await decode('vxlan', []);
    const on8472 = packets.filter((p) => p.layers.some((l) => l.protocol === 'udp' && l.dstPort === 8472));
    expect(on8472.length).toBeGreaterThan(0);
    for (const p of on8472) {
      expect(p.layers.map((l) => l.protocol)).toEqual(['ethernet', 'ipv4', 'udp']);
      expect(p.tunnel).toBeUndefined();
    }
    const tunnels = new Set(packets.map((p) => p.tunnel));
    expect(tunnels).toEqual(new Set([undefined, 'vxlan vni 42', 'vxlan vni 43', 'vxlan vni 44']));
  });

  it('mpls-pw: without a rule, the pseudowire is not guessed (the control word heuristic is off)', async () => {
    const packets = await decode('mpls-pw', []);
    for (const p of packets) expect(p.layers.map((l) => l.protocol)).toEqual(['ethernet', 'mpls']);
  });

  it('mpls-pw: enabling the pwethcw heuristic by name finds the pseudowire without a rule', async () => {
    const registry = createRegistry([corePlugin]);
    expect(registry.heuristics('mpls').setEnabled('pwethcw', true)).toBe(true);
    const packets = await firstValueFrom(fromCaptureFile(`${dir}mpls-pw.pcap`).pipe(dissect(registry), toArray()));
    for (const p of packets) expect(p.layers.map((l) => l.protocol).slice(0, 4)).toEqual(['ethernet', 'mpls', 'pwethcw', 'ethernet']);
  });

  it('gre: checksums verify; a flipped payload byte is WARN_GRE_BAD_CHECKSUM and decoding goes on', async () => {
    const packets = await decode('gre');
    const gre = packets.map((p) => p.layers.find((l) => l.protocol === 'gre'));
    expect(gre.every((l) => l?.protocol === 'gre' && l.checksumValid === true)).toBe(true);
    const frame = { ...packets[5]!.frame, data: Uint8Array.from(packets[5]!.frame.data) };
    frame.data[frame.data.length - 1]! ^= 0xff;
    const registry = createRegistry([corePlugin]);
    const [p] = await firstValueFrom(from([frame]).pipe(dissect(registry), toArray()));
    const l = p!.layers.find((x) => x.protocol === 'gre');
    expect(l).toMatchObject({ checksumValid: false, diagnostics: [{ code: 'WARN_GRE_BAD_CHECKSUM', offset: 14 + 20 + 4 }] });
    expect(p!.layers.map((x) => x.protocol)).toEqual(['ethernet', 'ipv4', 'gre', 'ipv4']);
  });
});

