import type { Diagnostic, Direction, StreamContext, StreamDissector, StreamDissectorFactory } from '@netrx/core';
import { cipherSuite, cipherSuiteName, type TlsCipherSuite } from './cipher-suites.js';
import { parseClientHello, type ClientHello } from './client-hello.js';
import { HandshakeReassembler, HandshakeType } from './handshake-parser.js';
import { versionName } from './hello-reader.js';
import type { TlsKeyStore } from './key-store.js';
import { PlaintextStream } from './plaintext-stream.js';
import { createStreamDispatch } from '@netrx/dissector-tcp';
import { AEAD_TAG_LENGTH, RecordDecrypter, type DecryptedRecord } from './record-decrypter.js';
import { ContentType, MAX_TLS12_FRAGMENT, MAX_TLS13_FRAGMENT, RECORD_HEADER_LENGTH, TlsRecordParser, isRecordHeader, type TlsRecordSink } from './record-parser.js';
import { parseEncryptedExtensionsAlpn, parseServerHello, type ServerHello } from './server-hello.js';
import { TlsCodes, TlsNotDecryptedReasons, type TlsCode, type TlsNotDecryptedReason } from './tls-codes.js';
import { probeTls } from './tls-probe.js';
import { tls12KeyBlock } from './tls12-prf.js';
import { hashLength, tls13NextTrafficSecret, tls13TrafficKeys } from './tls13-key-schedule.js';
import type { InnerDispatch, TlsConnection, TlsConnectionEvent, TlsDirectionStats, TlsInfo } from './types.js';

/** Options of {@link createTlsDissectorFactory}. */
export interface TlsDissectorOptions {
  /** Where secrets come from. Without one, no connection is decrypted (each says why). */
  readonly keys?: TlsKeyStore;
  /**
   * What dissects the decrypted bytes (see {@link InnerDispatch}). By default the TCP stream
   * dispatch (`createStreamDispatch`): the ALPN's dissector from the `tls.alpn` table, else the
   * `tcp.port` table, else the `tcp` heuristics — never TLS itself. A protocol ALPN negotiated
   * that has no `tls.alpn` entry is not dispatched.
   */
  readonly inner?: InnerDispatch;
  /**
   * Most record bytes held per connection while its key (or its ServerHello) has not come
   * (default 4 MiB); past it the connection is given up as not decrypted.
   */
  readonly maxHeldBytes?: number;
  /** Most diagnostics kept per connection in its `tls.connection` event (default 16; all are counted). */
  readonly maxWarnings?: number;
}

/** Handshake messages whose bodies are read; the rest (certificates…) are skipped unread. */
const KEEP: ReadonlySet<number> = new Set([
  HandshakeType.clientHello,
  HandshakeType.serverHello,
  HandshakeType.encryptedExtensions,
  HandshakeType.finished,
  HandshakeType.keyUpdate,
]);

/** ALPN protocol ids (RFC 7301 registry) → the name of the stream dissector that reads them. */

const TLS13 = 0x0304;
const TLS12 = 0x0303;

/** One direction of a connection: its record parser, handshake reassembler and keys. */
class Side implements TlsRecordSink {
  readonly parser: TlsRecordParser;
  readonly hs: HandshakeReassembler;
  decrypter: RecordDecrypter | undefined;
  /** Records of this direction are protected from here on. */
  encrypted = false;
  /** TLS 1.3: the application traffic secret in use (or to use after Finished). */
  appSecret: Uint8Array | undefined;
  /** Past this direction's Finished: application keys (TLS 1.3) / application data expected. */
  appKeys = false;
  /** Whether a protected record of this direction authenticated. */
  authenticated = false;
  /** Bytes lost: nothing more of this direction is read. */
  lost = false;
  /** After a gap: the bytes since, searched for the next record that authenticates. */
  resync: Resync | undefined;
  ts = 0n;
  frame = 0;
  readonly stats: TlsDirectionStats = { records: 0, bytes: 0, plaintextBytes: 0, authFailures: 0, undecrypted: 0 };

  constructor(
    readonly dir: Direction,
    private readonly owner: TlsStreamDissector,
  ) {
    this.parser = new TlsRecordParser(this);
    this.hs = new HandshakeReassembler((type, body) => owner.onHandshake(this, type, body), KEEP);
  }

  record(type: number, version: number, fragment: Uint8Array, offset: number): void {
    this.owner.onRecord(this, type, version, fragment, offset);
  }

  error(d: Diagnostic): void {
    this.owner.onParserError(this, d);
  }
}

/** After a gap in a direction being decrypted: the bytes received since, and what was lost. */
interface Resync {
  /** Bytes since the gap (a copy), from stream offset `offset`. */
  buf: Uint8Array;
  offset: number;
  /** Stream bytes lost: the gap and the part of a record cut by it. */
  lost: number;
  /** Positions of `buf` already searched. */
  scanned: number;
}

