import type { Diagnostic, Direction, StreamContext, StreamDissector, StreamDissectorFactory } from '@netrx/core';
import { createStreamDispatch } from '@netrx/dissector-tcp';
import { ConnectionKeys, TLS12, TLS13 } from './connection-keys.js';
import { GapResync } from './gap-resync.js';
import { HandshakeType } from './handshake-parser.js';
import { HeldRecords } from './held-records.js';
import type { TlsKeyStore } from './key-store.js';
import { openPlaintext } from './plaintext-handoff.js';
import { AEAD_TAG_LENGTH, type DecryptedRecord } from './record-decrypter.js';
import { ContentType, MAX_TLS13_FRAGMENT } from './record-parser.js';
import { TlsNotDecryptedReasons, type TlsCode, type TlsNotDecryptedReason } from './tls-codes.js';
import { TlsHandshake, type HelloOutcome } from './tls-handshake.js';
import { TlsReport, keyMismatchText, noKeyText } from './tls-report.js';
import { TlsSide, isReadHandshake, type TlsSideOwner } from './tls-side.js';
import type { TlsDissectorOptions } from './tls-dissector-factory.js';
import type { InnerDispatch } from './types.js';

/**
 * TLS on one TCP connection: follows the record layer of both directions (`TlsSide`) and the
 * handshake (ClientHello, ServerHello or HelloRetryRequest, TLS 1.3 EncryptedExtensions and
 * Finished, TLS 1.2 ChangeCipherSpec and Finished, KeyUpdate), finds the connection's secrets in
 * the key store by its client random (`ConnectionKeys`), decrypts the protected records
 * (TLS 1.3 and TLS 1.2 AEAD suites), and hands the application data to the next dissector as the
 * connection's plaintext byte stream (its connection's `via.tls` says how it was protected).
 * Emits one `tls.connection` event when the connection ends.
 *
 * Never shows ciphertext as data: a record that does not authenticate becomes a gap for the next
 * dissector (and a warning); a connection without keys, with a suite not supported, or whose
 * handshake was not captured hands nothing on and says why. Records that arrive before their key
 * are held (`HeldRecords`, up to `maxHeldBytes`) and decrypted when it comes; after a gap
 * the next record that authenticates is looked for (`GapResync`).
 */
