// The pipeline's TLS key store: one per pipeline under Tokens.KeyStore, used by the default TLS
// plugin; fed by key log files (re-read as they grow) and by the Decryption Secrets Blocks of a
// pcapng with no option at all; swappable and feedable by an application through its container.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppEvent } from '@netrx/core';
import { MemoryKeyStore, tlsInfo, type TlsConnectionEvent, type TlsKeyStore } from '@netrx/dissector-tls';
import { websocketMessages, type WebSocketMessage } from '@netrx/dissector-websocket';
import { pcapngWithSecrets } from '../../../../test-support/pcapng-secrets.js';
import { Pipeline, Tokens, createContainer, createDefaultPlugins, createPipeline, defaultPlugins, type PipelineOptions } from '../index.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../../../dissector-tls/src/__tests__/fixtures/${name}`, import.meta.url));
const pcap = fixture('tls13-aes128gcm-deflate.pcap');
const keyLog = readFileSync(fixture('tls13-aes128gcm-deflate.keys'), 'utf8');
const truth = JSON.parse(readFileSync(fixture('tls13-aes128gcm-deflate.truth.json'), 'utf8')) as { connections: { messages: { type: string }[] }[] };
/** The text and binary messages the peers received. */
const dataMessages = truth.connections[0]!.messages.filter((m) => m.type === 'text' || m.type === 'binary').length;

const dir = mkdtempSync(join(tmpdir(), 'netrx-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(p: Pipeline): Promise<{ tls: TlsConnectionEvent[]; messages: WebSocketMessage[] }> {
  const events: AppEvent[] = await lastValueFrom(p.capture().pipe(toArray()));
  const messages = await lastValueFrom(p.capture().pipe(websocketMessages(), toArray()));
  return { tls: events.filter((e): e is TlsConnectionEvent => e.type === 'tls.connection'), messages };
}

const data = (ms: WebSocketMessage[]): WebSocketMessage[] => ms.filter((m) => m.kind === 'text' || m.kind === 'binary');

describe('the pipeline key store', () => {
  it('is a MemoryKeyStore of its own per pipeline, registered as Tokens.KeyStore, and the default TLS plugin is there', () => {
    const a = createPipeline();
    const b = createPipeline();
    expect(a.keys).toBeInstanceOf(MemoryKeyStore);
    expect(a.keys).not.toBe(b.keys);
    expect(a.plugins.map((p) => p.name)).toEqual(['core', 'tcp', 'http', 'websocket', 'tls']);
    expect(defaultPlugins.map((p) => p.name)).toEqual(a.plugins.map((p) => p.name));
    expect(a.keyLogFiles).toEqual([]);
  });

  it('without keys: the TLS connection is reported with its reason, and no message comes out of it', async () => {
    const r = await run(createPipeline({ file: pcap }));
    expect(r.tls).toHaveLength(1);
    expect(r.tls[0]).toMatchObject({ decrypted: false, reason: 'no-key', version: 'TLSv1.3', suite: 'TLS_AES_128_GCM_SHA256' });
    expect(r.messages).toEqual([]);
  });

  it('reads key log files (one or several) and decrypts: messages carry via.tls', async () => {
    const file = join(dir, 'one.keys');
    writeFileSync(file, keyLog);
    for (const keylog of [file, [join(dir, 'absent.keys'), file]] as PipelineOptions['keylog'][]) {
      const p = createPipeline({ file: pcap, keylog });
      expect(p.keyLogFiles.map((f) => f.exists)).toEqual(typeof keylog === 'string' ? [true] : [false, true]);
      const r = await run(p);
      expect(r.tls[0]).toMatchObject({ decrypted: true });
      expect(data(r.messages)).toHaveLength(dataMessages);
      expect(tlsInfo(r.messages[0]!.connection)).toEqual({ version: 'TLSv1.3', suite: 'TLS_AES_128_GCM_SHA256', sni: 'localhost' });
      expect(r.messages[0]!.connection.via).toEqual({ tls: { version: 'TLSv1.3', suite: 'TLS_AES_128_GCM_SHA256', sni: 'localhost' } });
    }
  });

  it('re-reads a key log file that appears or grows after the pipeline was built', async () => {
    const file = join(dir, 'late.keys');
    const p = createPipeline({ file: pcap, keylog: file });
    expect(p.keyLogFiles[0]!.exists).toBe(false);
    const lines = keyLog.split('\n');
    writeFileSync(file, lines.slice(0, 2).join('\n') + '\n');
    appendFileSync(file, lines.slice(2).join('\n'));
    const r = await run(p);
    expect(r.tls[0]).toMatchObject({ decrypted: true });
    expect(data(r.messages)).toHaveLength(dataMessages);
  });

  it('reads the Decryption Secrets Block of a pcapng with no option, and still calls fileOptions.onSecrets', async () => {
    const file = join(dir, 'dsb.pcapng');
    writeFileSync(file, await pcapngWithSecrets(pcap, keyLog));
    const r = await run(createPipeline({ file }));
    expect(r.tls[0]).toMatchObject({ decrypted: true });
    expect(data(r.messages)).toHaveLength(dataMessages);
    const seen: number[] = [];
    const own = await run(createPipeline({ file, fileOptions: { onSecrets: (s) => seen.push(s.data.length) } }));
    expect(data(own.messages)).toHaveLength(dataMessages);
    expect(seen.length).toBeGreaterThan(0);
  });

  it("uses an application's store registered in its container: fed by the application, or swapped for its own kind", async () => {
    const mine = createContainer();
    const shared = new MemoryKeyStore();
    mine.register(Tokens.KeyStore, { useValue: shared });
    const p = createPipeline({ file: pcap, container: mine });
    expect(p.keys).toBe(shared);
    expect(mine.isRegistered(Tokens.Plugin)).toBe(false);
    shared.addKeyLog(keyLog); // as a 'keylog' listener would, before or while packets flow
    expect((await run(p)).tls[0]).toMatchObject({ decrypted: true });

    // Any object with get(clientRandom) will do.
    const asked: string[] = [];
    const vault: TlsKeyStore = { get: (random) => (asked.push(Buffer.from(random).toString('hex')), shared.get(random)) };
    const other = createContainer();
    other.register(Tokens.KeyStore, { useValue: vault });
    const r = await run(createPipeline({ file: pcap, container: other }));
    expect(r.tls[0]).toMatchObject({ decrypted: true });
    expect(asked[0]).toBe(r.tls[0]!.clientRandom);
    // …but not for key log files, which it cannot read.
    expect(() => createPipeline({ container: other, keylog: 'x.keys' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
  });

  it('works with new and no container: createDefaultPlugins(keys) and the same store', async () => {
    const keys = new MemoryKeyStore();
    keys.addKeyLog(keyLog);
    const r = await run(new Pipeline(createDefaultPlugins(keys), { file: pcap }, undefined, keys));
    expect(data(r.messages)).toHaveLength(dataMessages);
  });
});