/** Most bytes searched after a gap for a record that authenticates before the direction is given up. */
const MAX_RESYNC_BYTES = 4 * (MAX_TLS12_FRAGMENT + RECORD_HEADER_LENGTH);
/** Most sequence numbers tried per candidate record after a gap. */
const MAX_RESYNC_TRIALS = 512;

/** A record waiting for its key or for the ServerHello (a copy). */
interface Held {
  readonly side: Side;
  readonly type: number;
  readonly version: number;
  readonly fragment: Uint8Array;
  readonly offset: number;
  readonly ts: bigint;
  readonly frame: number;
}

/**
 * TLS on one TCP connection: follows the record layer of both directions and the handshake
 * (ClientHello, ServerHello or HelloRetryRequest, TLS 1.3 EncryptedExtensions and Finished,
 * TLS 1.2 ChangeCipherSpec and Finished, KeyUpdate), finds the connection's secrets in the key
 * store by its client random, decrypts the protected records (TLS 1.3 and TLS 1.2 AEAD suites),
 * and hands the application data to the next dissector as the connection's plaintext byte stream
 * (its context carries a {@link TlsConnection}). Emits one `tls.connection` event when the connection ends.
 *
 * Never shows ciphertext as data: a record that does not authenticate becomes a gap for the next
 * dissector (and a warning); a connection without keys, with a suite not supported, or whose
 * handshake was not captured hands nothing on and says why. Records that arrive before their key
 * are held (up to `maxHeldBytes`) and decrypted when it comes.
 */
export class TlsStreamDissector implements StreamDissector {
  private readonly sides: Record<Direction, Side>;
  private readonly keys: TlsKeyStore | undefined;
  private readonly dispatch: InnerDispatch;
  private readonly maxHeldBytes: number;
  private readonly maxWarnings: number;
  private clientHello: ClientHello | undefined;
  private serverHello: ServerHello | undefined;
  private helloRetryRequest = false;
  /** The final ServerHello was read: version and suite are known. */
  private decided = false;
  private version = 0;
  private suiteId: number | undefined;
  private suite: TlsCipherSuite | undefined;
  private alpn: string | undefined;
  private resumed = false;
  private keyUpdates = 0;
  /** Keys are needed and not yet found. */
  private keysPending = false;
  private failed: { reason: TlsNotDecryptedReason; text: string } | undefined;
  private held: Held[] = [];
  private heldHead = 0;
  private heldBytes = 0;
  private plain: PlaintextStream | undefined;
  private readonly warnings: Diagnostic[] = [];
  private warningCount = 0;
  private earlyDataWarned = false;
  private firstTs: bigint | undefined;
  private firstFrame = 0;
  private lastTs = 0n;
  private lastFrame = 0;
  /** Time of the record being processed (a held record keeps its own). */
  private curTs = 0n;
  private curFrame = 0;
  private ended = false;

  constructor(
    private readonly ctx: StreamContext,
    options: TlsDissectorOptions = {},
    /** The factory that made this dissector: never chosen again for its own plaintext. */
    self?: StreamDissectorFactory,
  ) {
    this.keys = options.keys;
    this.dispatch = options.inner ?? ((inner, preferred) => createStreamDispatch(inner, { preferred, exclude: self }));
    this.maxHeldBytes = options.maxHeldBytes ?? 4 * 1024 * 1024;
    this.maxWarnings = options.maxWarnings ?? 16;
    this.sides = { c2s: new Side('c2s', this), s2c: new Side('s2c', this) };
  }

  data(dir: Direction, bytes: Uint8Array, ts: bigint, frame: number): void {
    this.stamp(ts, frame);
    const side = this.sides[dir];
    side.stats.bytes += bytes.length;
    if (side.lost) return;
    side.ts = ts;
    side.frame = frame;
    if (side.resync !== undefined) this.resyncWith(side, bytes);
    else side.parser.write(bytes);
  }

