// The midstream fixtures (fixtures/midstream: real peers recorded with tcpdump, cut the way a late
// capture start or lost packets cut a capture; noise generated here) against their truth files,
// and the frame-evidence search and the unknown-tracking inflater run over their bytes: the
// search believes frames only where real frames start, in every cut, and never in the
// length-prefixed protocols or the noise; the inflater's known bytes are what the peers sent.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { FrameChainSearch, type ChainVerdict } from '../frame-chain-search.js';
import { SECURITY_BITS_HEURISTIC, SECURITY_BITS_RESYNC } from '../frame-evidence.js';
import { TrackingInflater } from '../tracking-inflater.js';
// @ts-expect-error plain JavaScript, shared with the recording script
import { directionRuns, readPcap } from './fixtures/midstream/pcap-tools.mjs';
// @ts-expect-error plain JavaScript, shared with the bench
import { writeNoiseFixtures } from './fixtures/midstream/noise.mjs';

type Dir = 'c2s' | 's2c';
interface Run {
  offset: number;
  bytes: Buffer;
}
interface Truth {
  level: string;
  dir: Dir;
  seq: number;
  type: string;
  len: number;
  payload_sha256: string;
  payload_utf8?: string;
  compressed: boolean;
  stream_offset: number;
  stream_end: number;
  captured: 'whole' | 'partial' | 'none';
}
interface Meta {
  client: string;
  server: string;
  handshake?: boolean;
  captured_from?: Record<Dir, number | null>;
}