export class TlsStreamDissector implements StreamDissector, TlsSideOwner {
  private readonly sides: Record<Direction, TlsSide>;
  private readonly store: TlsKeyStore | undefined;
  private readonly dispatch: InnerDispatch;
  private readonly held: HeldRecords;
  private readonly report: TlsReport;
  private readonly hello = new TlsHandshake();
  /** Set once the ServerHello chose a supported version and suite. */
  private keys: ConnectionKeys | undefined;
  private plain: StreamDissector | undefined;
  private earlyDataWarned = false;
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
    this.store = options.keys;
    this.dispatch = options.inner ?? ((inner, preferred) => createStreamDispatch(inner, { preferred, exclude: self }));
    this.held = new HeldRecords(options.maxHeldBytes ?? 4 * 1024 * 1024, ctx.budget);
    this.report = new TlsReport(options.maxWarnings ?? 16);
    this.sides = { c2s: new TlsSide('c2s', this), s2c: new TlsSide('s2c', this) };
  }

  data(dir: Direction, bytes: Uint8Array, ts: bigint, frame: number): void {
    this.report.stamp(ts, frame);
    const side = this.sides[dir];
    side.stats.bytes += bytes.length;
    if (side.lost) return;
    side.ts = ts;
    side.frame = frame;
    if (side.resync !== undefined) this.resync(side, bytes);
    else side.parser.write(bytes);
  }

  gap(dir: Direction, length: number, ts: bigint, frame: number): void {
    this.report.stamp(ts, frame);
    const side = this.sides[dir];
    if (side.lost) return;
    this.curTs = ts;
    this.curFrame = frame;
    if (side.resync !== undefined) {
      side.resync.hole(length);
      this.plain?.gap(dir, length, ts, frame);
      return;
    }
    const at = side.parser.offset - side.parser.buffered;
    const cut = side.parser.buffered;
    side.parser.stop();
    side.hs.reset();
    this.plain?.gap(dir, length + cut, ts, frame);
    if (!this.report.failed && this.hello.decided && side.encrypted && side.decrypter !== undefined && this.held.size === 0) {
      side.resync = new GapResync(side.parser.offset + length, length + cut);
      this.warn('WARN_TLS_GAP', `${length} bytes of ${dir} were not captured after stream offset ${at}: the record there is lost; looking for the next record`, at);
      return;
    }
    side.lost = true;
    this.warn('WARN_TLS_GAP', `${length} bytes of ${dir} were not captured after stream offset ${at}: ${dir} is not decrypted from there on`, at);
  }

  /** After a gap: searches the bytes for the next record that authenticates, and goes on from there. */
  private resync(side: TlsSide, bytes: Uint8Array): void {
    const r = side.resync!.push(bytes, side, this.keys!);
    if (r.kind === 'searching') return;
    side.resync = undefined;
    if (r.kind === 'lost') {
      side.lost = true;
      this.warn('WARN_TLS_GAP', `no ${side.dir} record authenticated in the ${r.searched} bytes after the gap: ${side.dir} is not decrypted from there on`, r.from);
      return;
    }
    if (r.nextKeys !== undefined) this.nextKeysWarning(side, r.nextKeys === 'update');
    this.warn('WARN_TLS_GAP', `${side.dir} records found again at stream offset ${r.at} (${r.lost} bytes lost since the last whole record)`, r.at);
    side.parser.reset(r.at);
    side.parser.write(r.rest);
  }

  private nextKeysWarning(side: TlsSide, update: boolean): void {
    this.warn('WARN_TLS_RECORD_AUTH', `${side.dir} records authenticate under the ${update ? 'next generation of keys: a KeyUpdate' : 'application keys: the Finished'} was in what was lost`);
  }

  end(ts: bigint, frame: number): void {
    if (this.ended) return;
    this.ended = true;
    this.report.stamp(ts, frame);
    this.curTs = ts;
    this.curFrame = frame;
    // Last chance for keys that came late (a key log written after the connection's records).
    if (!this.report.failed && this.held.size > 0) this.drain();
    if (!this.report.failed) this.failAtEnd();
    this.plain?.end(ts, frame);
    const { c2s, s2c } = this.sides;
    // A connection that carried nothing (a port-443 SYN and FIN) has nothing to say.
    if (c2s.stats.bytes + s2c.stats.bytes === 0) return;
    this.ctx.emit(
      this.report.event(this.ctx.connection, ts, frame, {
        clientHello: this.hello.clientHello,
        version: this.hello.version,
        suiteId: this.hello.suiteId,
        alpn: this.hello.alpn,
        helloRetryRequest: this.hello.helloRetryRequest,
        resumed: this.hello.resumed,
        keyUpdates: this.keys?.keyUpdates ?? 0,
        decrypted: this.hello.decided && this.keys?.pending === false,
        stats: { c2s: c2s.stats, s2c: s2c.stats },
      }),
    );
  }

  /** At the end, why a connection not given up yet was not decrypted, if it was not. */
  private failAtEnd(): void {
    const { c2s, s2c } = this.sides;
    const mismatch = [c2s, s2c].some((s) => s.stats.authFailures > 0 && !s.authenticated);
    if (this.keys?.pending) this.fail('no-key', noKeyText(this.hello.version, this.hello.clientHello));
    else if (mismatch && this.plain === undefined) this.fail('key-mismatch', keyMismatchText(this.hello.clientHello));
    else if (this.held.size > 0 || (!this.hello.decided && this.hello.clientHello !== undefined)) this.fail('handshake-incomplete', TlsNotDecryptedReasons['handshake-incomplete']);
    else if (!this.hello.decided && (c2s.stats.records > 0 || s2c.stats.records > 0)) this.fail('handshake-not-captured', TlsNotDecryptedReasons['handshake-not-captured']);
  }

  // ---- records ----

  /** @internal */
  onRecord(side: TlsSide, type: number, version: number, fragment: Uint8Array, offset: number): void {
    side.stats.records++;
    if (this.report.failed) {
      side.stats.undecrypted++;
      return;
    }
    if (this.held.size > 0 || this.blocked(side, type)) {
      this.hold(side, type, version, fragment, offset);
      this.drain();
      return;
    }
    this.curTs = side.ts;
    this.curFrame = side.frame;
    this.process(side, type, version, fragment, offset);
    // A ServerHello just read may have released c2s records held for it.
    if (this.held.size > 0) this.drain();
  }

  /** @internal */
  onParserError(side: TlsSide, d: Diagnostic): void {
    side.lost = true;
    this.curTs = side.ts;
    this.curFrame = side.frame;
    this.report.note(d);
    if (!this.hello.decided && !this.report.failed) {
      this.fail(this.hello.clientHello === undefined ? 'not-tls' : 'handshake-malformed', d.message);
    } else {
      // The framing of this direction is lost: the plaintext has a hole of unknown length.
      this.plain?.gap(side.dir, 0, side.ts, side.frame);
    }
  }

  /** Why a record cannot be processed yet: the ServerHello or the keys are missing. */
  private blocked(side: TlsSide, type: number): boolean {
    if (side.dir === 'c2s' && this.hello.clientHello !== undefined && !this.hello.decided) {
      // After a HelloRetryRequest the client's second ClientHello (and a compatibility CCS) come in the clear.
      return !(this.hello.helloRetryRequest && (type === ContentType.handshake || type === ContentType.changeCipherSpec));
    }
    if (!side.encrypted || side.decrypter !== undefined) return false;
    // TLS 1.3 sends compatibility CCS and early alerts in the clear among protected records.
    return this.hello.version !== TLS13 || type === ContentType.applicationData;
  }

  private hold(side: TlsSide, type: number, version: number, fragment: Uint8Array, offset: number): void {
    if (!this.held.fits(fragment.length)) {
      this.curTs = side.ts;
      this.curFrame = side.frame;
      const waiting = this.keys?.pending ? 'their key' : 'the ServerHello';
      this.warn('WARN_TLS_HELD_LIMIT', `${this.held.bytes + fragment.length} bytes of records waited for ${waiting}: over the limit of ${this.held.maxBytes}`, offset);
      side.stats.undecrypted++;
      if (this.keys?.pending) this.fail('no-key', noKeyText(this.hello.version, this.hello.clientHello));
      else this.fail('handshake-incomplete', TlsNotDecryptedReasons['handshake-incomplete']);
      return;
    }
    if (!this.held.push(side, type, version, fragment, offset)) {
      this.curTs = side.ts;
      this.curFrame = side.frame;
      const waiting = this.keys?.pending ? 'their key' : 'the ServerHello';
      this.warn('WARN_TLS_HELD_MEMORY', `a ${fragment.length}-byte record waiting for ${waiting} could not be held: the memory budget is spent (${this.held.bytes} bytes held)`, offset);
      side.stats.undecrypted++;
      if (this.keys?.pending) this.fail('no-key', noKeyText(this.hello.version, this.hello.clientHello));
      else this.fail('handshake-incomplete', TlsNotDecryptedReasons['handshake-incomplete']);
    }
  }

  /** Looks for the keys if they are still missing; then processes held records, in order, while they are not blocked. */
  private drain(): void {
    this.lookUpKeys();
    for (let h = this.held.peek(); h !== undefined && !this.report.failed; h = this.held.peek()) {
      if (this.blocked(h.side, h.type)) {
        if (!this.keys?.pending) return;
        this.lookUpKeys();
        if (this.blocked(h.side, h.type)) return;
      }
      this.held.shift();
      this.curTs = h.ts;
      this.curFrame = h.frame;
      this.process(h.side, h.type, h.version, h.fragment, h.offset);
    }
  }

  private lookUpKeys(): void {
    if (this.keys?.pending && this.hello.clientHello !== undefined) this.keys.install(this.store, this.hello.clientHello.random, this.hello.serverHello!.random, this.sides.c2s, this.sides.s2c);
  }

  private process(side: TlsSide, type: number, version: number, fragment: Uint8Array, offset: number): void {
    const tls13 = this.hello.version === TLS13;
    if (!side.encrypted || (tls13 && type !== ContentType.applicationData)) {
      this.plaintextRecord(side, type, fragment, offset);
      return;
    }
    let r: DecryptedRecord = side.decrypter!.decrypt(type, version, fragment);
    if (!r.ok && r.reason === 'auth' && side.authenticated) {
      // TLS 1.3: a Finished or KeyUpdate in a damaged record went unseen; the keys it announced may open this one.
      const next = this.keys!.next(side);
      const again = next?.decrypter.decryptAt(0, type, version, fragment);
      if (next !== undefined && again?.ok) {
        next.decrypter.seq = 1;
        this.keys!.useNext(side, next);
        this.nextKeysWarning(side, next.update);
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

  private plaintextRecord(side: TlsSide, type: number, fragment: Uint8Array, offset: number): void {
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
        if (this.hello.version === TLS13 || (this.hello.helloRetryRequest && !this.hello.decided)) return;
        if (this.hello.version !== TLS12) {
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
        if (this.hello.clientHello === undefined && this.hello.serverHello === undefined) {
          this.fail('handshake-not-captured', TlsNotDecryptedReasons['handshake-not-captured']);
          return;
        }
        this.warn('WARN_TLS_UNEXPECTED_RECORD', `application data before the handshake protected it, at stream offset ${offset}: skipped`, offset);
        return;
      default:
        return; // heartbeat: nothing to read
    }
  }

  private undecryptable(side: TlsSide, reason: 'auth' | 'short' | 'no-type' | 'too-long', fragment: Uint8Array, offset: number): void {
    if (this.hello.version === TLS13 && side.dir === 'c2s' && !side.authenticated && this.hello.clientHello?.earlyData) {
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
      this.fail('key-mismatch', keyMismatchText(this.hello.clientHello));
      return;
    }
    const code: TlsCode = reason === 'auth' ? 'WARN_TLS_RECORD_AUTH' : 'WARN_TLS_RECORD_MALFORMED';
    const why = reason === 'auth' ? 'did not authenticate' : reason === 'short' ? 'too short for its AEAD' : reason === 'no-type' ? 'all padding' : 'over 2^14 bytes of plaintext';
    this.warn(code, `${side.dir} record at stream offset ${offset} (${fragment.length} bytes): ${why}; it is a gap`, offset);
    if (side.appKeys || this.hello.version === TLS12) {
      const overhead = AEAD_TAG_LENGTH + (this.keys?.suite.explicitNonceLength ?? 0) + (this.hello.version === TLS13 ? 1 : 0);
      this.plain?.gap(side.dir, Math.max(0, fragment.length - overhead), this.curTs, this.curFrame);
    }
  }

  private alert(side: TlsSide, body: Uint8Array, offset: number): void {
    // Alert: level, description (RFC 8446 §6); close_notify (0) and user_canceled (90) are ordinary.
    const description = body.length >= 2 ? body[1]! : -1;
    if (description === 0 || description === 90) return;
    this.warn('WARN_TLS_ALERT', `${side.dir} alert at stream offset ${offset}: level ${body[0] ?? '?'}, description ${description}`, offset);
  }

  // ---- handshake ----

  /** @internal */
  onHandshake(side: TlsSide, type: number, body: Uint8Array | undefined): void {
    if (this.report.failed) return;
    if (body === undefined && isReadHandshake(type)) {
      this.report.note({ code: 'ERR_TLS_HANDSHAKE_TOO_LONG', severity: 'error', message: `handshake message of type ${type} in ${side.dir} is longer than the limit`, offset: side.parser.offset });
      this.fail('handshake-malformed', `handshake message of type ${type} is too long`);
      return;
    }
    const hello = this.hello;
    switch (type) {
      case HandshakeType.clientHello:
        if (side.dir !== 'c2s' || side.encrypted) break;
        return this.act(hello.clientHelloMessage(body!), side);
      case HandshakeType.serverHello:
        if (side.dir !== 's2c' || side.encrypted) break;
        return this.act(hello.serverHelloMessage(body!), side);
      case HandshakeType.encryptedExtensions:
        if (side.dir !== 's2c' || !side.encrypted) break;
        return this.act(hello.encryptedExtensionsMessage(body!), side);
      case HandshakeType.finished:
        if (!side.encrypted) break;
        this.keys!.finished(side);
        return;
      case HandshakeType.keyUpdate:
        if (hello.version !== TLS13 || !side.appKeys) break;
        this.keys!.keyUpdate(side);
        return;
      default:
        return;
    }
    this.warn('WARN_TLS_UNEXPECTED_RECORD', `handshake message of type ${type} where none is expected in ${side.dir}: skipped`, side.parser.offset);
  }

  /** Acts on what a hello message of `side` came to. */
  private act(o: HelloOutcome, side: TlsSide): void {
    switch (o.kind) {
      case 'read':
        return;
      case 'skipped':
        return this.warn('WARN_TLS_UNEXPECTED_RECORD', o.message, side.parser.offset);
      case 'malformed':
        this.report.note({ code: 'ERR_TLS_HANDSHAKE_MALFORMED', severity: 'error', message: o.why });
        return this.fail('handshake-malformed', `${TlsNotDecryptedReasons['handshake-malformed']}: ${o.why}`);
      case 'not-decrypted':
        return this.fail(o.reason, o.text);
      case 'decided':
        if (o.keys.version === TLS13) {
          // Everything after the ServerHello is protected (RFC 8446 §2).
          for (const s of [this.sides.c2s, this.sides.s2c]) {
            s.encrypted = true;
            s.parser.maxFragment = MAX_TLS13_FRAGMENT;
          }
        }
        this.keys = o.keys;
        this.lookUpKeys();
      // c2s records held for this ServerHello go on once this record is done (see onRecord).
    }
  }

  // ---- results ----

  /** The next dissector of the plaintext, opened with the first application data. */
  private plaintext(): StreamDissector {
    if (this.plain === undefined) {
      this.plain = openPlaintext(this.ctx, this.hello.info(this.keys!.suite.name), this.hello.alpn, this.dispatch);
    }
    return this.plain;
  }

  private fail(reason: TlsNotDecryptedReason, text: string): void {
    if (!this.report.fail(reason, text)) return;
    this.held.drop();
    // Only counting from here on: fragments are no longer held or copied.
    this.sides.c2s.parser.countOnly = true;
    this.sides.s2c.parser.countOnly = true;
  }

  private warn(code: TlsCode, message: string, offset?: number): void {
    this.report.warn(code, message, offset);
  }
}