  gap(dir: Direction, length: number, ts: bigint, frame: number): void {
    this.stamp(ts, frame);
    const side = this.sides[dir];
    if (side.lost) return;
    this.curTs = ts;
    this.curFrame = frame;
    if (side.resync !== undefined) {
      // Another hole while searching: what was kept is before it, and no longer useful.
      side.resync = { buf: new Uint8Array(0), offset: side.resync.offset + side.resync.buf.length + length, lost: side.resync.lost + side.resync.buf.length + length, scanned: 0 };
      this.plain?.gap(dir, length, ts, frame);
      return;
    }
    const at = side.parser.offset - side.parser.buffered;
    const cut = side.parser.buffered;
    side.parser.stop();
    side.hs.reset();
    this.plain?.gap(dir, length + cut, ts, frame);
    if (!this.failed && this.decided && side.encrypted && side.decrypter !== undefined && this.held.length === this.heldHead) {
      // Records are framed by their headers only: look for the next one that authenticates (RFC 8446 §5.1).
      side.resync = { buf: new Uint8Array(0), offset: side.parser.offset + length, lost: length + cut, scanned: 0 };
      this.warn('WARN_TLS_GAP', `${length} bytes of ${dir} were not captured after stream offset ${at}: the record there is lost; looking for the next record`, at);
      return;
    }
    side.lost = true;
    this.warn('WARN_TLS_GAP', `${length} bytes of ${dir} were not captured after stream offset ${at}: ${dir} is not decrypted from there on`, at);
  }

  /**
   * After a gap: keeps the bytes, finds the next position where a protected record header sits
   * and the record authenticates under some sequence number a bounded number of records ahead
   * (or, in TLS 1.3, under the next keys: a Finished or KeyUpdate may have been lost), then goes
   * on from there. Gives the direction up when nothing authenticates within MAX_RESYNC_BYTES.
   */
  private resyncWith(side: Side, bytes: Uint8Array): void {
    const r = side.resync!;
    const buf = new Uint8Array(r.buf.length + bytes.length);
    buf.set(r.buf);
    buf.set(bytes, r.buf.length);
    r.buf = buf;
    const max = side.parser.maxFragment;
    const tls13 = this.version === TLS13;
    for (let p = r.scanned; p + RECORD_HEADER_LENGTH <= buf.length; p++) {
      const type = buf[p]!;
      if (buf[p + 1] !== 3 || buf[p + 2] !== 3 || !isRecordHeader(buf, p, max)) continue;
      if (type !== ContentType.applicationData && (tls13 || (type !== ContentType.alert && type !== ContentType.handshake))) continue;
      const length = (buf[p + 3]! << 8) | buf[p + 4]!;
      if (p + RECORD_HEADER_LENGTH + length > buf.length) {
        r.scanned = p; // wait for the rest of this candidate
        return;
      }
      const lost = r.lost + p;
      // At least this many records were lost whole; at most, one per smallest record.
      const from = Math.floor(lost / (max + RECORD_HEADER_LENGTH));
      const to = Math.min(from + MAX_RESYNC_TRIALS, Math.ceil(lost / (AEAD_TAG_LENGTH + RECORD_HEADER_LENGTH)) + 1);
      if (this.findKeys(side, type, 0x0303, buf.subarray(p + RECORD_HEADER_LENGTH, p + RECORD_HEADER_LENGTH + length), from, to)) {
        side.resync = undefined;
        this.warn('WARN_TLS_GAP', `${side.dir} records found again at stream offset ${r.offset + p} (${lost} bytes lost since the last whole record)`, r.offset + p);
        side.parser.reset(r.offset + p);
        side.parser.write(buf.subarray(p));
        return;
      }
    }
    r.scanned = Math.max(r.scanned, buf.length - RECORD_HEADER_LENGTH + 1);
    if (buf.length > MAX_RESYNC_BYTES) {
      side.resync = undefined;
      side.lost = true;
      this.warn('WARN_TLS_GAP', `no ${side.dir} record authenticated in the ${buf.length} bytes after the gap: ${side.dir} is not decrypted from there on`, r.offset);
    }
  }

  /**
   * Finds the keys and sequence number a record authenticates under: the current keys `from` to
   * `to` records ahead, or in TLS 1.3 the next keys (application keys before the Finished was
   * seen, the next generation after a KeyUpdate) from their first record. Installs what
   * authenticated, with the sequence number of this record, and returns true.
   */
  private findKeys(side: Side, type: number, version: number, fragment: Uint8Array, from: number, to: number): boolean {
    const d = side.decrypter!;
    for (let n = d.seq + from; n <= d.seq + to; n++) {
      if (d.decryptAt(n, type, version, fragment).ok) {
        d.seq = n;
        return true;
      }
    }
    const next = this.nextKeys(side);
    if (next === undefined) return false;
    for (let n = 0; n <= to; n++) {
      if (next.decrypter.decryptAt(n, type, version, fragment).ok) {
        next.decrypter.seq = n;
        this.installNext(side, next);
        return true;
      }
    }
    return false;
  }

  /** TLS 1.3: the keys this direction would use next (after its Finished, or after a KeyUpdate). */
  private nextKeys(side: Side): { decrypter: RecordDecrypter; secret: Uint8Array; update: boolean } | undefined {
    if (this.version !== TLS13 || side.appSecret === undefined) return undefined;
    const suite = this.suite!;
    const secret = side.appKeys ? tls13NextTrafficSecret(suite, side.appSecret) : side.appSecret;
    return { decrypter: new RecordDecrypter(suite, ...keyIv(suite, secret)), secret, update: side.appKeys };
  }

