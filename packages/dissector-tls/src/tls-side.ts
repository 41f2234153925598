import type { Diagnostic, Direction } from '@netrx/core';
import { HandshakeReassembler, HandshakeType } from './handshake-parser.js';
import type { GapResync } from './gap-resync.js';
import type { RecordDecrypter } from './record-decrypter.js';
import { TlsRecordParser, type TlsRecordSink } from './record-parser.js';
import type { TlsDirectionStats } from './types.js';

/** Handshake messages whose bodies are read; the rest (certificates…) are skipped unread. */
const KEEP: ReadonlySet<number> = new Set([
  HandshakeType.clientHello,
  HandshakeType.serverHello,
  HandshakeType.encryptedExtensions,
  HandshakeType.finished,
  HandshakeType.keyUpdate,
]);

/** Whether the body of a handshake message of this type is read (see {@link HandshakeReassembler}). */
export function isReadHandshake(type: number): boolean {
  return KEEP.has(type);
}

/** What a {@link TlsSide} reports to the connection it belongs to, synchronously. */
export interface TlsSideOwner {
  /** One whole record of `side` (the fragment is a view valid during the call). */
  onRecord(side: TlsSide, type: number, version: number, fragment: Uint8Array, offset: number): void;
  /** `side`'s bytes are not records: its parser stopped. */
  onParserError(side: TlsSide, d: Diagnostic): void;
  /** One handshake message of `side` (`body` undefined when it is not read, or too long). */
  onHandshake(side: TlsSide, type: number, body: Uint8Array | undefined): void;
}

/**
 * One direction of a TLS connection: its record parser, its handshake reassembler, the keys its
 * protected records are opened with, where it is in the key schedule, and its counters. The
 * connection ({@link TlsSideOwner}) decides what each record means.
 *
 * @internal
 */
export class TlsSide implements TlsRecordSink {
  readonly parser: TlsRecordParser;
  readonly hs: HandshakeReassembler;
  /** Opens this direction's protected records, once its keys are known. */
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
  /** After a gap: the search for the next record that authenticates. */
  resync: GapResync | undefined;
  /** Time and frame of the bytes being parsed. */
  ts = 0n;
  frame = 0;
  readonly stats: TlsDirectionStats = { records: 0, bytes: 0, plaintextBytes: 0, authFailures: 0, undecrypted: 0 };

  constructor(
    readonly dir: Direction,
    private readonly owner: TlsSideOwner,
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
