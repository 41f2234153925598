// The sessions recorded by fixtures/record.sh (Node's TLS and the ws package, openssl s_client for
// KeyUpdates; MTU 1500, so records span segments): every connection whose keys are in the key log
// decrypts to exactly the bytes the receiving peer's TLS socket delivered, the negotiated
// parameters are the ones the peers reported, and the WebSocket messages read from the plaintext
// are the ones the peers received. A connection whose keys were withheld is reported, not shown.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatEndpoint } from '@netrx/core';
import type { WebSocketMessage } from '@netrx/dissector-websocket';
import { TLS_CIPHER_SUITES } from '../cipher-suites.js';
import { MemoryKeyStore } from '../key-store.js';
import { tlsInfo } from '../types.js';
import { fixtures, type TruthConnection } from './fixtures.js';
import { runTls } from './pipeline.js';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const endpoints = (c: { connection: { client: { address: string; port: number }; server: { address: string; port: number } } }): string =>
  `${formatEndpoint(c.connection.client)}>${formatEndpoint(c.connection.server)}`;

describe('recorded sessions', () => {
  for (const f of fixtures()) {
    describe(f.name, () => {
      const keys = (): MemoryKeyStore => {
        const k = new MemoryKeyStore();
        k.addKeyLog(readFileSync(f.keys, 'utf8'));
        return k;
      };

      it('decrypts every connection with keys to the bytes the peers delivered, and reports the rest', async () => {
        const run = await runTls(f.pcap, { keys: keys(), record: true });
        expect(run.tls).toHaveLength(f.truth.connections.length);
        for (const t of f.truth.connections) {
          const ev = run.tls.find((e) => endpoints(e) === `${t.client}>${t.server}`)!;
          expect(ev, t.client).toBeDefined();
          expect(ev).toMatchObject({
            version: t.version,
            suite: t.suite,
            resumed: t.resumed,
            ...(t.sni !== null ? { sni: t.sni } : {}),
            ...(t.alpn !== null ? { alpn: t.alpn } : {}),
            ...(t.client_random !== null ? { clientRandom: t.client_random } : {}),
          });
          if (t.sni === null) expect(ev.sni).toBeUndefined();
          if (t.key_updates) expect(ev.keyUpdates).toBe(t.key_updates.c2s + t.key_updates.s2c);
          expect(ev.helloRetryRequest).toBe(f.name.includes('hrr'));
          const plain = run.plain.get(ev.connection.id);
          if (!supported(t.suite)) {
            expect(ev).toMatchObject({ decrypted: false, reason: 'unsupported-suite' });
            expect(ev.reasonText).toContain(t.suite);
            expect(plain, 'nothing handed on').toBeUndefined();
            continue;
          }
          if (!t.keys_in_keylog) {
            expect(ev).toMatchObject({ decrypted: false, reason: 'no-key' });
            expect(plain, 'nothing handed on').toBeUndefined();
            continue;
          }
          expect(ev).toMatchObject({ decrypted: true, warningCount: 0 });
          for (const d of ['c2s', 's2c'] as const) {
            expect({ bytes: plain![d].bytes, sha256: plain![d].hash.digest('hex') }, `${t.client} ${d}`).toEqual(t[d]);
            expect(ev.stats[d]).toMatchObject({ plaintextBytes: t[d].bytes, authFailures: 0, undecrypted: 0 });
          }
        }
      });

      const wsConns = f.truth.connections.filter((c) => c.messages.length > 0);
      if (wsConns.length > 0) {
        it('reads the WebSocket messages the peers received, through HTTP and the upgrade', async () => {
          const run = await runTls(f.pcap, { keys: keys() });
          const msgs = run.events.filter((e): e is WebSocketMessage => e.type === 'ws.message');
          for (const t of wsConns) {
            const ours = msgs.filter((m) => endpoints(m) === `${t.client}>${t.server}`);
            if (!t.keys_in_keylog || !supported(t.suite)) {
              expect(ours).toEqual([]);
              continue;
            }
            for (const d of ['c2s', 's2c'] as const) {
              const want = t.messages.filter((m) => m.dir === d && (m.type === 'text' || m.type === 'binary')).map((m) => `${m.type} ${m.len} ${m.sha256}`);
              const got = ours.filter((m) => m.dir === d && (m.kind === 'text' || m.kind === 'binary')).map((m) => `${m.kind} ${m.payload.length} ${sha256(m.payload)}`);
              expect(got, `${t.client} ${d}`).toEqual(want);
            }
            const ping = t.messages.find((m) => m.type === 'ping')!;
            expect(ours.some((m) => m.kind === 'ping' && sha256(m.payload) === ping.sha256)).toBe(true);
            expect(ours.find((m) => m.kind === 'close' && m.dir === 'c2s')).toMatchObject({ closeCode: 1000, closeReason: 'bye' });
            expect(ours.every((m) => m.warnings.length === 0 && m.undecodable === undefined)).toBe(true);
            expect(tlsInfo(ours[0]!.connection)).toEqual(expectedInfo(t));
          }
        });
      }
    });
  }
});

function expectedInfo(t: TruthConnection): object {
  return { version: t.version, suite: t.suite, ...(t.sni !== null ? { sni: t.sni } : {}) };
}

/** Whether this package decrypts the suite of this IANA name. */
function supported(suite: string): boolean {
  return [...TLS_CIPHER_SUITES.values()].some((s) => s.name === suite);
}