  private installNext(side: Side, next: { decrypter: RecordDecrypter; secret: Uint8Array; update: boolean }): void {
    side.decrypter = next.decrypter;
    side.appSecret = next.secret;
    if (next.update) this.keyUpdates++;
    side.appKeys = true;
    this.warn('WARN_TLS_RECORD_AUTH', `${side.dir} records authenticate under the ${next.update ? 'next generation of keys: a KeyUpdate' : 'application keys: the Finished'} was in what was lost`);
  }

  end(ts: bigint, frame: number): void {
    if (this.ended) return;
    this.ended = true;
    this.stamp(ts, frame);
    this.curTs = ts;
    this.curFrame = frame;
    if (!this.failed && this.held.length > this.heldHead) {
      // Last chance for keys that came late (a key log written after the connection's records).
      this.tryKeys();
      this.drain();
    }
    if (!this.failed) {
      const mismatch = (['c2s', 's2c'] as const).some((d) => this.sides[d].stats.authFailures > 0 && !this.sides[d].authenticated);
      if (this.keysPending) this.fail('no-key', this.noKeyText());
      else if (mismatch && this.plain === undefined) this.fail('key-mismatch', `${TlsNotDecryptedReasons['key-mismatch']} (client random ${this.randomHex()})`);
      else if (this.held.length > this.heldHead || (!this.decided && this.clientHello !== undefined)) this.fail('handshake-incomplete', TlsNotDecryptedReasons['handshake-incomplete']);
      else if (!this.decided && (this.sides.c2s.stats.records > 0 || this.sides.s2c.stats.records > 0)) this.fail('handshake-not-captured', TlsNotDecryptedReasons['handshake-not-captured']);
    }
    this.plain?.end(ts, frame);
    // A connection that carried nothing (a port-443 SYN and FIN) has nothing to say.
    if (this.sides.c2s.stats.bytes + this.sides.s2c.stats.bytes > 0) this.ctx.emit(this.summary(ts, frame));
  }

  // ---- records ----

  /** @internal */
  onRecord(side: Side, type: number, version: number, fragment: Uint8Array, offset: number): void {
    side.stats.records++;
    if (this.failed) {
      side.stats.undecrypted++;
      return;
    }
    if (this.held.length > this.heldHead || this.blocked(side, type)) {
      this.hold(side, type, version, fragment, offset);
      this.drain();
      return;
    }
    this.curTs = side.ts;
    this.curFrame = side.frame;
    this.process(side, type, version, fragment, offset);
    // A ServerHello just read may have released c2s records held for it.
    if (this.held.length > this.heldHead) this.drain();
  }

  /** @internal */
  onParserError(side: Side, d: Diagnostic): void {
    side.lost = true;
    this.curTs = side.ts;
    this.curFrame = side.frame;
    this.note(d);
    if (!this.decided && !this.failed) {
      this.fail(this.clientHello === undefined ? 'not-tls' : 'handshake-malformed', d.message);
    } else {
      // The framing of this direction is lost: the plaintext has a hole of unknown length.
      this.plain?.gap(side.dir, 0, side.ts, side.frame);
    }
  }

  /** Why a record cannot be processed yet: the ServerHello or the keys are missing. */
  private blocked(side: Side, type: number): boolean {
    if (side.dir === 'c2s' && this.clientHello !== undefined && !this.decided) {
      // After a HelloRetryRequest the client's second ClientHello (and a compatibility CCS) come in the clear.
      return !(this.helloRetryRequest && (type === ContentType.handshake || type === ContentType.changeCipherSpec));
    }
    if (!side.encrypted || side.decrypter !== undefined) return false;
    // TLS 1.3 sends compatibility CCS and early alerts in the clear among protected records.
    return this.version !== TLS13 || type === ContentType.applicationData;
  }

  private hold(side: Side, type: number, version: number, fragment: Uint8Array, offset: number): void {
    if (this.heldBytes + fragment.length > this.maxHeldBytes) {
      this.curTs = side.ts;
      this.curFrame = side.frame;
      this.warn('WARN_TLS_HELD_LIMIT', `${this.heldBytes + fragment.length} bytes of records waited for ${this.keysPending ? 'their key' : 'the ServerHello'}: over the limit of ${this.maxHeldBytes}`, offset);
      side.stats.undecrypted++;
      this.fail(this.keysPending ? 'no-key' : 'handshake-incomplete', this.keysPending ? this.noKeyText() : TlsNotDecryptedReasons['handshake-incomplete']);
      return;
    }
    this.held.push({ side, type, version, fragment: fragment.slice(), offset, ts: side.ts, frame: side.frame });
    this.heldBytes += fragment.length;
  }

