// `netrx packets --format jsonl` over the whole shared corpus: one line per packet (capinfos'
// count from the manifest; tcpdump's for captures/), and link and IP layers decoded as the
// manifest's independent tallies say (ipv4_pkts, ipv6_pkts, vlan_pkts, vlan_depth2).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusCaptures, corpusDir, noteIfCorpusMissing, publicManifest } from '../../../../test-support/corpus.js';
import { run } from './run-cli.js';

const missing = noteIfCorpusMissing('netrx packets over the corpus');

interface Row {
  layers: string[];
  linkType: number;
  src: string | null;
  failure?: { protocol: string };
}

/** The first layer each link type must decode to. */
const LINK_LAYER: Record<number, string[]> = {
  0: ['null'],
  1: ['ethernet'],
  101: ['ipv4', 'ipv6'],
  113: ['sll'],
  276: ['sll2'],
};

/** The manifest's packets column as written ("18 (read error after 18: …)"). */
function packetsColumn(): Map<string, { count: number; readError: boolean }> {
  const lines = readFileSync(join(corpusDir!, 'public/MANIFEST.tsv'), 'utf8').split('\n').filter(Boolean);
  const head = lines[0]!.split('\t');
  return new Map(
    lines.slice(1).map((line) => {
      const c = line.split('\t');
      const raw = c[head.indexOf('packets')]!;
      return [c[head.indexOf('file')]!, { count: parseInt(raw, 10), readError: raw.includes('read error') }];
    }),
  );
}

function tally(contents: string, name: string): number | undefined {
  const m = new RegExp(`\\b${name}=(\\d+)`).exec(contents);
  return m ? Number(m[1]) : undefined;
}

describe.skipIf(missing)('netrx packets over the corpus', () => {
  const packets = missing ? new Map() : packetsColumn();

  it.each(publicManifest().map((r) => [r.file, r] as const))('public/%s', async (_, row) => {
    const { count, readError } = packets.get(row.file)!;
    const { status, out, err } = await run('packets', '-r', row.path, '--format', 'jsonl');
    const rows = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
    expect(rows).toHaveLength(count);
    if (readError) {
      expect(status).toBe(1);
      expect(err).toMatch(/at byte \d+/);
    } else {
      expect(err).toBe('');
      expect(status).toBe(0);
    }
    for (const r of rows) {
      const first = LINK_LAYER[r.linkType];
      // The link layer decodes, or fails as itself (zeek's trunc-hdr.pcap: 8 bytes of Ethernet).
      if (first) expect(first).toContain(r.layers[0] === 'failure' ? r.failure!.protocol : r.layers[0]);
    }
    const has = (p: string) => rows.filter((r) => r.layers.includes(p)).length;
    const expected = {
      ipv4: tally(row.contents, 'ipv4_pkts') ?? 0,
      ipv6: tally(row.contents, 'ipv6_pkts') ?? 0,
      vlan: tally(row.contents, 'vlan_pkts') ?? 0,
      qinq: tally(row.contents, 'vlan_depth2') ?? 0,
    };
    expect({ ipv4: has('ipv4'), ipv6: has('ipv6'), vlan: has('vlan'), qinq: rows.filter((r) => r.layers.filter((l) => l === 'vlan').length >= 2).length }).toEqual(expected);
  });

  it('reassembles IPv6 fragments: the last fragment carries the TCP segment (suricata frag-eth-vlan-ipv6-tcp)', async () => {
    const path = publicManifest().find((r) => r.file === 'OISF_suricata-verify/frag-eth-vlan-ipv6-tcp.pcap')!.path;
    const rows = (await run('packets', '-r', path, '--format', 'jsonl')).out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
    expect(rows.map((r) => r.layers.at(-1))).toEqual(['ipv6', 'ipv6', 'tcp']);
  });

  it.each(corpusCaptures().map((p) => [basename(p), p] as const))('captures/%s', async (_, path) => {
    const { status, out } = await run('packets', '-r', path, '--format', 'jsonl');
    expect(status).toBe(0);
    const rows = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
    let expected: number | undefined;
    try {
      expected = execFileSync('tcpdump', ['-r', path, '-nn', '-q', '-t'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(Boolean).length;
    } catch {
      console.warn(`tcpdump is not installed: not checking the packet count of ${basename(path)}`);
    }
    if (expected !== undefined) expect(rows).toHaveLength(expected);
    // Every packet of these WebSocket sessions is TCP over IP on the chat ports.
    for (const r of rows) expect(r.layers.slice(-2)).toEqual([r.layers.includes('ipv6') ? 'ipv6' : 'ipv4', 'tcp']);
  });
});
