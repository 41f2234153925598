/**
 * The TLS 1.3 side of a generated `wss://` connection (the bench's `tls` variant): a ClientHello
 * and a ServerHello in the clear, then records protected with TLS_AES_128_GCM_SHA256 exactly as
 * RFC 8446 §5.2 frames them, encrypted with Node's crypto — the handshake's EncryptedExtensions
 * (ALPN `http/1.1`) and Finished under the handshake traffic keys, then application data (the HTTP
 * Upgrade and the WebSocket frames) under the application traffic keys, 2^14 bytes of plaintext
 * at most per record. No key exchange happens: the four traffic secrets are random, and
 * {@link Tls13Session.keyLog} gives the key log lines (NSS format) a client would have written.
 *
 * The key schedule is written out here (RFC 8446 §7.1 HKDF-Expand-Label, §7.3 traffic keys) rather
 * than taken from `@netrx/dissector-tls`, so that a mistake there cannot cancel out.
 */
import { createCipheriv, createHmac } from 'node:crypto';
import type { Prng } from './prng.js';

/** Client to server, server to client. */
type Dir = 0 | 1;

const HANDSHAKE = 22;
const APPLICATION_DATA = 23;
const CHANGE_CIPHER_SPEC = 20;
const TLS_AES_128_GCM_SHA256 = 0x1301;
/** Largest plaintext per record (RFC 8446 §5.1). */
const MAX_PLAINTEXT = 1 << 14;

/** HKDF-Expand-Label (RFC 8446 §7.1) with SHA-256, for outputs of at most 32 bytes (one HMAC block). */
function expandLabel(secret: Uint8Array, label: string, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'latin1');
  // HkdfLabel: uint16 length, opaque label<7..255>, opaque context<0..255> (empty); then T(1) = HMAC(secret, info | 0x01).
  const info = Buffer.concat([Buffer.from([length >> 8, length & 0xff, full.length]), full, Buffer.from([0, 1])]);
  return createHmac('sha256', secret).update(info).digest().subarray(0, length);
}

/** One direction's record protection: key, IV and the sequence number (RFC 8446 §5.3). */
class Protector {
  private readonly key: Buffer;
  private readonly iv: Buffer;
  private seq = 0;

  constructor(secret: Uint8Array) {
    this.key = expandLabel(secret, 'key', 16);
    this.iv = expandLabel(secret, 'iv', 12);
  }

  /** The protected record of `content` of inner type `type` (TLSInnerPlaintext, no padding). */
  seal(type: number, content: Uint8Array): Buffer {
    const nonce = Buffer.from(this.iv);
    // The IV XOR the 64-bit sequence number, left-padded (the generator never passes 2^32 records).
    const s = this.seq++;
    nonce[8]! ^= s >>> 24;
    nonce[9]! ^= (s >>> 16) & 0xff;
    nonce[10]! ^= (s >>> 8) & 0xff;
    nonce[11]! ^= s & 0xff;
    const length = content.length + 1 + 16;
    const header = Buffer.from([APPLICATION_DATA, 3, 3, length >> 8, length & 0xff]);
    const c = createCipheriv('aes-128-gcm', this.key, nonce);
    c.setAAD(header);
    const body = Buffer.concat([c.update(content), c.update(Buffer.from([type])), c.final(), c.getAuthTag()]);
    return Buffer.concat([header, body]);
  }
}

/** A plaintext record (RFC 8446 §5.1). */
function record(type: number, fragment: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([type, 3, 3, fragment.length >> 8, fragment.length & 0xff]), fragment]);
}

/** A handshake message: type, 24-bit length, body (RFC 8446 §4). */
function handshake(type: number, body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([type, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]), body]);
}

/** An extension: type, 16-bit length, data. */
function ext(type: number, data: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([type >> 8, type & 0xff, data.length >> 8, data.length & 0xff]), data]);
}

const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
/** ALPN's ProtocolNameList with `http/1.1` (RFC 7301 §3.1). */
const ALPN = Buffer.concat([u16(9), Buffer.from([8]), Buffer.from('http/1.1')]);

/** One generated TLS 1.3 connection. */
export class Tls13Session {
  private readonly clientRandom: Uint8Array;
  private readonly serverRandom: Uint8Array;
  private readonly sessionId: Uint8Array;
  private readonly secrets: { chs: Uint8Array; shs: Uint8Array; cap: Uint8Array; sap: Uint8Array };
  private readonly handshakeKeys: [Protector, Protector];
  private readonly appKeys: [Protector, Protector];