  /** Processes held records, in order, for as long as they are not blocked. */
  private drain(): void {
    if (this.keysPending) this.tryKeys();
    while (this.held.length > this.heldHead && !this.failed) {
      const h = this.held[this.heldHead]!;
      if (this.blocked(h.side, h.type)) {
        if (!this.keysPending) return;
        this.tryKeys();
        if (this.blocked(h.side, h.type)) return;
      }
      this.heldHead++;
      this.heldBytes -= h.fragment.length;
      this.curTs = h.ts;
      this.curFrame = h.frame;
      this.process(h.side, h.type, h.version, h.fragment, h.offset);
    }
    if (this.held.length === this.heldHead) {
      this.held = [];
      this.heldHead = 0;
    }
  }

  private process(side: Side, type: number, version: number, fragment: Uint8Array, offset: number): void {
    const tls13 = this.version === TLS13;
    if (!side.encrypted || (tls13 && type !== ContentType.applicationData)) {
      this.plaintextRecord(side, type, fragment, offset);
      return;
    }
    let r: DecryptedRecord = side.decrypter!.decrypt(type, version, fragment);
    if (!r.ok && r.reason === 'auth' && side.authenticated) {
      // TLS 1.3: a Finished or KeyUpdate in a damaged record went unseen; the keys it announced may open this one.
      const next = this.nextKeys(side);
      const again = next?.decrypter.decryptAt(0, type, version, fragment);
      if (next !== undefined && again?.ok) {
        next.decrypter.seq = 1;
        this.installNext(side, next);
        r = again;
      }
    }
    if (!r.ok) {
      this.undecryptable(side, r.reason, fragment, offset);
      return;
    }
    side.authenticated = true;
    switch (r.type) {
      case ContentType.handshake:
        side.hs.write(r.plaintext);
        return;
      case ContentType.applicationData:
        if (!side.appKeys && tls13) {
          this.warn('WARN_TLS_UNEXPECTED_RECORD', `application data before ${side.dir === 'c2s' ? 'the client' : 'the server'}'s Finished, at stream offset ${offset}: skipped`, offset);
          return;
        }
        side.stats.plaintextBytes += r.plaintext.length;
        if (r.plaintext.length > 0) this.plaintext().data(side.dir, r.plaintext, this.curTs, this.curFrame);
        return;
      case ContentType.alert:
        this.alert(side, r.plaintext, offset);
        return;
      default:
        this.warn('WARN_TLS_UNEXPECTED_RECORD', `a protected record of content type ${r.type} at stream offset ${offset}: skipped`, offset);
    }
  }

  private plaintextRecord(side: Side, type: number, fragment: Uint8Array, offset: number): void {
    switch (type) {
      case ContentType.handshake:
        if (side.encrypted) {
          this.warn('WARN_TLS_UNEXPECTED_RECORD', `a plaintext handshake record among protected ones at stream offset ${offset}: skipped`, offset);
          return;
        }
        side.hs.write(fragment);
        return;
      case ContentType.changeCipherSpec:
        // TLS 1.3 middlebox compatibility CCS (RFC 8446 §D.4): nothing to do.
        if (this.version === TLS13 || (this.helloRetryRequest && !this.decided)) return;
        if (this.version !== TLS12) {
          this.warn('WARN_TLS_UNEXPECTED_RECORD', `ChangeCipherSpec before the ServerHello at stream offset ${offset}: skipped`, offset);
          return;
        }
        // TLS 1.2: this direction's records are protected from the next one on (RFC 5246 §7.1).
        side.encrypted = true;
        return;
      case ContentType.alert:
        this.alert(side, fragment, offset);
        return;
      case ContentType.applicationData:
        if (this.clientHello === undefined && this.serverHello === undefined) {
          this.fail('handshake-not-captured', TlsNotDecryptedReasons['handshake-not-captured']);
          return;
        }
        this.warn('WARN_TLS_UNEXPECTED_RECORD', `application data before the handshake protected it, at stream offset ${offset}: skipped`, offset);
        return;
      default:
        return; // heartbeat: nothing to read
    }
  }