const dir = join(import.meta.dirname, 'fixtures/midstream');
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function load(path: string): { meta: Meta; messages: Truth[]; runs: Record<Dir, Run[]> } {
  const truthPath = path.replace(/\.pcap(\.gz)?$/, '.truth.jsonl');
  const lines = readFileSync(truthPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  const meta = lines[0] as unknown as Meta;
  const messages = lines.filter((l) => l.level === 'app') as unknown as Truth[];
  const runs = directionRuns(readPcap(readFileSync(path)).records, meta.client) as Record<Dir, Run[]>;
  return { meta, messages, runs };
}

/** The bytes of [from, to) in capture offsets, if the runs hold them all. */
function bytesAt(runs: Run[], from: number, to: number): Buffer | undefined {
  const r = runs.find((x) => x.offset <= from && to <= x.offset + x.bytes.length);
  return r?.bytes.subarray(from - r.offset, to - r.offset);
}

/** Unmasks and joins the frames laid out in `b` (a whole message's frames). */
function framesPayload(b: Buffer): { payload: Buffer; rsv1: boolean } {
  const parts: Buffer[] = [];
  let rsv1 = false;
  for (let o = 0; o < b.length; ) {
    if (parts.length === 0) rsv1 = (b[o]! & 0x40) !== 0;
    let len = b[o + 1]! & 0x7f;
    let h = 2;
    if (len === 126) {
      len = b.readUInt16BE(o + 2);
      h = 4;
    } else if (len === 127) {
      len = Number(b.readBigUInt64BE(o + 2));
      h = 10;
    }
    const masked = (b[o + 1]! & 0x80) !== 0;
    const key = masked ? b.subarray(o + h, o + h + 4) : undefined;
    if (masked) h += 4;
    const p = Buffer.from(b.subarray(o + h, o + h + len));
    if (key) for (let i = 0; i < p.length; i++) p[i]! ^= key[i & 3]!;
    parts.push(p);
    o += h + len;
  }
  return { payload: Buffer.concat(parts), rsv1 };
}

/** Runs a search over a run in segment-sized pushes; then the end, if nothing was believed. */
function search(run: Run, masked: boolean, securityBits: number): ChainVerdict {
  const s = new FrameChainSearch({ masked, rsv1: true, continuationFirst: true }, { securityBits });
  for (let o = 0; o < run.bytes.length; o += 1448) {
    const v = s.push(run.bytes.subarray(o, o + 1448));
    if (v.kind === 'match') return v;
  }
  return s.finish();
}

const wsFixtures = readdirSync(dir).filter((f) => f.endsWith('.pcap.gz') && !f.startsWith('lp-')).sort();
const lpFixtures = readdirSync(dir).filter((f) => f.startsWith('lp-') && f.endsWith('.pcap.gz')).sort();

describe('midstream fixtures', () => {
  it('are all there: captures inside long frames and headers, gaps, deflate after k messages, five protocols with and without the SYN', () => {
    expect(wsFixtures).toEqual([
      'deflate-k1.pcap.gz',
      'deflate-k10.pcap.gz',
      'deflate-k3.pcap.gz',
      'deflate-k5.pcap.gz',
      'gaps.pcap.gz',
      'inside-header-c2s.pcap.gz',
      'inside-header-s2c.pcap.gz',
      'long-client-frame.pcap.gz',
      'long-server-frame.pcap.gz',
    ]);
    expect(lpFixtures.length).toBe(10);
  });

  it.each(wsFixtures)('%s: every message the truth calls whole is in the capture, as the peers sent it', (f) => {
    const { meta, messages, runs } = load(join(dir, f));
    let checked = 0;
    for (const m of messages) {
      if (m.captured !== 'whole') continue;
      const base = meta.captured_from![m.dir]!;
      const b = bytesAt(runs[m.dir], m.stream_offset - base, m.stream_end - base);
      expect(b, `${m.dir} message ${m.seq}`).toBeDefined();
      const { payload, rsv1 } = framesPayload(b!);
      expect(rsv1).toBe(m.compressed);
      // Compressed ones are checked by the inflater test below.
      if (!m.compressed) {
        expect(sha256(payload), `${m.dir} message ${m.seq}`).toBe(m.payload_sha256);
        checked++;
      }
    }
    if (!f.startsWith('deflate')) expect(checked).toBeGreaterThan(20);
  });
});

describe('FrameChainSearch on the recordings', () => {
  it.each(wsFixtures)('%s: believes frames only where a message starts, in each direction and after each gap', (f) => {
    const { meta, messages, runs } = load(join(dir, f));
    const found: string[] = [];
    for (const d of ['c2s', 's2c'] as const) {
      const starts = new Set(messages.filter((m) => m.dir === d).map((m) => m.stream_offset - meta.captured_from![d]!));
      runs[d].forEach((run, i) => {
        // With the handshake captured, the first run starts in sync: only the runs after gaps are searched.
        if (meta.handshake && i === 0) return;
        for (const masked of [true, false]) {
          const v = search(run, masked, meta.handshake ? SECURITY_BITS_RESYNC : SECURITY_BITS_HEURISTIC);
          if (v.kind !== 'match') continue;
          // The masking that matched is the direction's own (RFC 6455 §5.1).
          expect(masked).toBe(d === 'c2s');
          expect(starts.has(run.offset + v.offset), `${d} run ${i}: believed at ${run.offset + v.offset}`).toBe(true);
          found.push(`${d}${i}`);
        }
      });
    }
    // Every direction with more than one whole frame after the cut is found.
    const expected = {
      'gaps.pcap.gz': ['c2s1', 'c2s2', 'c2s3', 's2c1', 's2c2', 's2c3'],
      'inside-header-c2s.pcap.gz': ['c2s0'], // the server sent only its close after the cut
    }[f] ?? ['c2s0', 's2c0'];
    expect(found.sort()).toEqual(expected);
  });

  it.each(lpFixtures)('%s: no direction is a masked chain, and no connection has the two roles', (f) => {
    const { runs } = load(join(dir, f));
    const matched: Record<string, boolean> = {};
    for (const d of ['c2s', 's2c'] as const) {
      for (const masked of [true, false]) matched[`${d}/${masked ? 'masked' : 'unmasked'}`] = runs[d].some((run) => search(run, masked, SECURITY_BITS_HEURISTIC).kind === 'match');
    }
    // A WebSocket connection has a masked side (the client) and an unmasked one (the server).
    const websocket = (matched['c2s/masked'] && matched['s2c/unmasked']) || (matched['s2c/masked'] && matched['c2s/unmasked']);
    expect(websocket).toBe(false);
    expect(matched['c2s/masked'] || matched['s2c/masked']).toBe(false);
    // Ten MQTT SUBSCRIBEs (0x82, a final binary frame's first byte) in a row do read as an
    // unmasked chain: only the connection rule above rejects them.
    if (!f.startsWith('lp-mqtt')) expect(matched['c2s/unmasked'] || matched['s2c/unmasked']).toBe(false);
  });
});

describe('TrackingInflater on the deflate recordings (capture started after k messages)', () => {
  // These chats never converge: every message repeats the JSON skeleton of the one before
  // (`{"type":"say","seq":`) and words of a small vocabulary; deflate copies them from the latest
  // copy, and their first copy was before the capture. So they stay unknown (59% of the bytes
  // after k = 1, 87% after k = 10), and what was sent as literals is known.
  it.each(['deflate-k1', 'deflate-k3', 'deflate-k5', 'deflate-k10'])('%s: every byte called known is what was sent', (name) => {
    const { meta, messages, runs } = load(join(dir, `${name}.pcap.gz`));
    let partial = 0;
    let total = 0;
    let unknown = 0;
    for (const d of ['c2s', 's2c'] as const) {
      const inf = new TrackingInflater({ maxOutput: 1 << 20, history: 'unknown' });
      for (const m of messages.filter((x) => x.dir === d && x.captured === 'whole')) {
        const base = meta.captured_from![d]!;
        const { payload, rsv1 } = framesPayload(bytesAt(runs[d], m.stream_offset - base, m.stream_end - base)!);
        if (!rsv1) continue; // control frames
        const r = inf.inflate(payload);
        expect(r.ok).toBe(true);
        if (!r.ok) continue;
        const want = Buffer.from(m.payload_utf8!, 'utf8');
        expect(r.data.length).toBe(want.length);
        for (let i = 0; i < want.length; i++) if (!r.unknown?.[i]) expect(r.data[i], `${d} message ${m.seq} byte ${i}`).toBe(want[i]);
        if (r.unknownBytes > 0) partial++;
        else expect(sha256(r.data)).toBe(m.payload_sha256);
        total += r.data.length;
        unknown += r.unknownBytes;
      }
    }
    expect(partial).toBeGreaterThan(0);
    expect(unknown).toBeLessThan(total);
  });
});

describe('FrameChainSearch on noise (generated)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'netrx-noise-test-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const files = writeNoiseFixtures(tmp, { mib: 1, seed: 7 }) as string[];

  it.each(files.map((p) => [p.replace(/^.*\//, ''), p]))('%s: nothing believed in the noise, the real frames after it found', (_name, path) => {
    const records = readPcap(readFileSync(path)).records as { data: Buffer }[];
    const truthLines = readFileSync(path.replace(/\.pcap$/, '.truth.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Truth & { conn: string; level: string });
    const conns = new Map<string, { data: Buffer }[]>();
    for (const r of records) {
      const d = r.data;
      const ports = [d.readUInt16BE(34), d.readUInt16BE(36)].sort().join('-');
      conns.set(ports, [...(conns.get(ports) ?? []), r]);
    }
    let believed = 0;
    for (const [, recs] of conns) {
      const client = `10.0.0.1:${Math.max(recs[0]!.data.readUInt16BE(34), recs[0]!.data.readUInt16BE(36))}`;
      const runs = directionRuns(recs, client) as Record<Dir, Run[]>;
      const owed = truthLines.filter((l) => l.level === 'app' && l.conn.startsWith(client));
      for (const d of ['c2s', 's2c'] as const) {
        for (const masked of [true, false]) {
          for (const run of runs[d]) {
            const v = search(run, masked, SECURITY_BITS_RESYNC);
            if (v.kind !== 'match') continue;
            believed++;
            const first = owed.find((l) => l.dir === d);
            expect(first, `${client} ${d}: nothing is owed there`).toBeDefined();
            expect(run.offset + v.offset).toBe(first!.stream_offset);
            expect(masked).toBe(d === 'c2s');
          }
        }
      }
    }
    expect(believed).toBe(2); // the five text frames, each way, on the connection that has them
  });
});
