import { basename } from 'node:path';
import { catchError, firstValueFrom, of, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { fromCaptureFile } from '@netrx/source-file';
import { corePlugin } from '../core-plugin.js';
import { createDissectStats, dissect, type DissectStats } from '../dissect.js';
import type { Packet } from '../layer.js';
import { createRegistry } from '../plugin.js';
import { corpusCaptures, noteIfCorpusMissing, publicManifest } from '../../../../test-support/corpus.js';

// Every capture of the shared corpus through dissect(): each packet's link and IP layers decode.
// (The packet-count check over the corpus is source-file's test; this one is about the layers.)
const missing = noteIfCorpusMissing('core corpus-layers');
const paths = [...publicManifest().map((r) => r.path), ...corpusCaptures()];

interface Result {
  readonly packets: Packet[];
  readonly stats: DissectStats;
}

const results = new Map<string, Result>();
async function run(path: string): Promise<Result> {
  let r = results.get(path);
  if (!r) {
    const stats = createDissectStats();
    // Broken files end in an error after their good records (source-file's concern): keep the good ones.
    const packets = await firstValueFrom(
      fromCaptureFile(path).pipe(
        dissect(createRegistry([corePlugin]), { stats }),
        catchError(() => of<Packet>()),
        toArray(),
      ),
    );
    r = { packets, stats };
    results.set(path, r);
  }
  return r;
}

const ip = (p: Packet) => p.layers.find((l) => l.protocol === 'ipv4' || l.protocol === 'ipv6');
const stack = (p: Packet) => p.layers.map((l) => l.protocol).join('/');
const byName = (name: string) => paths.find((p) => basename(p) === name);

describe.skipIf(missing)('corpus: link and IP layers of every packet', () => {
  it.each(paths.map((p) => [basename(p), p]))('%s', async (_name, path) => {
    const { packets, stats } = await run(path);
    expect(packets.length).toBeGreaterThan(0);
    expect(stats.unknownLinkType).toBe(0);
    for (const p of packets) {
      const cut = p.frame.caplen < p.frame.length;
      const failure = p.layers.find((l) => l.protocol === 'failure');
      // Every frame in the corpus carries IP; only a frame the snaplen cut may fail to reach it.
      if (!cut) {
        expect(failure, `frame ${p.frame.frameNumber}: ${stack(p)}`).toBeUndefined();
        expect(ip(p), `frame ${p.frame.frameNumber}: ${stack(p)}`).toBeDefined();
      } else if (failure?.protocol === 'failure') {
        expect(failure.code).toMatch(/TRUNCATED/);
      }
    }
  });

  it.each([
    ['http-qinq-0.pcap', 'ethernet/vlan/vlan/ipv4'],
    ['tcp-overlap.pcap', 'ethernet/vlan/ipv4'],
    ['websocket-ping_input.pcap', 'sll/ipv4'],
    ['decode-sll2-02_input.pcap', 'sll2/ipv4'],
    ['s1_chat_chromium_any_deflate.pcap', 'sll2/ipv4'],
    ['http-gap-simple_input.pcap', 'null/ipv4'],
    ['test_loopback.pcap', 'null/ipv6'],
    ['s3_wsclient_pyserver_ipv6_plain.pcap', 'ethernet/ipv6'],
  ])('%s decodes as %s', async (name, expected) => {
    const path = byName(name);
    if (!path) return;
    const { packets } = await run(path);
    for (const p of packets) expect(stack(p).startsWith(expected)).toBe(true);
  });

  it('raw_ip.pcap holds both IPv4 and IPv6 without a link header', async () => {
    const path = byName('raw_ip.pcap');
    if (!path) return;
    const { packets } = await run(path);
    expect(new Set(packets.map((p) => p.layers[0]?.protocol))).toEqual(new Set(['ipv4', 'ipv6']));
  });

  it.each([
    ['frag_http_req.pcap', 'ipv4'],
    ['frag-eth-vlan-ipv6-tcp.pcap', 'ipv6'],
  ] as const)('%s: fragments reassemble into one %s datagram', async (name, proto) => {
    const path = byName(name);
    if (!path) return;
    const { packets, stats } = await run(path);
    const whole = packets.map(ip).filter((l) => l?.protocol === proto && l.reassembledFrom !== undefined);
    expect(whole.length).toBe(1);
    expect(whole[0]!.reassembledFrom).toBeGreaterThan(1);
    expect(stats.fragments).toMatchObject({ reassembled: 1, pending: 0, dropped: 0 });
    // Every fragment but the completing one stops at the IP layer.
    const stopped = packets.filter((p) => (ip(p) as { fragment?: boolean } | undefined)?.fragment === true);
    expect(stopped.length).toBe(stats.fragments.fragments - 1);
    expect(stopped.every((p) => p.layers[p.layers.length - 1] === ip(p))).toBe(true);
  });

  it('ipv6-http-atomic-frag.pcap: atomic fragments decode in place, nothing waits', async () => {
    const path = byName('ipv6-http-atomic-frag.pcap');
    if (!path) return;
    const { packets, stats } = await run(path);
    const v6 = packets.map(ip).filter((l) => l?.protocol === 'ipv6');
    expect(v6.some((l) => l.extensions.some((e) => e.type === 44))).toBe(true);
    expect(stats.fragments.pending).toBe(0);
  });
});