  private undecryptable(side: Side, reason: 'auth' | 'short' | 'no-type' | 'too-long', fragment: Uint8Array, offset: number): void {
    const ch = this.clientHello;
    if (this.version === TLS13 && side.dir === 'c2s' && !side.authenticated && ch?.earlyData) {
      // 0-RTT data (RFC 8446 §4.2.10) is protected with the early traffic secret, which is not
      // read: skip it without counting it against the handshake keys' sequence.
      side.decrypter!.seq--;
      side.stats.undecrypted++;
      if (!this.earlyDataWarned) {
        this.earlyDataWarned = true;
        this.warn('WARN_TLS_RECORD_AUTH', `early (0-RTT) data at stream offset ${offset} was not decrypted (its secret is not read)`, offset);
      }
      return;
    }
    side.stats.authFailures++;
    if (!side.authenticated && reason === 'auth' && side.stats.authFailures >= 2) {
      // The first two protected records of this direction do not authenticate: the secrets are not this connection's.
      this.warn('WARN_TLS_RECORD_AUTH', `the first protected ${side.dir} records (to stream offset ${offset}) did not authenticate with the key log's secrets`, offset);
      this.fail('key-mismatch', `${TlsNotDecryptedReasons['key-mismatch']} (client random ${this.randomHex()})`);
      return;
    }
    const code: TlsCode = reason === 'auth' ? 'WARN_TLS_RECORD_AUTH' : 'WARN_TLS_RECORD_MALFORMED';
    this.warn(code, `${side.dir} record at stream offset ${offset} (${fragment.length} bytes): ${reason === 'auth' ? 'did not authenticate' : reason === 'short' ? 'too short for its AEAD' : reason === 'no-type' ? 'all padding' : 'over 2^14 bytes of plaintext'}; it is a gap`, offset);
    if (side.appKeys || this.version === TLS12) {
      const overhead = AEAD_TAG_LENGTH + (this.suite?.explicitNonceLength ?? 0) + (this.version === TLS13 ? 1 : 0);
      this.plain?.gap(side.dir, Math.max(0, fragment.length - overhead), this.curTs, this.curFrame);
    }
  }

  private alert(side: Side, body: Uint8Array, offset: number): void {
    // Alert: level, description (RFC 8446 §6); close_notify (0) and user_canceled (90) are ordinary.
    const description = body.length >= 2 ? body[1]! : -1;
    if (description === 0 || description === 90) return;
    this.warn('WARN_TLS_ALERT', `${side.dir} alert at stream offset ${offset}: level ${body[0] ?? '?'}, description ${description}`, offset);
  }

  // ---- handshake ----

  /** @internal */
  onHandshake(side: Side, type: number, body: Uint8Array | undefined): void {
    if (this.failed) return;
    if (body === undefined && KEEP.has(type)) {
      this.note({ code: 'ERR_TLS_HANDSHAKE_TOO_LONG', severity: 'error', message: `handshake message of type ${type} in ${side.dir} is longer than the limit`, offset: side.parser.offset });
      this.fail('handshake-malformed', `handshake message of type ${type} is too long`);
      return;
    }
    switch (type) {
      case HandshakeType.clientHello:
        if (side.dir !== 'c2s' || side.encrypted) break;
        this.onClientHello(body!);
        return;
      case HandshakeType.serverHello:
        if (side.dir !== 's2c' || side.encrypted) break;
        this.onServerHello(body!);
        return;
      case HandshakeType.encryptedExtensions: {
        if (side.dir !== 's2c' || !side.encrypted) break;
        const alpn = parseEncryptedExtensionsAlpn(body!);
        if (typeof alpn === 'object' && alpn !== null) this.malformed(alpn.malformed);
        else if (alpn !== null) this.alpn = alpn;
        return;
      }
      case HandshakeType.finished:
        if (!side.encrypted) break;
        if (this.version === TLS13 && !side.appKeys) {
          // The sender's next records use its application traffic secret (RFC 8446 §7.1; a key
          // change falls on a record boundary, §5.1).
          side.decrypter = new RecordDecrypter(this.suite!, ...keyIv(this.suite!, side.appSecret!));
        }
        side.appKeys = true;
        return;
      case HandshakeType.keyUpdate:
        if (this.version !== TLS13 || !side.appKeys) break;
        // The sender's next records use the next secret (RFC 8446 §4.6.3, §7.2).
        side.appSecret = tls13NextTrafficSecret(this.suite!, side.appSecret!);
        side.decrypter = new RecordDecrypter(this.suite!, ...keyIv(this.suite!, side.appSecret));
        this.keyUpdates++;
        return;
      default:
        return;
    }
    this.warn('WARN_TLS_UNEXPECTED_RECORD', `handshake message of type ${type} where none is expected in ${side.dir}: skipped`, side.parser.offset);
  }

  private onClientHello(body: Uint8Array): void {
    const ch = parseClientHello(body);
    if (typeof ch === 'string') return this.malformed(ch);
    if (this.clientHello !== undefined && !this.helloRetryRequest) {
      this.warn('WARN_TLS_UNEXPECTED_RECORD', 'a second ClientHello without a HelloRetryRequest: skipped', this.sides.c2s.parser.offset);
      return;
    }
    this.clientHello = ch;
  }

