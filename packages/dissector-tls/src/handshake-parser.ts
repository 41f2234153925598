/** Handshake message types this package looks at (RFC 8446 §4, RFC 5246 §7.4). */
export const HandshakeType = {
  clientHello: 1,
  serverHello: 2,
  newSessionTicket: 4,
  endOfEarlyData: 5,
  encryptedExtensions: 8,
  certificate: 11,
  serverKeyExchange: 12,
  certificateRequest: 13,
  serverHelloDone: 14,
  certificateVerify: 15,
  clientKeyExchange: 16,
  finished: 20,
  keyUpdate: 24,
} as const;

/** Receives each handshake message a {@link HandshakeReassembler} completes. */
export type HandshakeSink = (type: number, body: Uint8Array | undefined) => void;

/** Bytes of a handshake message header: type (1) and length (3). */
const HEADER = 4;

/**
 * Joins the handshake messages of one direction from the fragments of its handshake records
 * (RFC 8446 §5.1: a message may span records, and a record may hold several). Bodies of the
 * messages listed in `keep` are delivered whole (a view valid during the call), up to `maxBody`
 * bytes; longer ones and the bodies of other types (certificates) are skipped without being
 * held, and delivered as `undefined`.
 */
export class HandshakeReassembler {
  private readonly header = new Uint8Array(HEADER);
  private headerHave = 0;
  private type = 0;
  private remaining = 0;
  private body: Uint8Array | undefined;
  private bodyHave = 0;
  private inMessage = false;

  constructor(
    private readonly sink: HandshakeSink,
    private readonly keep: ReadonlySet<number>,
    private readonly maxBody = 64 * 1024,
  ) {}

  /** Whether a message is partly received (RFC 8446 §5.1: a key change must not fall inside one). */
  get pending(): boolean {
    return this.headerHave > 0 || this.inMessage;
  }

  /** Forgets a message partly received (its rest was lost in a gap). */
  reset(): void {
    this.headerHave = 0;
    this.body = undefined;
    this.bodyHave = 0;
    this.remaining = 0;
    this.inMessage = false;
  }

  /** Adds the plaintext fragment of one handshake record. */
  write(bytes: Uint8Array): void {
    let off = 0;
    const n = bytes.length;
    while (off < n) {
      if (!this.inMessage) {
        if (this.headerHave === 0 && n - off >= HEADER) {
          const type = bytes[off]!;
          const length = (bytes[off + 1]! << 16) | (bytes[off + 2]! << 8) | bytes[off + 3]!;
          off += HEADER;
          if (n - off >= length && this.keep.has(type) && length <= this.maxBody) {
            // A whole kept message inside this fragment: a view, no copy.
            const view = bytes.subarray(off, off + length);
            off += length;
            this.type = type;
            this.finish(view);
            continue;
          }
          this.begin(type, length);
          if (length === 0) this.finish(this.keep.has(type) ? new Uint8Array(0) : undefined);
          continue;
        }
        const take = Math.min(HEADER - this.headerHave, n - off);
        this.header.set(bytes.subarray(off, off + take), this.headerHave);
        this.headerHave += take;
        off += take;
        if (this.headerHave < HEADER) return;
        const h = this.header;
        this.begin(h[0]!, (h[1]! << 16) | (h[2]! << 8) | h[3]!);
        if (this.remaining === 0) this.finish(this.keep.has(this.type) ? new Uint8Array(0) : undefined);
        continue;
      }
      const take = Math.min(this.remaining, n - off);
      if (this.body !== undefined) this.body.set(bytes.subarray(off, off + take), this.bodyHave);
      this.bodyHave += take;
      this.remaining -= take;
      off += take;
      if (this.remaining === 0) {
        const body = this.body;
        this.body = undefined;
        this.finish(body);
      }
    }
  }

  private begin(type: number, length: number): void {
    this.type = type;
    this.remaining = length;
    this.inMessage = true;
    this.headerHave = 0;
    this.bodyHave = 0;
    // The length is checked against the cap before the buffer is made.
    this.body = this.keep.has(type) && length <= this.maxBody ? new Uint8Array(length) : undefined;
  }

  private finish(body: Uint8Array | undefined): void {
    this.inMessage = false;
    this.headerHave = 0;
    this.bodyHave = 0;
    this.remaining = 0;
    this.sink(this.type, body);
  }
}
