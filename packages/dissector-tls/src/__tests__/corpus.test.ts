// Conformance on the shared corpus (captures-tls): with each capture's key log (or, for the DSB
// capture, with only the secrets inside the file) every connection decrypts, and the application
// bytes after the HTTP upgrade equal the `stream` records of X.truth.jsonl (count and sha256 per
// direction); the WebSocket messages read from the plaintext equal what the applications
// received. Without keys, or with wrong ones, nothing is handed on as plaintext and the reason is given.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatEndpoint } from '@netrx/core';
import type { WebSocketMessage } from '@netrx/dissector-websocket';
import { corpusDir, noteIfCorpusMissing, readJsonLines } from '../../../../test-support/corpus.js';
import { MemoryKeyStore } from '../key-store.js';
import { tlsInfo } from '../types.js';
import { headEnd, runTls } from './pipeline.js';

noteIfCorpusMissing('dissector-tls corpus captures (captures-tls)');

interface Truth {
  level: string;
  event?: string;
  side?: string;
  dir?: 'c2s' | 's2c';
  conn?: string;
  bytes?: number;
  sha256?: string;
  type?: string;
  payload_sha256?: string;
  tls_sessions?: { conn: string; tls_version: string; cipher_iana: string; client_random: string }[];
}

const dir = corpusDir ? join(corpusDir, 'captures-tls') : '';
const captures = ['s7_wss_node_tls13_aes128.pcap', 's7_wss_node_tls12_ecdhe_rsa_aes128gcm.pcap', 's7_wss_dsb.pcapng'];
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const keyLogOf = (capture: string): string => readFileSync(join(dir, `${capture}.keys`), 'utf8');

describe.skipIf(!corpusDir)('captures-tls: decrypted application bytes equal the truth', () => {
  for (const capture of captures) {
    it(`${capture}: every connection, both directions, byte for byte`, async () => {
      const path = join(dir, capture);
      const dsbOnly = capture.endsWith('.pcapng');
      const keys = new MemoryKeyStore();
      if (!dsbOnly) keys.addKeyLog(keyLogOf(capture));
      const run = await runTls(path, { keys, record: true });
      const truth = readJsonLines<Truth>(`${path}.truth.jsonl`);
      const sessions = truth.find((r) => r.level === 'meta')!.tls_sessions!;
      expect(run.tls).toHaveLength(sessions.length);
      for (const s of sessions) {
        const ev = run.tls.find((e) => `${formatEndpoint(e.connection.client)}>${formatEndpoint(e.connection.server)}` === s.conn)!;
        expect(ev, s.conn).toBeDefined();
        expect(ev).toMatchObject({ decrypted: true, version: s.tls_version, suite: s.cipher_iana, clientRandom: s.client_random, warningCount: 0 });
        const plain = run.plain.get(ev.connection.id)!;
        for (const d of ['c2s', 's2c'] as const) {
          // The truth's stream records count the bytes after the HTTP upgrade (what the senders' sockets wrote as WebSocket).
          const t = truth.find((r) => r.level === 'stream' && r.conn === s.conn && r.dir === d && r.event === 'send')!;
          const all = Buffer.concat(plain[d].data);
          const cut = headEnd(all);
          expect(cut, `${s.conn} ${d}: an HTTP head first`).toBeGreaterThan(0);
          const ws = all.subarray(cut);
          expect({ bytes: ws.length, sha256: sha256(ws) }, `${capture} ${s.conn} ${d}`).toEqual({ bytes: t.bytes, sha256: t.sha256 });
          expect(ev.stats[d].plaintextBytes).toBe(all.length);
        }
      }
    });
  }

  it('s7_wss_node_tls13_aes128.pcap: the WebSocket messages inside equal what the applications received', async () => {
    const path = join(dir, captures[0]!);
    const keys = new MemoryKeyStore();
    keys.addKeyLog(keyLogOf(captures[0]!));
    const run = await runTls(path, { keys });
    const msgs = run.events.filter((e): e is WebSocketMessage => e.type === 'ws.message');
    const truth = readJsonLines<Truth>(`${path}.truth.jsonl`);
    for (const d of ['c2s', 's2c'] as const) {
      const expected = truth.filter((r) => r.level === 'app' && r.event === 'recv' && r.dir === d && (r.type === 'text' || r.type === 'binary')).map((r) => `${r.type} ${r.payload_sha256}`);
      const ours = msgs.filter((m) => m.dir === d && (m.kind === 'text' || m.kind === 'binary')).map((m) => `${m.kind} ${sha256(m.payload)}`);
      expect(ours.length).toBeGreaterThan(10);
      expect(ours, d).toEqual(expected);
    }
    expect(msgs.every((m) => m.warnings.length === 0 && m.undecodable === undefined)).toBe(true);
    expect(tlsInfo(msgs[0]!.connection)).toEqual({ version: 'TLSv1.3', suite: 'TLS_AES_128_GCM_SHA256' });
  });

  for (const capture of captures) {
    it(`${capture}: without keys nothing is handed on, and the reason is given`, async () => {
      const run = await runTls(join(dir, capture), { keys: new MemoryKeyStore(), dsb: false });
      expect(run.events.map((e) => e.type)).toEqual(['tls.connection']);
      expect(run.tls[0]).toMatchObject({ decrypted: false, reason: 'no-key' });
      expect(run.tls[0]!.reasonText).toContain(run.tls[0]!.clientRandom);
    });

    it(`${capture}: with wrong keys nothing is handed on, and the reason is given`, async () => {
      const keys = new MemoryKeyStore();
      // Every secret with its first byte changed.
      keys.addKeyLog(keyLogOf(capture).replace(/^(\S+ \S+ )(..)/gm, (_, head: string, b: string) => head + ((parseInt(b, 16) ^ 0x5a) & 0xff).toString(16).padStart(2, '0')));
      const run = await runTls(join(dir, capture), { keys, dsb: false });
      expect(run.events.map((e) => e.type)).toEqual(['tls.connection']);
      expect(run.tls[0]).toMatchObject({ decrypted: false, reason: 'key-mismatch' });
    });
  }
});