  private onServerHello(body: Uint8Array): void {
    if (this.decided) {
      this.warn('WARN_TLS_UNEXPECTED_RECORD', 'a second ServerHello: skipped', this.sides.s2c.parser.offset);
      return;
    }
    const sh = parseServerHello(body);
    if (typeof sh === 'string') return this.malformed(sh);
    this.serverHello = sh;
    this.suiteId = sh.cipherSuite;
    if (sh.helloRetryRequest) {
      // RFC 8446 §4.1.4: the client answers with a second ClientHello; the next ServerHello decides.
      this.helloRetryRequest = true;
      return;
    }
    if (this.clientHello === undefined) {
      this.version = sh.version;
      return this.fail('handshake-not-captured', 'the ClientHello was not captured, so the client random is unknown');
    }
    this.version = sh.version;
    this.alpn = sh.alpn;
    this.decided = true;
    const suite = cipherSuite(sh.cipherSuite);
    if (sh.version === TLS13) {
      if (suite === undefined || suite.version !== 'TLSv1.3') return this.unsupportedSuite(sh.cipherSuite);
      this.suite = suite;
      this.resumed = this.clientHello.psk;
      // Everything after the ServerHello is protected (RFC 8446 §2).
      for (const side of [this.sides.c2s, this.sides.s2c]) {
        side.encrypted = true;
        side.parser.maxFragment = MAX_TLS13_FRAGMENT;
      }
    } else if (sh.version === TLS12) {
      if (suite === undefined || suite.version !== 'TLSv1.2') return this.unsupportedSuite(sh.cipherSuite);
      this.suite = suite;
      // An echoed session id means an abbreviated handshake (RFC 5246 §7.4.1.3).
      this.resumed = sh.sessionId.length > 0 && Buffer.compare(sh.sessionId, this.clientHello.sessionId) === 0;
    } else {
      return this.fail('unsupported-version', `${TlsNotDecryptedReasons['unsupported-version']}: ${versionName(sh.version)}`);
    }
    this.keysPending = true;
    this.tryKeys();
    // c2s records held for this ServerHello go on once this record is done (see onRecord).
  }

  /** Looks the connection's secrets up; installs its record keys when they are all there. */
  private tryKeys(): void {
    if (!this.keysPending || this.keys === undefined || this.clientHello === undefined || this.suite === undefined) return;
    const s = this.keys.get(this.clientHello.random);
    if (s === undefined) return;
    const suite = this.suite;
    const { c2s, s2c } = this.sides;
    if (this.version === TLS13) {
      const n = hashLength(suite.hash);
      const chs = s.clientHandshakeTrafficSecret;
      const shs = s.serverHandshakeTrafficSecret;
      const cap = s.clientTrafficSecret0;
      const sap = s.serverTrafficSecret0;
      if (chs?.length !== n || shs?.length !== n || cap?.length !== n || sap?.length !== n) return;
      c2s.decrypter = new RecordDecrypter(suite, ...keyIv(suite, chs));
      s2c.decrypter = new RecordDecrypter(suite, ...keyIv(suite, shs));
      c2s.appSecret = cap;
      s2c.appSecret = sap;
    } else {
      if (s.masterSecret?.length !== 48) return;
      const kb = tls12KeyBlock(suite, s.masterSecret, this.clientHello.random, this.serverHello!.random);
      c2s.decrypter = new RecordDecrypter(suite, kb.clientKey, kb.clientIv);
      s2c.decrypter = new RecordDecrypter(suite, kb.serverKey, kb.serverIv);
    }
    this.keysPending = false;
  }

  private unsupportedSuite(id: number): void {
    this.fail('unsupported-suite', `${TlsNotDecryptedReasons['unsupported-suite']}: ${cipherSuiteName(id)} with ${versionName(this.version)}`);
  }

  private malformed(why: string): void {
    this.note({ code: 'ERR_TLS_HANDSHAKE_MALFORMED', severity: 'error', message: why });
    this.fail('handshake-malformed', `${TlsNotDecryptedReasons['handshake-malformed']}: ${why}`);
  }

  // ---- results ----

  private plaintext(): PlaintextStream {
    if (this.plain === undefined) {
      const info: TlsInfo = {
        version: versionName(this.version),
        suite: this.suite!.name,
        ...(this.clientHello?.serverName !== undefined ? { sni: this.clientHello.serverName } : {}),
        ...(this.alpn !== undefined ? { alpn: this.alpn } : {}),
      };
      const connection: TlsConnection = { ...this.ctx.connection, tls: info };
      const registry = this.ctx.registry;
      let preferred: StreamDissectorFactory | undefined;
      if (this.alpn !== undefined) preferred = registry.hasTable('tls.alpn') ? registry.table('tls.alpn').get(this.alpn) : undefined;
      // A protocol ALPN named but nothing here reads (h2…) is left alone: guessing by heuristics
      // could only take it for something it is not.
      const dispatch = this.alpn !== undefined && preferred === undefined ? skipDispatch : this.dispatch;
      this.plain = new PlaintextStream(this.ctx, connection, dispatch, preferred);
    }
    return this.plain;
  }

