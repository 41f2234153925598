// The RFC 8448 §3 handshake and data, record by record, through the record decrypter and the
// whole TLS dissector: every protected record must authenticate and give the published plaintext.
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cipherSuite } from '../cipher-suites.js';
import { MemoryKeyStore } from '../key-store.js';
import { RecordDecrypter } from '../record-decrypter.js';
import { tlsSession } from './harness.js';
import * as v from './rfc8448.js';

const suite = cipherSuite(0x1301)!;
const body = (record: Uint8Array): Uint8Array => record.subarray(5);

describe('RecordDecrypter (TLS 1.3, RFC 8448 §3)', () => {
  it('decrypts the server flight, the client Finished, the ticket and the data', () => {
    const server = new RecordDecrypter(suite, v.SERVER_HS_KEY, v.SERVER_HS_IV);
    const flight = server.decrypt(23, 0x0303, body(v.RECORD_SERVER_FLIGHT));
    expect(flight).toEqual({ ok: true, type: 22, plaintext: v.SERVER_FLIGHT });
    const client = new RecordDecrypter(suite, v.CLIENT_HS_KEY, v.CLIENT_HS_IV);
    const fin = client.decrypt(23, 0x0303, body(v.RECORD_CLIENT_FINISHED));
    expect(fin.ok && fin.type).toBe(22);
    expect(fin.ok && Buffer.from(fin.plaintext).subarray(0, 4).toString('hex')).toBe('14000020');
    const sap = new RecordDecrypter(suite, v.SERVER_AP_KEY, v.SERVER_AP_IV);
    const ticket = sap.decrypt(23, 0x0303, body(v.RECORD_TICKET));
    expect(ticket.ok && ticket.type).toBe(22);
    expect(ticket.ok && ticket.plaintext[0]).toBe(4); // NewSessionTicket
    const sdata = sap.decrypt(23, 0x0303, body(v.RECORD_SERVER_DATA));
    expect(sdata).toEqual({ ok: true, type: 23, plaintext: v.APP_DATA });
    const cap = new RecordDecrypter(suite, v.CLIENT_AP_KEY, v.CLIENT_AP_IV);
    expect(cap.decrypt(23, 0x0303, body(v.RECORD_CLIENT_DATA))).toEqual({ ok: true, type: 23, plaintext: v.APP_DATA });
    const alert = cap.decrypt(23, 0x0303, body(v.RECORD_CLIENT_ALERT));
    expect(alert).toEqual({ ok: true, type: 21, plaintext: Uint8Array.of(1, 0) });
  });

  it('rejects a record with one bit flipped, or under the wrong sequence number', () => {
    const bad = body(v.RECORD_SERVER_DATA).slice();
    bad[10]! ^= 1;
    const sap = new RecordDecrypter(suite, v.SERVER_AP_KEY, v.SERVER_AP_IV);
    sap.seq = 1;
    expect(sap.decrypt(23, 0x0303, bad)).toEqual({ ok: false, reason: 'auth' });
    expect(sap.decrypt(23, 0x0303, body(v.RECORD_SERVER_DATA))).toEqual({ ok: false, reason: 'auth' }); // seq 2, not 1
    expect(sap.decryptAt(1, 23, 0x0303, body(v.RECORD_SERVER_DATA)).ok).toBe(true);
  });
});

