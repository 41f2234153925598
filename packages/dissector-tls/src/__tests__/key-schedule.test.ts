// The TLS 1.3 key schedule against RFC 8448 §3, and the TLS 1.2 PRF against the P_SHA256 and
// P_SHA384 vectors posted to the IETF TLS list (msg03416; recomputable with
// `openssl kdf -keylen 100 -kdfopt digest:SHA256 -kdfopt hexsecret:… -kdfopt hexseed:… TLS1-PRF`).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cipherSuite } from '../cipher-suites.js';
import { deriveSecret, hkdfExpandLabel, hkdfExtract, tls13NextTrafficSecret, tls13TrafficKeys } from '../tls13-key-schedule.js';
import { tls12KeyBlock, tls12Prf } from '../tls12-prf.js';
import * as v from './rfc8448.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const none = new Uint8Array(0);

describe('TLS 1.3 key schedule (RFC 8448 §3)', () => {
  it('derives the early, handshake and master secrets', () => {
    const early = hkdfExtract('sha256', none, new Uint8Array(32));
    expect(hex(early)).toBe(hex(v.EARLY_SECRET));
    const derived = deriveSecret('sha256', early, 'derived', none);
    expect(hex(derived)).toBe(hex(v.DERIVED_FOR_HANDSHAKE));
    const hs = hkdfExtract('sha256', derived, v.SHARED_SECRET);
    expect(hex(hs)).toBe(hex(v.HANDSHAKE_SECRET));
    const master = hkdfExtract('sha256', deriveSecret('sha256', hs, 'derived', none), new Uint8Array(32));
    expect(hex(master)).toBe(hex(v.MASTER_SECRET));
  });

  it('derives the traffic secrets from the transcript', () => {
    const hello = new Uint8Array([...v.CLIENT_HELLO, ...v.SERVER_HELLO]);
    expect(createHash('sha256').update(hello).digest('hex')).toBe(hex(v.HELLO_HASH));
    expect(hex(hkdfExpandLabel('sha256', v.HANDSHAKE_SECRET, 'c hs traffic', v.HELLO_HASH, 32))).toBe(hex(v.CLIENT_HS_TRAFFIC));
    expect(hex(deriveSecret('sha256', v.HANDSHAKE_SECRET, 's hs traffic', hello))).toBe(hex(v.SERVER_HS_TRAFFIC));
    const toServerFinished = new Uint8Array([...hello, ...v.SERVER_FLIGHT]);
    expect(hex(deriveSecret('sha256', v.MASTER_SECRET, 'c ap traffic', toServerFinished))).toBe(hex(v.CLIENT_AP_TRAFFIC));
    expect(hex(deriveSecret('sha256', v.MASTER_SECRET, 's ap traffic', toServerFinished))).toBe(hex(v.SERVER_AP_TRAFFIC));
  });

  it('derives record keys and IVs (HKDF-Expand-Label "key" and "iv")', () => {
    const suite = cipherSuite(0x1301)!;
    expect(tls13TrafficKeys(suite, v.SERVER_HS_TRAFFIC)).toEqual({ key: v.SERVER_HS_KEY, iv: v.SERVER_HS_IV });
    expect(tls13TrafficKeys(suite, v.CLIENT_HS_TRAFFIC)).toEqual({ key: v.CLIENT_HS_KEY, iv: v.CLIENT_HS_IV });
    expect(tls13TrafficKeys(suite, v.SERVER_AP_TRAFFIC)).toEqual({ key: v.SERVER_AP_KEY, iv: v.SERVER_AP_IV });
    expect(tls13TrafficKeys(suite, v.CLIENT_AP_TRAFFIC)).toEqual({ key: v.CLIENT_AP_KEY, iv: v.CLIENT_AP_IV });
  });

  it('derives the next secret after a KeyUpdate as HKDF-Expand-Label(secret, "traffic upd", "", Hash.length)', () => {
    const suite = cipherSuite(0x1302)!; // SHA-384: 48-byte secrets
    const s0 = new Uint8Array(48).fill(7);
    const s1 = tls13NextTrafficSecret(suite, s0);
    expect(s1.length).toBe(48);
    expect(hex(s1)).toBe(hex(hkdfExpandLabel('sha384', s0, 'traffic upd', none, 48)));
    expect(hex(tls13NextTrafficSecret(suite, s1))).not.toBe(hex(s1));
  });
});

describe('TLS 1.2 PRF', () => {
  it('matches the P_SHA256 vector (secret 9bbe436b…, "test label", 100 bytes)', () => {
    const out = tls12Prf('sha256', Buffer.from('9bbe436ba940f017b17652849a71db35', 'hex'), 'test label', Buffer.from('a0ba9f936cda311827a6f796ffd5198c', 'hex'), 100);
    expect(hex(out)).toBe(
      'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66',
    );
  });

  it('matches the P_SHA384 vector (secret b80b733d…, "test label", 148 bytes)', () => {
    const out = tls12Prf('sha384', Buffer.from('b80b733d6ceefcdc71566ea48e5567df', 'hex'), 'test label', Buffer.from('cd665cf6a8447dd6ff8b27555edb7465', 'hex'), 148);
    expect(hex(out)).toBe(
      '7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e0990703d73e56f',
    );
  });

  it('cuts the key block as MAC keys (none), write keys, then IVs (RFC 5246 §6.3)', () => {
    const suite = cipherSuite(0xc02f)!;
    const master = new Uint8Array(48).fill(1);
    const cr = new Uint8Array(32).fill(2);
    const sr = new Uint8Array(32).fill(3);
    const kb = tls12KeyBlock(suite, master, cr, sr);
    const block = tls12Prf('sha256', master, 'key expansion', new Uint8Array([...sr, ...cr]), 40);
    expect(hex(kb.clientKey)).toBe(hex(block.subarray(0, 16)));
    expect(hex(kb.serverKey)).toBe(hex(block.subarray(16, 32)));
    expect(hex(kb.clientIv)).toBe(hex(block.subarray(32, 36)));
    expect(hex(kb.serverIv)).toBe(hex(block.subarray(36, 40)));
  });
});