  private fail(reason: TlsNotDecryptedReason, text: string): void {
    if (this.failed) return;
    this.failed = { reason, text };
    for (let i = this.heldHead; i < this.held.length; i++) this.held[i]!.side.stats.undecrypted++;
    this.held = [];
    this.heldHead = 0;
    this.heldBytes = 0;
    // Only counting from here on: fragments are no longer held or copied.
    this.sides.c2s.parser.countOnly = true;
    this.sides.s2c.parser.countOnly = true;
  }

  private warn(code: TlsCode, message: string, offset?: number): void {
    this.note({ code, severity: 'warning', message, ...(offset !== undefined ? { offset } : {}) });
  }

  private note(d: Diagnostic): void {
    this.warningCount++;
    if (this.warnings.length < this.maxWarnings) this.warnings.push(d);
  }

  private randomHex(): string {
    return this.clientHello === undefined ? '?' : Buffer.from(this.clientHello.random).toString('hex');
  }

  private noKeyText(): string {
    const what = this.version === TLS13 ? 'the four TLS 1.3 traffic secrets (handshake and _0 of each side)' : 'CLIENT_RANDOM (the master secret)';
    return `${TlsNotDecryptedReasons['no-key']} ${this.randomHex()} (needs ${what})`;
  }

  private stamp(ts: bigint, frame: number): void {
    if (this.firstTs === undefined) {
      this.firstTs = ts;
      this.firstFrame = frame;
    }
    if (ts > this.lastTs) this.lastTs = ts;
    if (frame > this.lastFrame) this.lastFrame = frame;
  }

  private summary(ts: bigint, frame: number): TlsConnectionEvent {
    const ch = this.clientHello;
    const decrypted = this.failed === undefined && this.decided && !this.keysPending;
    return {
      type: 'tls.connection',
      connection: this.ctx.connection,
      dir: 'c2s',
      firstTs: this.firstTs ?? ts,
      lastTs: this.lastTs > ts ? this.lastTs : ts,
      firstFrame: this.firstTs === undefined ? frame : this.firstFrame,
      lastFrame: this.lastFrame > frame ? this.lastFrame : frame,
      ...(ch?.serverName !== undefined ? { sni: ch.serverName } : {}),
      ...(ch?.alpn !== undefined ? { alpnOffered: ch.alpn } : {}),
      ...(this.alpn !== undefined ? { alpn: this.alpn } : {}),
      ...(this.serverHello !== undefined && !this.serverHello.helloRetryRequest ? { version: versionName(this.version) } : {}),
      ...(this.suiteId !== undefined ? { suite: cipherSuiteName(this.suiteId) } : {}),
      ...(ch !== undefined ? { clientRandom: this.randomHex() } : {}),
      helloRetryRequest: this.helloRetryRequest,
      resumed: this.resumed,
      keyUpdates: this.keyUpdates,
      decrypted,
      ...(this.failed !== undefined ? { reason: this.failed.reason, reasonText: this.failed.text } : {}),
      stats: { c2s: { ...this.sides.c2s.stats }, s2c: { ...this.sides.s2c.stats } },
      warnings: this.warnings,
      warningCount: this.warningCount,
    };
  }
}

/** The dispatch of a plaintext no dissector reads: its bytes are dropped. */
const skipDispatch: InnerDispatch = () => ({ data() {}, gap() {}, end() {} });

function keyIv(suite: TlsCipherSuite, secret: Uint8Array): [Uint8Array, Uint8Array] {
  const k = tls13TrafficKeys(suite, secret);
  return [k.key, k.iv];
}

/**
 * Makes the `tls` stream dissector factory (for the `tcp.port` table, the `tcp` heuristics and
 * decode-as rules) with these options. It resumes after gaps: a gap ends decryption of that
 * direction only (see {@link TlsStreamDissector}).
 *
 * @example
 * ```ts
 * const keys = new MemoryKeyStore();
 * keys.addKeyLog(readFileSync('keys.log', 'utf8'));
 * registry.table('tcp.port').add(8443, createTlsDissectorFactory({ keys }));
 * ```
 */
export function createTlsDissectorFactory(options: TlsDissectorOptions = {}): StreamDissectorFactory {
  const factory: StreamDissectorFactory = {
    name: 'tls',
    resumesAfterGap: true,
    probeBytes: 16,
    probe: probeTls,
    create: (ctx) => new TlsStreamDissector(ctx, options, factory),
  };
  return factory;
}
