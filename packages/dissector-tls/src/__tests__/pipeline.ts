// Test helper: a capture file through the whole pipeline with the TLS plugin, as the CLI will run it.
import { createHash, type Hash } from 'node:crypto';
import { lastValueFrom, toArray } from 'rxjs';
import { corePlugin, createRegistry, definePlugin, type AppEvent, type Direction, type NetrxPlugin } from '@netrx/core';
import { tcpPlugin } from '@netrx/dissector-tcp';
import { httpPlugin } from '@netrx/dissector-http';
import { createWebSocketPlugin } from '@netrx/dissector-websocket';
import { fromCaptureFile } from '@netrx/source-file';
import { poisonedAppEvents } from '../../../../test-support/poisoned-pipeline.js';
import { MemoryKeyStore, type TlsKeyStore } from '../key-store.js';
import { createTlsPlugin } from '../tls-plugin.js';
import type { InnerDispatch, TlsConnectionEvent } from '../types.js';

/** The decrypted bytes of one direction of one connection. */
export interface PlainDirection {
  bytes: number;
  /** All of it, when `keep` was asked. */
  data: Buffer[];
  hash: Hash;
}

/** What a run gave: every event, the tls.connection events, and (with `record`) the plaintext per connection. */
export interface TlsRun {
  events: AppEvent[];
  tls: TlsConnectionEvent[];
  plain: Map<number, Record<Direction, PlainDirection>>;
}

/**
 * Runs a capture: secrets from `keys` (a MemoryKeyStore also gets the file's Decryption Secrets
 * Blocks unless `dsb` is false); `record` replaces the plaintext's dissectors with a recorder;
 * otherwise HTTP and WebSocket read it.
 */
export async function runTls(path: string, opts: { keys?: TlsKeyStore; dsb?: boolean; record?: boolean; frames?: boolean } = {}): Promise<TlsRun> {
  const keys = opts.keys ?? new MemoryKeyStore();
  const plain = new Map<number, Record<Direction, PlainDirection>>();
  const recorder: InnerDispatch = (ctx) => {
    const mk = (): PlainDirection => ({ bytes: 0, data: [], hash: createHash('sha256') });
    const p = { c2s: mk(), s2c: mk() };
    plain.set(ctx.connection.id, p);
    return {
      data(dir, bytes) {
        p[dir].bytes += bytes.length;
        p[dir].data.push(Buffer.from(bytes));
        p[dir].hash.update(bytes);
      },
      gap() {},
      end() {},
    };
  };
  const plugins: NetrxPlugin[] = [corePlugin, tcpPlugin, createTlsPlugin({ keys, ...(opts.record ? { inner: recorder } : {}) })];
  if (!opts.record) plugins.push(httpPlugin, createWebSocketPlugin({ frames: opts.frames ?? false }));
  // Without HTTP, ALPN's `http/1.1` must still name something for the plaintext to be handed on.
  else plugins.push(definePlugin({ name: 'alpn-http', coreVersion: '^0.1.0', dependencies: ['tls'], handoff: (r) => void r.table('tls.alpn').add('http/1.1', { name: 'recorded', resumesAfterGap: true, create: (ctx) => recorder(ctx) }) }));
  const registry = createRegistry(plugins);
  const onSecrets = opts.dsb !== false && keys instanceof MemoryKeyStore ? (s: { type: number; data: Uint8Array }) => void keys.addDecryptionSecrets(s.type, s.data) : undefined;
  const events = await lastValueFrom(fromCaptureFile(path, { onSecrets }).pipe(poisonedAppEvents(registry), toArray()));
  return { events, tls: events.filter((e): e is TlsConnectionEvent => e.type === 'tls.connection'), plain };
}

/** Where the first HTTP head of a byte stream ends (after its blank line), or -1. */
export function headEnd(b: Buffer): number {
  const i = b.indexOf('\r\n\r\n');
  return i < 0 ? -1 : i + 4;
}
