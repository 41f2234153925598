// Never invent a message (issue 11), end to end: the midstream fixtures (real peers recorded, cut
// as a late capture start or lost packets cut a capture; length-prefixed protocols; noise) through
// the whole pipeline, as `netrx ws` runs it, with the heuristic and with decode-as on the server
// ports. Every message shown after the resynchronisation point is one a peer sent, in order, with
// the right client and server; a partial message's known bytes are what was sent; the
// length-prefixed protocols and the noise give no message at all, and the real frames after the
// noise are found. bench/invented-messages.mjs prints the same counts for the full sizes.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { WebSocketMessage } from '../types.js';
import { runCapture } from './pipeline.js';
// @ts-expect-error plain JavaScript, shared with the bench
import { writeNoiseFixtures } from './fixtures/midstream/noise.mjs';

interface Truth {
  level: string;
  conn: string;
  dir: 'c2s' | 's2c';
  type: string;
  payload_sha256: string;
  payload_utf8?: string;
  close_code?: number;
  close_reason?: string;
  captured: 'whole' | 'partial' | 'none';
}

const dir = join(import.meta.dirname, 'fixtures/midstream');
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const endpoint = (e: { address: string; port: number }) => (e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`);

function truthOf(path: string): { meta: Record<string, unknown>; messages: Truth[] } {
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { meta: lines.find((l) => l.level === 'meta')!, messages: lines.filter((l) => l.level === 'app') as unknown as Truth[] };
}

const keyOfTruth = (t: Truth) => (t.type === 'close' ? `close|${t.close_code ?? ''}|${t.close_reason ?? ''}` : `${t.type}|${t.payload_sha256}`);
const keyOfShown = (m: WebSocketMessage) => (m.kind === 'close' ? `close|${m.closeCode ?? ''}|${m.closeReason ?? ''}` : `${m.kind}|${sha256(m.payload)}`);

/** Scores what was shown against the truth: shown messages must be, in order, messages a peer sent. */
function score(messages: WebSocketMessage[], truth: Truth[]) {
  const conns = new Map<string, Truth[]>();
  for (const t of truth) {
    const k = `${t.conn}/${t.dir}`;
    if (!conns.has(k)) conns.set(k, []);
    conns.get(k)!.push(t);
  }
  const cursor = new Map<string, number>();
  let matched = 0;
  const invented: string[] = [];
  const wrongPartial: string[] = [];
  let partial = 0;
  for (const m of messages) {
    if (m.undecodable !== undefined) continue;
    const k = `${endpoint(m.connection.client)}>${endpoint(m.connection.server)}/${m.dir}`;
    const list = conns.get(k) ?? [];
    let i = cursor.get(k) ?? 0;
    if (m.partial) {
      partial++;
      // Its known bytes are those of a message sent (in order) of its length; unknown ones read as 0.
      const p = m.payload;
      const fits = (t: Truth) => {
        const want = Buffer.from(t.payload_utf8 ?? '', 'utf8');
        if (t.payload_utf8 === undefined || want.length !== p.length) return false;
        let zeros = 0;
        for (let n = 0; n < p.length; n++) {
          if (p[n] === 0 && want[n] !== 0) zeros++;
          else if (p[n] !== want[n]) return false;
        }
        return zeros <= (m.unknownBytes ?? 0);
      };
      const j = list.findIndex((t, n) => n >= i && fits(t));
      if (j < 0) wrongPartial.push(`${k}: ${(m.text ?? '').slice(0, 60)}`);
      else cursor.set(k, j + 1);
      continue;
    }
    const key = keyOfShown(m);
    while (i < list.length && keyOfTruth(list[i]!) !== key) i++;
    if (i < list.length) {
      matched++;
      cursor.set(k, i + 1);
    } else invented.push(`${k}: ${m.kind} ${(m.text ?? '').slice(0, 60)}`);
  }
  return { matched, invented, wrongPartial, partial };
}

const fixtures = readdirSync(dir).filter((f) => f.endsWith('.pcap.gz')).sort();

/** Least messages found per fixture (heuristic, decode-as), as measured when this was written. */
const FOUND: Record<string, [number, number]> = {
  'gaps.pcap.gz': [150, 150],
  'inside-header-c2s.pcap.gz': [60, 60],
  'inside-header-s2c.pcap.gz': [141, 141],
  // The heuristic follows the long frame to its end (stateful probe) and finds the chat after it.
  'long-client-frame.pcap.gz': [26, 26],
  'long-server-frame.pcap.gz': [26, 26],
};

describe('midstream fixtures end to end: nothing shown that was not sent', () => {
  for (const f of fixtures) {
    const { meta, messages: truth } = truthOf(join(dir, f.replace(/\.pcap\.gz$/, '.truth.jsonl')));
    const server = String(meta.server);
    const ports = (meta.server_ports as number[] | undefined) ?? [Number(server.slice(server.lastIndexOf(':') + 1))];
    for (const mode of ['heuristic', 'decode-as'] as const) {
      it(`${f} (${mode})`, async () => {
        const { messages, events } = await runCapture(join(dir, f), { decodeAs: mode === 'decode-as' ? ports.map((p) => `tcp.port==${p},websocket`) : [] });
        const s = score(messages, truth);
        expect(s.invented).toEqual([]);
        expect(s.wrongPartial).toEqual([]);
        if (f.startsWith('lp-')) {
          // Length-prefixed protocols: no WebSocket message of any kind (not even an undecodable
          // one), with or without the SYN; and what is said of them names the real client (an
          // unmasked chain settles no role: MQTT's broker on 1883 is never called the client).
          expect(messages.map((m) => `${m.kind} ${m.undecodable ?? m.text?.slice(0, 40) ?? ''}`)).toEqual([]);
          for (const e of events) if (e.type === 'ws.warning') expect(endpoint(e.connection.client), f).toBe(meta.client);
        }
        const [h, d] = FOUND[f] ?? [0, 0];
        expect(s.matched).toBeGreaterThanOrEqual(mode === 'heuristic' ? h : d);
        if (f.startsWith('deflate-')) {
          // Without the handshake, messages that copy history from before the capture are partial.
          expect(s.partial).toBeGreaterThan(0);
        }
        // Nothing dropped silently: every ws.warning is a record with codes.
        for (const e of events) if (e.type === 'ws.warning') expect(e.warnings.length).toBeGreaterThan(0);
      }, 60_000);
    }
  }
});

describe('noise end to end: no invented message, and the real frames after the noise found', () => {
  const noiseDir = mkdtempSync(join(tmpdir(), 'netrx-noise-test-'));
  afterAll(() => rmSync(noiseDir, { recursive: true, force: true }));
  const files: string[] = writeNoiseFixtures(noiseDir, { mib: 0.25 });
  for (const file of files) {
    const name = file.replace(/^.*\//, '');
    const { meta, messages: truth } = truthOf(file.replace(/\.pcap$/, '.truth.jsonl'));
    const ports = (meta.server_ports as number[] | undefined) ?? [Number(String(meta.server).split(':').pop())];
    for (const mode of ['heuristic', 'decode-as'] as const) {
      it(`${name} (${mode})`, async () => {
        const { messages } = await runCapture(file, { decodeAs: mode === 'decode-as' ? ports.map((p) => `tcp.port==${p},websocket`) : [] });
        const s = score(messages, truth);
        expect(s.invented).toEqual([]);
        // Nothing but the real messages: no undecodable one either (score() looks past those).
        expect(messages.filter((m) => m.undecodable !== undefined).map((m) => `${m.kind} ${m.undecodable}`)).toEqual([]);
        expect(messages).toHaveLength(s.matched);
        // The connection is followed past the noise (decode-as: searched to its end; the heuristic:
        // at segment starts, within its budget): the frames after the noise are found.
        expect(s.matched).toBe(truth.filter((t) => t.captured === 'whole').length);
      }, 120_000);
    }
  }
});
