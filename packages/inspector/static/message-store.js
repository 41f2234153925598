// The page's messages, in columns: a million messages as typed arrays and one string each (the
// payload's text, or hex digits, as the server shipped it: whole, or a capped preview).

export const KINDS = ['text', 'binary', 'ping', 'pong', 'close'];
const KIND = { text: 0, binary: 1, ping: 2, pong: 3, close: 4 };

/** Flag bits of a message. */
export const F = { COMPRESSED: 1, CAPPED: 2, UNDECODABLE: 4, WARNINGS: 8, PARTIAL: 16, DECODED: 32 };

export class MessageStore {
  constructor(capacity = 1024) {
    this.n = 0;
    this.alloc(capacity);
    /** The payload per message: text for text messages, hex digits for the rest. */
    this.payload = [];
    /** What few messages have besides (close code and reason, warnings, undecodable…), by seq. */
    this.extra = new Map();
  }

  alloc(capacity) {
    const old = this;
    const grow = (Type, a) => {
      const b = new Type(capacity);
      if (a) b.set(a.subarray(0, old.n));
      return b;
    };
    this.capacity = capacity;
    this.seq = grow(Float64Array, this.seq);
    this.sec = grow(Float64Array, this.sec);
    this.ns = grow(Uint32Array, this.ns);
    this.conn = grow(Int32Array, this.conn);
    this.dir = grow(Uint8Array, this.dir);
    this.kind = grow(Uint8Array, this.kind);
    this.len = grow(Float64Array, this.len);
    this.frames = grow(Uint32Array, this.frames);
    this.flags = grow(Uint8Array, this.flags);
  }

  /** Adds a message (a JSON line of the `netrx ws --format jsonl` contract, or its capped preview). */
  push(m, seq) {
    if (this.n === this.capacity) this.alloc(this.capacity * 2);
    const i = this.n++;
    this.seq[i] = seq;
    const ts = m.ts;
    const dot = ts.indexOf('.');
    this.sec[i] = +ts.slice(0, dot);
    this.ns[i] = +ts.slice(dot + 1);
    this.conn[i] = m.stream;
    this.dir[i] = m.dir === 'c2s' ? 0 : 1;
    this.kind[i] = KIND[m.type] ?? 1;
    this.len[i] = m.length;
    this.frames[i] = m.frames;
    let f = m.compressed ? F.COMPRESSED : 0;
    if (m.capped) f |= F.CAPPED;
    if (m.undecodable !== undefined) f |= F.UNDECODABLE;
    if (m.warnings) f |= F.WARNINGS;
    if (m.partial) f |= F.PARTIAL;
    if (m.decoded !== undefined) f |= F.DECODED;
    this.flags[i] = f;
    this.payload.push(m.text ?? m.hex ?? '');
    if (m.code !== undefined || f & (F.UNDECODABLE | F.WARNINGS | F.PARTIAL | F.DECODED) || m.tls !== undefined) {
      this.extra.set(seq, {
        code: m.code,
        reason: m.reason,
        undecodable: m.undecodable,
        warnings: m.warnings,
        partial: m.partial,
        unknownBytes: m.unknownBytes,
        decoded: m.decoded,
        tls: m.tls,
      });
    }
    return i;
  }

  /** Drops the `k` oldest messages (the page keeps no more than the server's ring). */
  dropOldest(k) {
    k = Math.min(k, this.n);
    if (k <= 0) return;
    const cut = this.seq[k - 1];
    for (const a of [this.seq, this.sec, this.ns, this.conn, this.dir, this.kind, this.len, this.frames, this.flags]) a.copyWithin(0, k, this.n);
    this.payload.splice(0, k);
    this.n -= k;
    for (const seq of this.extra.keys()) if (seq <= cut) this.extra.delete(seq);
  }

  /** Index of the message numbered `seq`, or -1 (binary search: seqs ascend). */
  indexOf(seq) {
    let lo = 0;
    let hi = this.n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.seq[mid];
      if (s === seq) return mid;
      if (s < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The text a payload filter looks at: the text, or the hex digits (and a close's code and reason). */
  searchText(i) {
    if (this.kind[i] !== 4) return this.payload[i];
    const x = this.extra.get(this.seq[i]);
    return x && x.code !== undefined ? `${x.code} ${x.reason ?? ''} ${this.payload[i]}` : this.payload[i];
  }
}
