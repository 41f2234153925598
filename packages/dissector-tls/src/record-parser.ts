import type { Diagnostic } from '@netrx/core';
import { TlsCodes } from './tls-codes.js';

/** TLS content types (RFC 8446 §5.1, RFC 6520 for heartbeat). */
export const ContentType = {
  changeCipherSpec: 20,
  alert: 21,
  handshake: 22,
  applicationData: 23,
  heartbeat: 24,
} as const;

const EMPTY = new Uint8Array(0);

/** Bytes of a record header: type, version, length (RFC 8446 §5.1). */
export const RECORD_HEADER_LENGTH = 5;

/** Most bytes of a TLS 1.3 record's fragment: 2^14 + 256 (RFC 8446 §5.2). */
export const MAX_TLS13_FRAGMENT = (1 << 14) + 256;
/** Most bytes of a TLS 1.2 record's fragment: 2^14 + 2048 (RFC 5246 §6.2.3). */
export const MAX_TLS12_FRAGMENT = (1 << 14) + 2048;

/**
 * Buffers for the fragments of records that span chunks, given back when the record has been
 * delivered (its view is valid only during the sink's call): a 16 KiB record in a dozen TCP
 * segments would otherwise cost a new off-heap buffer each, and a capture of large messages over
 * TLS spent a sixth of its time collecting them. Records up to {@link POOLED_FROM} bytes take
 * Node's own pooled buffers.
 */
const spare: Uint8Array[] = [];
/** Most spare buffers kept (about 0.6 MiB). */
const MAX_SPARE = 32;
/** Fragments at least this long use a spare buffer. */
const POOLED_FROM = 4096;

/** Receives what a {@link TlsRecordParser} finds, synchronously. */
export interface TlsRecordSink {
  /**
   * One whole record: content type, record version, and the fragment (a view valid only during
   * the call: copy what you keep); `offset` is the stream offset of its header's first byte.
   */
  record(type: number, version: number, fragment: Uint8Array, offset: number): void;
  /** The bytes are not records (or a length is over the limit): the parser has stopped. */
  error(diagnostic: Diagnostic): void;
}

/** Whether 5 bytes at `off` look like a record header: a known type, version 3.x, a length within `max`. */
export function isRecordHeader(b: Uint8Array, off: number, max: number): boolean {
  const type = b[off]!;
  return type >= ContentType.changeCipherSpec && type <= ContentType.heartbeat && b[off + 1] === 3 && b[off + 2]! <= 4 && ((b[off + 3]! << 8) | b[off + 4]!) <= max;
}

/**
 * The TLS record layer of one direction, as an I/O-free state machine (RFC 8446 §5.1, RFC 5246
 * §6.2): fed the stream's bytes in chunks of any size, it calls its sink once per record, with a
 * view of the chunk when the record lies inside it and a copy only for a record split across
 * chunks. Several records per chunk and records across chunks are both normal.
 *
 * A record's length is checked against {@link TlsRecordParser.maxFragment} before anything is
 * allocated; a header with an unknown type or version, or a length over the limit, stops the
 * parser with an error (TLS has no way to find the next record but its framing).
 */
export class TlsRecordParser {
  /**
   * Most fragment bytes accepted: {@link MAX_TLS12_FRAGMENT} until the version is known, then
   * {@link MAX_TLS13_FRAGMENT} for TLS 1.3 (set by the owner).
   */
  maxFragment = MAX_TLS12_FRAGMENT;
  /** Stream offset of the next byte expected. */
  offset = 0;
  /** Whether the parser stopped (a bad header, or {@link TlsRecordParser.stop}). */
  stopped = false;
  /**
   * When set, fragments are skipped without being held or copied, and records are reported with
   * an empty fragment (for counting the records of a connection that will not be decrypted).
   */
  countOnly = false;
  private readonly header = new Uint8Array(RECORD_HEADER_LENGTH);
  private headerHave = 0;
  /** The fragment of a record split across chunks, and how much of it is here. */
  private fragment: Uint8Array | undefined;
  private fragmentHave = 0;
  private recordOffset = 0;
  /** Fragment bytes still to skip, in {@link TlsRecordParser.countOnly} mode. */
  private skipping = 0;

  constructor(private readonly sink: TlsRecordSink) {}

  /** Bytes held for a record that is not complete yet (header and fragment). */
  get buffered(): number {
    return this.headerHave + this.fragmentHave;
  }