  constructor(
    rng: Prng,
    /** The server name the client asks for (SNI). */
    private readonly serverName: string,
  ) {
    this.clientRandom = rng.fill(new Uint8Array(32));
    this.serverRandom = rng.fill(new Uint8Array(32));
    this.sessionId = rng.fill(new Uint8Array(32));
    this.secrets = { chs: rng.fill(new Uint8Array(32)), shs: rng.fill(new Uint8Array(32)), cap: rng.fill(new Uint8Array(32)), sap: rng.fill(new Uint8Array(32)) };
    this.handshakeKeys = [new Protector(this.secrets.chs), new Protector(this.secrets.shs)];
    this.appKeys = [new Protector(this.secrets.cap), new Protector(this.secrets.sap)];
  }

  /** The key log lines of this connection (NSS key log format), as a TLS 1.3 client writes them. */
  keyLog(): string {
    const r = Buffer.from(this.clientRandom).toString('hex');
    const h = (b: Uint8Array) => Buffer.from(b).toString('hex');
    const s = this.secrets;
    return (
      `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${r} ${h(s.chs)}\nSERVER_HANDSHAKE_TRAFFIC_SECRET ${r} ${h(s.shs)}\n` +
      `CLIENT_TRAFFIC_SECRET_0 ${r} ${h(s.cap)}\nSERVER_TRAFFIC_SECRET_0 ${r} ${h(s.sap)}\n`
    );
  }

  /** The client's first flight: its ClientHello record (RFC 8446 §4.1.2). */
  clientHello(keyShare: Uint8Array): Buffer {
    const name = Buffer.from(this.serverName, 'latin1');
    const body = Buffer.concat([
      u16(0x0303),
      this.clientRandom,
      Buffer.from([this.sessionId.length]),
      this.sessionId,
      u16(2),
      u16(TLS_AES_128_GCM_SHA256),
      Buffer.from([1, 0]),
      extensions([
        ext(0, Buffer.concat([u16(name.length + 3), Buffer.from([0]), u16(name.length), name])), // server_name
        ext(10, Buffer.concat([u16(2), u16(0x001d)])), // supported_groups: x25519
        ext(13, Buffer.concat([u16(2), u16(0x0804)])), // signature_algorithms: rsa_pss_rsae_sha256
        ext(16, ALPN), // application_layer_protocol_negotiation
        ext(43, Buffer.from([2, 3, 4])), // supported_versions: TLS 1.3
        ext(51, Buffer.concat([u16(36), u16(0x001d), u16(32), keyShare])), // key_share
      ]),
    ]);
    return record(HANDSHAKE, handshake(1, body));
  }

  /**
   * The server's flight: ServerHello, the compatibility ChangeCipherSpec (RFC 8446 §D.4), then
   * EncryptedExtensions (ALPN) and Finished in one record under the server handshake keys.
   */
  serverFlight(keyShare: Uint8Array, finished: Uint8Array): Buffer {
    const hello = Buffer.concat([
      u16(0x0303),
      this.serverRandom,
      Buffer.from([this.sessionId.length]),
      this.sessionId,
      u16(TLS_AES_128_GCM_SHA256),
      Buffer.from([0]),
      extensions([ext(43, u16(0x0304)), ext(51, Buffer.concat([u16(0x001d), u16(32), keyShare]))]),
    ]);
    const encrypted = Buffer.concat([handshake(8, extensions([ext(16, ALPN)])), handshake(20, finished)]);
    return Buffer.concat([record(HANDSHAKE, handshake(2, hello)), record(CHANGE_CIPHER_SPEC, Buffer.from([1])), this.handshakeKeys[1].seal(HANDSHAKE, encrypted)]);
  }

  /** The client's second flight: the compatibility ChangeCipherSpec and its Finished under the client handshake keys. */
  clientFinished(finished: Uint8Array): Buffer {
    return Buffer.concat([record(CHANGE_CIPHER_SPEC, Buffer.from([1])), this.handshakeKeys[0].seal(HANDSHAKE, handshake(20, finished))]);
  }

  /** Application data from `dir`: as many records as it takes (2^14 bytes of plaintext at most each). */
  protect(dir: Dir, plaintext: Uint8Array): Buffer {
    const keys = this.appKeys[dir];
    if (plaintext.length <= MAX_PLAINTEXT) return keys.seal(APPLICATION_DATA, plaintext);
    const records: Buffer[] = [];
    for (let at = 0; at < plaintext.length; at += MAX_PLAINTEXT) records.push(keys.seal(APPLICATION_DATA, plaintext.subarray(at, at + MAX_PLAINTEXT)));
    return Buffer.concat(records);
  }
}

function extensions(list: Buffer[]): Buffer {
  const all = Buffer.concat(list);
  return Buffer.concat([u16(all.length), all]);
}
