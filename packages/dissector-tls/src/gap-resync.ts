import { concatBytes } from '@netrx/core';
import { TLS13, type ConnectionKeys } from './connection-keys.js';
import { AEAD_TAG_LENGTH } from './record-decrypter.js';
import { ContentType, MAX_TLS12_FRAGMENT, RECORD_HEADER_LENGTH, isRecordHeader } from './record-parser.js';
import type { TlsSide } from './tls-side.js';

/** Most bytes searched after a gap for a record that authenticates before the direction is given up. */
const MAX_RESYNC_BYTES = 4 * (MAX_TLS12_FRAGMENT + RECORD_HEADER_LENGTH);
/** Most sequence numbers tried per candidate record after a gap. */
const MAX_RESYNC_TRIALS = 512;

const EMPTY = new Uint8Array(0);

/** What a {@link GapResync} search came to after the bytes it was given. */
export type ResyncOutcome =
  /**
   * A record at stream offset `at` authenticates: the parser goes on from there with `rest` (a
   * view valid during the call). `lost` stream bytes are gone since the last whole record;
   * `nextKeys` says the record opened under the direction's next keys (`finished`: the
   * application keys, `update`: the next generation), so a Finished or KeyUpdate was lost.
   */
  | { readonly kind: 'found'; readonly at: number; readonly lost: number; readonly rest: Uint8Array; readonly nextKeys?: 'finished' | 'update' }
  /** Nothing yet: more bytes are needed. */
  | { readonly kind: 'searching' }
  /** Nothing authenticated within {@link MAX_RESYNC_BYTES}: the direction is given up. */
  | { readonly kind: 'lost'; readonly searched: number; readonly from: number };

/**
 * After a gap in a direction being decrypted (RFC 8446 §5.1: records are framed by their headers
 * only, so the framing is lost with the bytes): keeps the bytes received since, finds the next
 * position where a protected record header sits and the record authenticates under some sequence
 * number a bounded number of records ahead (or, in TLS 1.3, under the next keys: a Finished or
 * KeyUpdate may have been lost), and installs the keys and sequence number it authenticated under.
 *
 * @internal
 */
export class GapResync {
  /** Bytes since the gap (a copy), from stream offset {@link GapResync.offset}. */
  private buf: Uint8Array = EMPTY;
  /** Positions of `buf` already searched. */
  private scanned = 0;

  constructor(
    /** Stream offset of the first byte after the gap. */
    private offset: number,
    /** Stream bytes lost: the gap and the part of a record cut by it. */
    private lost: number,
  ) {}

  /** Another hole while searching: what was kept is before it, and no longer useful. */
  hole(length: number): void {
    this.offset += this.buf.length + length;
    this.lost += this.buf.length + length;
    this.buf = EMPTY;
    this.scanned = 0;
  }

  /** Adds the next bytes of `side` (a view valid during the call) and searches them. */
  push(bytes: Uint8Array, side: TlsSide, keys: ConnectionKeys): ResyncOutcome {
    // Two parts, so always a copy: `bytes` is a view valid during the call only.
    const buf = concatBytes([this.buf, bytes]);
    this.buf = buf;
    const max = side.parser.maxFragment;
    const tls13 = keys.version === TLS13;
    for (let p = this.scanned; p + RECORD_HEADER_LENGTH <= buf.length; p++) {
      const type = buf[p]!;
      if (buf[p + 1] !== 3 || buf[p + 2] !== 3 || !isRecordHeader(buf, p, max)) continue;
      if (type !== ContentType.applicationData && (tls13 || (type !== ContentType.alert && type !== ContentType.handshake))) continue;
      const length = (buf[p + 3]! << 8) | buf[p + 4]!;
      if (p + RECORD_HEADER_LENGTH + length > buf.length) {
        this.scanned = p; // wait for the rest of this candidate
        return { kind: 'searching' };
      }
      const lost = this.lost + p;
      // At least this many records were lost whole; at most, one per smallest record.
      const from = Math.floor(lost / (max + RECORD_HEADER_LENGTH));
      const to = Math.min(from + MAX_RESYNC_TRIALS, Math.ceil(lost / (AEAD_TAG_LENGTH + RECORD_HEADER_LENGTH)) + 1);
      const found = findKeys(side, keys, type, buf.subarray(p + RECORD_HEADER_LENGTH, p + RECORD_HEADER_LENGTH + length), from, to);
      if (found !== false) return { kind: 'found', at: this.offset + p, lost, rest: buf.subarray(p), ...(found === 'current' ? {} : { nextKeys: found }) };
    }
    this.scanned = Math.max(this.scanned, buf.length - RECORD_HEADER_LENGTH + 1);
    if (buf.length > MAX_RESYNC_BYTES) return { kind: 'lost', searched: buf.length, from: this.offset };
    return { kind: 'searching' };
  }
}

/**
 * Finds the keys and sequence number a record authenticates under: the current keys `from` to
 * `to` records ahead, or in TLS 1.3 the next keys from their first record. Installs what
 * authenticated, with the sequence number of this record, and says which; false when nothing did.
 */
function findKeys(side: TlsSide, keys: ConnectionKeys, type: number, fragment: Uint8Array, from: number, to: number): 'current' | 'finished' | 'update' | false {
  const d = side.decrypter!;
  // The header's version of a protected record is always 0x0303 (RFC 8446 §5.1, RFC 5246 §6.2.1).
  for (let n = d.seq + from; n <= d.seq + to; n++) {
    if (d.decryptAt(n, type, 0x0303, fragment).ok) {
      d.seq = n;
      return 'current';
    }
  }
  const next = keys.next(side);
  if (next === undefined) return false;
  for (let n = 0; n <= to; n++) {
    if (next.decrypter.decryptAt(n, type, 0x0303, fragment).ok) {
      next.decrypter.seq = n;
      keys.useNext(side, next);
      return next.update ? 'update' : 'finished';
    }
  }
  return false;
}
