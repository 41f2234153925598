import { describe, expect, test } from 'vitest';
import { appEventJsonHead, connectionJsonFields, type AppEventBase, type Connection } from '@netrx/core';

const plain: Connection = { id: 3, family: 6, client: { address: '::1', port: 50000 }, server: { address: '::1', port: 7320 }, clientBy: 'syn' };
const wrapped: Connection = { ...plain, via: { tls: { version: 'TLSv1.3', suite: 'TLS_AES_128_GCM_SHA256', sni: 'example.test' }, tunnel: 'vxlan vni 42' } };
const event = (connection: Connection): AppEventBase => ({ type: 'x', connection, dir: 's2c', firstTs: 1n, lastTs: 1_700_000_000_123_456_789n, firstFrame: 1, lastFrame: 2 });

describe('a connection in JSON lines', () => {
  test('head fields in contract order; IPv6 endpoints in brackets', () => {
    expect(JSON.stringify(appEventJsonHead(event(plain)))).toBe('{"ts":"1700000000.123456789","stream":3,"client":"[::1]:50000","server":"[::1]:7320","dir":"s2c"}');
  });

  test('what the connection came through follows the server, each layer a field of its own', () => {
    const head = appEventJsonHead(event(wrapped));
    expect(Object.keys(head)).toEqual(['ts', 'stream', 'client', 'server', 'tls', 'tunnel', 'dir']);
    expect(head).toMatchObject({ tls: { version: 'TLSv1.3', sni: 'example.test' }, tunnel: 'vxlan vni 42' });
  });

  test('the text form equals the object form', () => {
    for (const c of [plain, wrapped]) {
      const { ts, dir, ...fields } = appEventJsonHead(event(c));
      expect(`{${connectionJsonFields(c)}}`).toBe(JSON.stringify(fields));
      expect([ts, dir]).toHaveLength(2);
    }
  });
});
