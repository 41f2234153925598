// The plugin's registration and dispatch: ports 443 and 8443, the heuristic (a ClientHello on any
// port), decode-as, `tcp.client` (who sent the ClientHello), and the dissector ALPN prefers.
import { readFileSync } from 'node:fs';
import { filter, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { corePlugin, createRegistry, type AppEvent, type StreamDissectorFactory } from '@netrx/core';
import { tcpPlugin } from '@netrx/dissector-tcp';
import { poisonedAppEvents } from '../../../../test-support/poisoned-pipeline.js';
import { httpPlugin } from '@netrx/dissector-http';
import { fromCaptureFile } from '@netrx/source-file';
import { MemoryKeyStore } from '../key-store.js';
import { createTlsPlugin } from '../tls-plugin.js';
import { probeTls, tlsClientDecider } from '../tls-probe.js';
import type { TlsConnectionEvent } from '../types.js';
import { fixture } from './fixtures.js';
import { recorder, tlsSession } from './harness.js';
import { feed, streamsOf } from './streams.js';
import * as v from './rfc8448.js';

const keysOf = (name: string): MemoryKeyStore => {
  const k = new MemoryKeyStore();
  k.addKeyLog(readFileSync(fixture(name).keys, 'utf8'));
  return k;
};

describe('the heuristic and the client decider', () => {
  it('match a ClientHello or ServerHello record, and protected records picked up midstream', () => {
    expect(probeTls(v.RECORD_CLIENT_HELLO)).toBe('match');
    expect(probeTls(v.RECORD_SERVER_HELLO.subarray(0, 6))).toBe('match');
    expect(probeTls(v.RECORD_SERVER_DATA)).toBe('match');
    expect(probeTls(new Uint8Array([...v.RECORD_CLIENT_DATA, ...v.RECORD_CLIENT_ALERT]))).toBe('match');
    expect(probeTls(v.RECORD_CLIENT_HELLO.subarray(0, 3))).toBe('need-more');
    expect(probeTls(new TextEncoder().encode('GET / HTTP/1.1\r\n'))).toBe('reject');
    expect(probeTls(Uint8Array.of(0x81, 0x85, 1, 2, 3, 4, 5, 6))).toBe('reject'); // a WebSocket frame
    expect(probeTls(Uint8Array.of(23, 3, 3, 0, 5, 1, 2, 3, 4, 5))).toBe('reject'); // too short to hold a tag
    expect(probeTls(new Uint8Array([...v.RECORD_CLIENT_DATA, 0x47, 0x45, 0x54, 0x20, 0x2f]))).toBe('reject'); // no record after it
  });

  it('say the sender of a ClientHello is the client, and the sender of a ServerHello the server', () => {
    expect(tlsClientDecider.decide(v.RECORD_CLIENT_HELLO)).toBe('sender');
    expect(tlsClientDecider.decide(v.RECORD_SERVER_HELLO)).toBe('receiver');
    expect(tlsClientDecider.decide(v.RECORD_CLIENT_DATA)).toBeUndefined();
    expect(tlsClientDecider.decide(Uint8Array.of(22, 3))).toBeUndefined();
  });
});

describe('createTlsPlugin', () => {
  it('attaches to ports 443 and 8443 (or the ones given), the tcp heuristics and tcp.client', () => {
    const r = createRegistry([corePlugin, tcpPlugin, createTlsPlugin()]);
    expect(r.table('tcp.port').get(443)?.name).toBe('tls');
    expect(r.table('tcp.port').get(8443)?.name).toBe('tls');
    expect(r.heuristics('tcp').active.map((h) => h.name)).toEqual(['tls']);
    expect(r.heuristics('tcp.client').active.map((d) => d.name)).toEqual(['tls']);
    expect(r.hasTable('tls.alpn')).toBe(true);
    const other = createRegistry([corePlugin, tcpPlugin, createTlsPlugin({ ports: [4433] })]);
    expect(other.table('tcp.port').get(4433)?.name).toBe('tls');
    expect(other.table('tcp.port').get(443)).toBeUndefined();
    expect(r.addDecodeAs('tcp.port==9999,tls').dissector).toBe('tls');
  });

  const run = async (name: string, setup: (r: ReturnType<typeof createRegistry>) => void, dropSyn = false) => {
    const { inner, rec } = recorder();
    const registry = createRegistry([corePlugin, tcpPlugin, httpPlugin, createTlsPlugin({ keys: keysOf(name), inner })]);
    setup(registry);
    // Ethernet + IPv4 (20 bytes) + TCP: the flags are at byte 47; SYN is 0x02.
    const frames = fromCaptureFile(fixture(name).pcap).pipe(filter((f) => !dropSyn || (f.data[47]! & 0x02) === 0));
    const events: AppEvent[] = await lastValueFrom(frames.pipe(poisonedAppEvents(registry), toArray()));
    return { rec, events, tls: events.filter((e): e is TlsConnectionEvent => e.type === 'tls.connection') };
  };

  it('finds TLS by port without the heuristic, and not on other ports', async () => {
    const off = (r: ReturnType<typeof createRegistry>) => r.heuristics('tcp').setEnabled('tls', false);
    expect((await run('tls13-aes128gcm-deflate', off)).tls).toHaveLength(1); // port 8443
    expect((await run('tls13-aes256gcm', off)).tls).toHaveLength(0); // port 9301
    expect((await run('tls13-aes256gcm', (r) => (off(r), r.addDecodeAs('tcp.port==9301,tls')))).tls[0]?.decrypted).toBe(true);
  });

  it('hands the plaintext to the dissector ALPN names (http/1.1 → http), or to the tls.alpn table', async () => {
    const viaName = await run('tls12-ecdhe-rsa-aes128gcm', () => {});
    expect(viaName.rec.preferred.map((p) => p?.name)).toEqual(['http']);
    const mine: StreamDissectorFactory = { name: 'mine', resumesAfterGap: true, create: () => ({ data() {}, gap() {}, end() {} }) };
    const viaTable = await run('tls13-aes128gcm-deflate', (r) => r.table('tls.alpn').add('http/1.1', mine));
    expect(viaTable.rec.preferred).toEqual([mine]);
    const none = await run('tls13-aes256gcm', () => {});
    expect(none.rec.preferred).toEqual([undefined]);
  });

  it('says who the client is when the SYNs were not captured (tcp.client: the ClientHello)', async () => {
    const r = await run('tls12-ecdhe-ecdsa-aes256gcm', () => {}, true);
    expect(r.tls).toHaveLength(1);
    const t = fixture('tls12-ecdhe-ecdsa-aes256gcm').truth.connections[0]!;
    expect(r.tls[0]!.connection.clientBy).toBe('tls');
    expect(`${r.tls[0]!.connection.client.address}:${r.tls[0]!.connection.client.port}`).toBe(t.client);
    expect(r.tls[0]!.decrypted).toBe(true);
    expect(r.rec.bytes('s2c').length).toBe(t.s2c.bytes);
  });
});

describe('ALPN for a protocol nothing here reads', () => {
  it('decrypts, but hands the plaintext to no dissector (heuristics would only guess wrong)', async () => {
    const f = fixture('tls12-ecdhe-rsa-aes128gcm');
    const [chunks] = await streamsOf(f.pcap);
    // The TLS 1.2 ServerHello's ALPN is in the clear and outside the key derivation: rename it.
    let renamed = 0;
    const changed = chunks!.map((c) => {
      const i = c.dir === 's2c' && renamed === 0 ? Buffer.from(c.bytes).indexOf('http/1.1') : -1;
      if (i < 0) return c;
      renamed++;
      const b = c.bytes.slice();
      b[i] = 0x78; // 'xttp/1.1'
      return { ...c, bytes: b };
    });
    expect(renamed).toBe(1);
    const s = tlsSession({ keys: keysOf(f.name) });
    feed(s.tls, changed);
    expect(s.summary()).toMatchObject({ decrypted: true, alpn: 'xttp/1.1' });
    expect(s.rec.contexts).toHaveLength(0);
    expect(s.summary().stats.s2c.plaintextBytes).toBe(f.truth.connections[0]!.s2c.bytes);
  });
});