  /** Parses the next bytes of the direction; calls the sink for each record completed. */
  write(bytes: Uint8Array): void {
    let off = 0;
    const n = bytes.length;
    while (off < n && !this.stopped) {
      if (this.skipping > 0) {
        const take = Math.min(this.skipping, n - off);
        this.skipping -= take;
        off += take;
        this.offset += take;
        if (this.skipping > 0) return;
        this.headerHave = 0;
        this.sink.record(this.header[0]!, (this.header[1]! << 8) | this.header[2]!, EMPTY, this.recordOffset);
        continue;
      }
      if (this.fragment !== undefined) {
        const frag = this.fragment;
        const take = Math.min(frag.length - this.fragmentHave, n - off);
        frag.set(bytes.subarray(off, off + take), this.fragmentHave);
        this.fragmentHave += take;
        off += take;
        this.offset += take;
        if (this.fragmentHave < frag.length) return;
        this.fragment = undefined;
        this.fragmentHave = 0;
        this.headerHave = 0;
        this.sink.record(this.header[0]!, (this.header[1]! << 8) | this.header[2]!, frag, this.recordOffset);
        this.giveBack(frag);
        continue;
      }
      if (this.headerHave === 0 && n - off >= RECORD_HEADER_LENGTH) {
        // The fast path: the header, and perhaps the whole record, inside this chunk.
        if (!this.checkHeader(bytes, off, this.offset)) return;
        const length = (bytes[off + 3]! << 8) | bytes[off + 4]!;
        const start = off + RECORD_HEADER_LENGTH;
        if (n - start >= length) {
          const recordOffset = this.offset;
          this.offset += RECORD_HEADER_LENGTH + length;
          off = start + length;
          this.sink.record(bytes[start - 5]!, (bytes[start - 4]! << 8) | bytes[start - 3]!, bytes.subarray(start, start + length), recordOffset);
          continue;
        }
        this.header.set(bytes.subarray(off, start));
        this.headerHave = RECORD_HEADER_LENGTH;
        this.recordOffset = this.offset;
        this.offset += RECORD_HEADER_LENGTH;
        off = start;
        this.startFragment(length);
        continue;
      }
      // A header split across chunks.
      if (this.headerHave === 0) this.recordOffset = this.offset;
      const take = Math.min(RECORD_HEADER_LENGTH - this.headerHave, n - off);
      this.header.set(bytes.subarray(off, off + take), this.headerHave);
      this.headerHave += take;
      off += take;
      this.offset += take;
      if (this.headerHave < RECORD_HEADER_LENGTH) return;
      if (!this.checkHeader(this.header, 0, this.recordOffset)) return;
      const length = (this.header[3]! << 8) | this.header[4]!;
      this.startFragment(length);
      if (length === 0) {
        this.fragment = undefined;
        this.headerHave = 0;
        this.sink.record(this.header[0]!, (this.header[1]! << 8) | this.header[2]!, new Uint8Array(0), this.recordOffset);
      }
    }
  }

  /**
   * Starts again at a record boundary the owner found (after a gap): `offset` is the stream
   * offset of the next byte written, which must be a record header.
   */
  reset(offset: number): void {
    this.stop();
    this.stopped = false;
    this.offset = offset;
  }

  /** Stops the parser: later bytes are ignored (after a gap, or when the owner gives up). */
  stop(): void {
    this.stopped = true;
    this.skipping = 0;
    if (this.fragment !== undefined) this.giveBack(this.fragment);
    this.fragment = undefined;
    this.fragmentHave = 0;
    this.headerHave = 0;
  }

  private startFragment(length: number): void {
    this.fragmentHave = 0;
    if (this.countOnly) {
      this.skipping = length;
      return;
    }
    // Checked against maxFragment in checkHeader before this allocation; every byte is written
    // before the record is delivered, so no zero fill.
    if (length < POOLED_FROM) this.fragment = Buffer.allocUnsafe(length);
    else this.fragment = (spare.pop() ?? new Uint8Array(MAX_TLS12_FRAGMENT)).subarray(0, length);
  }

  /** Gives a fragment's buffer back for the next record that spans chunks. */
  private giveBack(frag: Uint8Array): void {
    if (frag.length >= POOLED_FROM && spare.length < MAX_SPARE) spare.push(new Uint8Array(frag.buffer, frag.byteOffset, MAX_TLS12_FRAGMENT));
  }

  private checkHeader(b: Uint8Array, off: number, at: number): boolean {
    const type = b[off]!;
    const major = b[off + 1]!;
    const minor = b[off + 2]!;
    const length = (b[off + 3]! << 8) | b[off + 4]!;
    if (type < ContentType.changeCipherSpec || type > ContentType.heartbeat || major !== 3 || minor > 4) {
      this.fail({
        code: 'ERR_TLS_RECORD_TYPE',
        severity: 'error',
        message: `record header at stream offset ${at} is not TLS (type ${type}, version ${major}.${minor}): ${TlsCodes.ERR_TLS_RECORD_TYPE}`,
        offset: at,
      });
      return false;
    }
    if (length > this.maxFragment) {
      this.fail({
        code: 'ERR_TLS_RECORD_TOO_LONG',
        severity: 'error',
        message: `record at stream offset ${at} claims ${length} bytes, over the limit of ${this.maxFragment}`,
        offset: at,
      });
      return false;
    }
    return true;
  }

  private fail(d: Diagnostic): void {
    this.stop();
    this.sink.error(d);
  }
}
