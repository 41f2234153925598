import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { websocketMessages } from '@netrx/dissector-websocket';
import { createPipeline } from '@netrx/pipeline';
import { inetChecksum } from '../../test-support/packets.js';
import {
  FRAGMENT_PAYLOAD_BYTES,
  OOO_SEGMENT_BYTES,
  connectionsBehindHole,
  connectionsWithOneOooSegment,
  impossibleWsLength,
  incompleteFragments,
  nearCapDeflateMessages,
  oneConnectionOooSegments,
  stackedVlanTags,
  synOnlyConnections,
  synPlus8Connections,
} from '../hostile-inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'netrx-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The frames of a little-endian µs pcap, checked record by record (header, lengths). */
function frames(pcap: Uint8Array): Uint8Array[] {
  const v = new DataView(pcap.buffer, pcap.byteOffset, pcap.byteLength);
  expect(v.getUint32(0, true)).toBe(0xa1b2c3d4);
  expect(v.getUint32(20, true)).toBe(1);
  const out: Uint8Array[] = [];
  let at = 24;
  while (at < pcap.length) {
    const caplen = v.getUint32(at + 8, true);
    expect(v.getUint32(at + 12, true)).toBe(caplen);
    out.push(pcap.subarray(at + 16, at + 16 + caplen));
    at += 16 + caplen;
  }
  expect(at).toBe(pcap.length);
  return out;
}

interface Seg {
  src: string;
  flags: number;
  seq: number;
  payload: Uint8Array;
}

/** Decodes an Ethernet/IPv4/TCP frame (checking the IPv4 checksum), independently of netrx. */
function tcpOf(f: Uint8Array): Seg {
  expect((f[12]! << 8) | f[13]!).toBe(0x0800);
  const ip = f.subarray(14);
  expect(inetChecksum(ip.subarray(0, 20))).toBe(0);
  const tcp = ip.subarray(20, (ip[2]! << 8) | ip[3]!);
  expect([(tcp[0]! << 8) | tcp[1]!, (tcp[2]! << 8) | tcp[3]!]).toContain(7272);
  return {
    src: `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}:${(tcp[0]! << 8) | tcp[1]!}`,
    flags: tcp[13]!,
    seq: new DataView(tcp.buffer, tcp.byteOffset).getUint32(4),
    payload: tcp.subarray((tcp[12]! >> 4) * 4),
  };
}

