/** Limits of a {@link MessageRing}. */
export interface MessageRingLimits {
  /** Most messages kept; the oldest are evicted past it. */
  readonly maxMessages: number;
  /** Most characters of JSON lines (and their previews) kept; the oldest are evicted past it. */
  readonly maxChars: number;
}

/**
 * The inspector's bounded memory of messages: each message's JSON line (the `netrx ws --format
 * jsonl` contract, so an export is those lines verbatim), its connection, and for a message too
 * big to ship whole to the page a capped preview line. Messages are numbered from 0 in arrival
 * order (`seq`); when a cap is reached the oldest are evicted and counted, never silently lost.
 * The newest message is always kept, even when it alone is over `maxChars`.
 */
export class MessageRing {
  /** `seq` of the oldest message kept; equals the number evicted so far. */
  first = 0;
  /** `seq` the next message gets; the number of messages ever added. */
  next = 0;
  /** Characters held (lines and previews). */
  chars = 0;
  // Parallel arrays from `offset` on: a plain array of strings and a packed array of small
  // integers cost less than an object per message.
  private lines: string[] = [];
  private conns: number[] = [];
  private offset = 0;
  private readonly previews = new Map<number, string>();

  constructor(readonly limits: MessageRingLimits) {
    if (!(limits.maxMessages >= 1) || !(limits.maxChars >= 1)) throw new RangeError('MessageRing limits must be at least 1');
  }

  /** Messages kept. */
  get size(): number {
    return this.next - this.first;
  }

  /** Adds a message and returns its `seq`; evicts the oldest when over a cap. */
  push(line: string, connection: number, preview?: string): number {
    const seq = this.next++;
    this.lines.push(line);
    this.conns.push(connection);
    this.chars += line.length;
    if (preview !== undefined) {
      this.previews.set(seq, preview);
      this.chars += preview.length;
    }
    while (this.size > 1 && (this.size > this.limits.maxMessages || this.chars > this.limits.maxChars)) this.evictOldest();
    return seq;
  }

  /** The message's JSON line, or undefined when it was evicted (or never existed). */
  line(seq: number): string | undefined {
    return seq >= this.first && seq < this.next ? this.lines[this.offset + seq - this.first] : undefined;
  }

  /** What the page is sent for the message: its capped preview line when it has one, else its line. */
  shipped(seq: number): string | undefined {
    return this.previews.get(seq) ?? this.line(seq);
  }

  /** The connection (`stream`) of a kept message, or -1. */
  connection(seq: number): number {
    return seq >= this.first && seq < this.next ? this.conns[this.offset + seq - this.first]! : -1;
  }

  private evictOldest(): void {
    const i = this.offset;
    this.chars -= this.lines[i]!.length;
    const preview = this.previews.get(this.first);
    if (preview !== undefined) {
      this.chars -= preview.length;
      this.previews.delete(this.first);
    }
    this.lines[i] = '';
    this.offset++;
    this.first++;
    // Drop the evicted slots now and then: amortised O(1) per message.
    if (this.offset >= 4096 && this.offset * 2 >= this.lines.length) {
      this.lines = this.lines.slice(this.offset);
      this.conns = this.conns.slice(this.offset);
      this.offset = 0;
    }
  }
}
