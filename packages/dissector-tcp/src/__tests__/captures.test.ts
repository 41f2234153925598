// Conformance: reassembled WebSocket streams against what the applications themselves logged
// (../shared/corpus/captures/*.truth.jsonl). The truth's `stream` records count the bytes after
// the HTTP handshake; its `frame` records give each frame's stream offset, header and payload hash.
import { describe, expect, test } from 'vitest';
import { createHash } from 'node:crypto';
import { corpusCaptures, noteIfCorpusMissing, readJsonLines } from '../../../../test-support/corpus.js';
import { reassembleFile } from './run-capture.js';

interface TruthRecord {
  level: string;
  event?: string;
  client: string;
  server: string;
  dir: 'c2s' | 's2c';
  bytes: number;
  sha256: string;
  stream_offset: number;
  header_len: number;
  len: number;
  masked: boolean;
  mask_key: string | null;
  payload_sha256: string;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/**
 * Where the HTTP handshake ends in a direction: after the head of the request carrying
 * `Upgrade: websocket` (c2s), or of the `101` response (s2c). Requests before it on a keep-alive
 * connection are part of the HTTP bytes, as the truth counts them.
 */
function handshakeEnd(data: Buffer, dir: 'c2s' | 's2c'): number {
  const text = data.toString('latin1');
  const at = dir === 'c2s' ? text.search(/\r\nupgrade:[ \t]*websocket[ \t]*\r\n/i) : text.search(/HTTP\/1\.1 101 /);
  if (at < 0) return -1;
  const end = text.indexOf('\r\n\r\n', at);
  return end < 0 ? -1 : end + 4;
}

/** Checks the frames the truth logged against our bytes, our offset 0 being truth offset `start`. */
function checkFrames(data: Buffer, frames: TruthRecord[], start: number): number {
  let checked = 0;
  for (const f of frames) {
    if (f.stream_offset < start) continue;
    const at = f.stream_offset - start + f.header_len;
    const payload = Buffer.from(data.subarray(at, at + f.len));
    expect(payload.length, `frame at truth offset ${f.stream_offset}`).toBe(f.len);
    if (f.masked) {
      const key = Buffer.from(f.mask_key!, 'hex');
      for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i & 3]!;
    }
    expect(sha256(payload), `frame at truth offset ${f.stream_offset}`).toBe(f.payload_sha256);
    checked++;
  }
  return checked;
}

const missing = noteIfCorpusMissing('TCP reassembly against the captures truth files');
const captures = missing ? [] : corpusCaptures();

describe.skipIf(missing)('reassembled post-handshake bytes equal the truth (captures)', () => {
  test.each(captures.map((c) => [c.split('/').pop()!, c]))('%s', async (_name, capture) => {
    const conns = await reassembleFile(capture);
    const truth = readJsonLines<TruthRecord>(`${capture}.truth.jsonl`);
    let compared = 0;
    for (const c of conns) {
      for (const dir of ['c2s', 's2c'] as const) {
        const mine = (r: TruthRecord): boolean => r.client === c.client && r.server === c.server && r.dir === dir;
        const streams = truth.filter((r) => r.level === 'stream' && mine(r));
        // Failed upgrades (s6) have no WebSocket bytes and no stream record: nothing is owed.
        if (streams.length === 0) continue;
        const want = streams[0]!;
        for (const s of streams) expect([s.bytes, s.sha256]).toEqual([want.bytes, want.sha256]);
        const data = c[dir].data;
        expect(c[dir].stats.gaps).toBe(0);
        if (c.clientBy === 'syn') {
          const end = handshakeEnd(data, dir);
          expect(end, `the handshake in ${dir}`).toBeGreaterThan(0);
          const post = data.subarray(end);
          expect([post.length, sha256(post)], `${c.client} ${dir}`).toEqual([want.bytes, want.sha256]);
        } else {
          // Midstream: the capture began after some messages were sent, so we hold the stream's
          // tail. Its start must be a frame boundary the truth logged, and every frame after it
          // must be in our bytes at its offset, with its payload.
          const start = want.bytes - data.length;
          const frames = truth.filter((r) => r.level === 'frame' && r.event === 'send' && mine(r));
          expect(frames.some((f) => f.stream_offset === start), `a frame starting at truth offset ${start}`).toBe(true);
          expect(checkFrames(data, frames, start)).toBeGreaterThan(0);
          const last = frames.at(-1)!;
          expect(last.stream_offset + last.header_len + last.len - start).toBe(data.length);
        }
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(0);
  });
});