function asFile(name: string, bytes: Uint8Array): string {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

describe('hostile inputs', () => {
  it('synOnlyConnections: one SYN from each of n distinct clients', () => {
    const segs = frames(synOnlyConnections(300)).map(tcpOf);
    expect(segs).toHaveLength(300);
    expect(segs.every((s) => s.flags === 0x02 && s.payload.length === 0)).toBe(true);
    expect(new Set(segs.map((s) => s.src)).size).toBe(300);
  });

  it('synPlus8Connections: a SYN then 8 bytes at ISN+1, per client', () => {
    const segs = frames(synPlus8Connections(50)).map(tcpOf);
    expect(segs).toHaveLength(100);
    for (let i = 0; i < 50; i++) {
      const [syn, data] = [segs[2 * i]!, segs[2 * i + 1]!];
      expect(syn.flags).toBe(0x02);
      expect(data.src).toBe(syn.src);
      expect(data.seq).toBe((syn.seq + 1) >>> 0);
      expect(Buffer.from(data.payload).toString()).toBe('GET /cha');
    }
  });

  it('oneConnectionOooSegments: n one-byte segments each after a hole; the reassembler delivers none in order', async () => {
    const bytes = oneConnectionOooSegments(200);
    const segs = frames(bytes).map(tcpOf);
    expect(segs).toHaveLength(203);
    const isn = segs[0]!.seq;
    expect(segs.slice(3).map((s) => s.seq - isn - 1)).toEqual(Array.from({ length: 200 }, (_, i) => 2 * i + 1));
    const p = createPipeline({ file: asFile('ooo.pcap', bytes) });
    const events = await lastValueFrom(p.frames().pipe(p.streams(), toArray()));
    // Every byte comes after a one-byte hole: 200 bytes of data, 200 bytes of gaps.
    let data = 0;
    let gaps = 0;
    for (const e of events) {
      if (e.type === 'data' && e.dir === 'c2s') data += e.bytes.length;
      if (e.type === 'gap' && e.dir === 'c2s') gaps += e.length;
    }
    expect({ data, gaps }).toEqual({ data: 200, gaps: 200 });
  });

  it('connectionsWithOneOooSegment: a handshake, then one segment past a hole of its own size', () => {
    const segs = frames(connectionsWithOneOooSegment(20)).map(tcpOf);
    expect(segs).toHaveLength(80);
    for (let i = 0; i < 20; i++) {
      const [syn, , , data] = segs.slice(4 * i, 4 * i + 4);
      expect(data!.seq - syn!.seq - 1).toBe(OOO_SEGMENT_BYTES);
      expect(data!.payload.length).toBe(OOO_SEGMENT_BYTES);
    }
  });

  it('connectionsBehindHole: k connections interleaved, `bytes` each after a missing first segment', () => {
    const segs = frames(connectionsBehindHole(3, 5000)).map(tcpOf);
    const data = segs.filter((s) => s.payload.length > 0);
    expect(data.reduce((n, s) => n + s.payload.length, 0)).toBe(15000);
    const bySrc = new Map<string, number[]>();
    for (const s of data) bySrc.set(s.src, [...(bySrc.get(s.src) ?? []), s.seq]);
    expect(bySrc.size).toBe(3);
    const syns = new Map(segs.filter((s) => s.flags === 0x02).map((s) => [s.src, s.seq]));
    for (const [src, seqs] of bySrc) expect(seqs[0]! - syns.get(src)! - 1).toBe(1460);
    // Interleaved: no two consecutive data segments from the same connection.
    expect(data.slice(1).every((s, i) => s.src !== data[i]!.src)).toBe(true);
  });

  it('nearCapDeflateMessages: netrx inflates each to `mib` MiB of zero bytes, from a capture a thousand times smaller', async () => {
    const bytes = nearCapDeflateMessages(2, 1);
    expect(bytes.length).toBeLessThan(2 * 2 ** 20 / 100);
    const messages = await lastValueFrom(createPipeline({ file: asFile('deflate.pcap', bytes) }).capture().pipe(websocketMessages(), toArray()));
    const texts = messages.filter((m) => m.kind === 'text');
    expect(texts).toHaveLength(2);
    for (const m of texts) {
      expect(m.compressed).toBe(true);
      expect(m.payload.length).toBe(2 ** 20);
      expect(m.payload.every((b) => b === 0)).toBe(true);
    }
    expect(messages.filter((m) => m.kind === 'close')).toHaveLength(2);
  });

  it('incompleteFragments: first fragments only (MF set, offset 0), a datagram each', () => {
    const fs = frames(incompleteFragments(70_000));
    expect(fs).toHaveLength(70_000);
    const keys = new Set<string>();
    for (const f of [fs[0]!, fs[65_535]!, fs[65_536]!, fs[69_999]!]) {
      const ip = f.subarray(14);
      expect(inetChecksum(ip.subarray(0, 20))).toBe(0);
      expect((ip[6]! << 8) | ip[7]!).toBe(0x2000);
      expect(((ip[2]! << 8) | ip[3]!) - 20).toBe(FRAGMENT_PAYLOAD_BYTES);
      keys.add(`${ip.subarray(12, 16).join('.')}/${(ip[4]! << 8) | ip[5]!}`);
    }
    expect(keys.size).toBe(4);
  });

  it('stackedVlanTags: n 802.1Q tags before IPv4', () => {
    const [f] = frames(stackedVlanTags(1000));
    expect(f!.length).toBe(14 + 4000 + 40);
    for (let i = 0; i < 1000; i++) expect((f![12 + 4 * i]! << 8) | f![13 + 4 * i]!).toBe(0x8100);
    expect((f![4012]! << 8) | f![4013]!).toBe(0x0800);
    expect(frames(stackedVlanTags(40, 3))).toHaveLength(3);
  });

  it('impossibleWsLength: three WebSocket connections, each with one good "hello" before the hostile part', async () => {
    const bytes = impossibleWsLength();
    const messages = await lastValueFrom(createPipeline({ file: asFile('ws.pcap', bytes) }).capture().pipe(websocketMessages(), toArray()));
    const hellos = messages.filter((m) => m.kind === 'text' && Buffer.from(m.payload).toString() === 'hello');
    expect(hellos.map((m) => m.dir)).toEqual(['s2c', 'c2s', 's2c']);
  });

  it('is deterministic', () => {
    expect(Buffer.from(synPlus8Connections(30)).equals(Buffer.from(synPlus8Connections(30)))).toBe(true);
    expect(Buffer.from(impossibleWsLength()).equals(Buffer.from(impossibleWsLength()))).toBe(true);
  });
});