describe('TlsStreamDissector on the RFC 8448 §3 session', () => {
  const play = (keys: MemoryKeyStore | undefined, split = 0) => {
    const s = tlsSession({ keys });
    const send = (dir: 'c2s' | 's2c', rec: Uint8Array, frame: number): void => {
      if (split <= 0) s.tls.data(dir, rec, BigInt(frame), frame);
      else for (let i = 0; i < rec.length; i += split) s.tls.data(dir, rec.subarray(i, i + split), BigInt(frame), frame);
    };
    send('c2s', v.RECORD_CLIENT_HELLO, 1);
    send('s2c', v.RECORD_SERVER_HELLO, 2);
    send('s2c', v.RECORD_SERVER_FLIGHT, 3);
    send('c2s', v.RECORD_CLIENT_FINISHED, 4);
    send('s2c', v.RECORD_TICKET, 5);
    send('c2s', v.RECORD_CLIENT_DATA, 6);
    send('s2c', v.RECORD_SERVER_DATA, 7);
    send('c2s', v.RECORD_CLIENT_ALERT, 8);
    send('s2c', v.RECORD_SERVER_ALERT, 9);
    s.tls.end(10n, 10);
    return s;
  };

  it('decrypts the application data of both directions with the key log', () => {
    for (const split of [0, 1, 7]) {
      const keys = new MemoryKeyStore();
      keys.addKeyLog(v.keyLog());
      const s = play(keys, split);
      expect(s.rec.bytes('c2s')).toEqual(Buffer.from(v.APP_DATA));
      expect(s.rec.bytes('s2c')).toEqual(Buffer.from(v.APP_DATA));
      const sum = s.summary();
      expect(sum).toMatchObject({ decrypted: true, version: 'TLSv1.3', suite: 'TLS_AES_128_GCM_SHA256', sni: 'server', warningCount: 0 });
      expect(sum.stats.c2s).toMatchObject({ records: 4, plaintextBytes: 50, authFailures: 0 });
      expect(sum.stats.s2c).toMatchObject({ records: 5, plaintextBytes: 50, authFailures: 0 });
      expect(s.innerConnection().via.tls).toEqual({ version: 'TLSv1.3', suite: 'TLS_AES_128_GCM_SHA256', sni: 'server' });
      expect(s.innerConnection().id).toBe(7);
    }
  });

  it('without keys hands nothing on and says there is no key for the client random', () => {
    const s = play(new MemoryKeyStore());
    expect(s.rec.contexts).toHaveLength(0);
    const sum = s.summary();
    expect(sum.decrypted).toBe(false);
    expect(sum.reason).toBe('no-key');
    expect(sum.reasonText).toContain(Buffer.from(v.CLIENT_RANDOM).toString('hex'));
  });

  it('with wrong keys hands nothing on and says the keys do not match', () => {
    const keys = new MemoryKeyStore();
    keys.addKeyLog(v.keyLog().replace(/ b67b7d69/, ' 067b7d69'));
    const s = play(keys);
    expect(s.rec.contexts).toHaveLength(0);
    expect(s.summary()).toMatchObject({ decrypted: false, reason: 'key-mismatch' });
  });
});

describe('TlsStreamDissector on a connection that carried nothing', () => {
  it('emits no tls.connection', () => {
    const s = tlsSession({ keys: new MemoryKeyStore() });
    s.tls.end(1n, 1);
    expect(s.events).toEqual([]);
  });
});

describe('TLSInnerPlaintext (RFC 8446 §5.2)', () => {
  // Sealed here with Node's cipher under the RFC 8448 server application keys, to cover padding,
  // which the recorded stacks do not send.
  const seal = (inner: Uint8Array, seq: number): Uint8Array => {
    const nonce = Buffer.from(v.SERVER_AP_IV);
    nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ seq) >>> 0, 8);
    const header = Uint8Array.of(23, 3, 3, (inner.length + 16) >> 8, (inner.length + 16) & 0xff);
    const c = createCipheriv('aes-128-gcm', v.SERVER_AP_KEY, nonce, { authTagLength: 16 });
    c.setAAD(header);
    return Buffer.concat([c.update(inner), c.final(), c.getAuthTag()]);
  };

  it('strips the zero padding after the content type, and rejects a record that is all padding', () => {
    const d = new RecordDecrypter(suite, v.SERVER_AP_KEY, v.SERVER_AP_IV);
    const padded = Uint8Array.from([...v.APP_DATA, 23, ...new Uint8Array(300)]);
    expect(d.decrypt(23, 0x0303, seal(padded, 0))).toEqual({ ok: true, type: 23, plaintext: v.APP_DATA });
    expect(d.decrypt(23, 0x0303, seal(Uint8Array.of(0, 0, 22, 0, 0), 1))).toEqual({ ok: true, type: 22, plaintext: Uint8Array.of(0, 0) });
    expect(d.decrypt(23, 0x0303, seal(new Uint8Array(40), 2))).toEqual({ ok: false, reason: 'no-type' });
    expect(d.decrypt(23, 0x0303, new Uint8Array(10))).toEqual({ ok: false, reason: 'short' });
  });
});
