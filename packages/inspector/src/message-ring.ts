/** Limits of the inspector's message ring (how many messages and characters it keeps). */
export interface MessageRingLimits {
  /** Most messages kept; the oldest are evicted past it. */
  readonly maxMessages: number;
  /** Most characters (of lines and previews) and bytes (of held payloads) kept; the oldest are evicted past it. */
  readonly maxChars: number;
}

/**
 * The inspector's bounded memory of messages, numbered from 0 in arrival order (`seq`). Each
 * message has what the page is sent (`shipped`: its JSON line, or for a long message a capped
 * preview of it) and, for a long message, what its whole line is made from when asked (`held`,
 * turned into the line by `toLine`), so long lines are never built for nothing. When a cap is
 * reached the oldest messages are evicted and counted, never silently lost; the newest is always
 * kept, even when it alone is over `maxChars`.
 */
export class MessageRing<T = unknown> {
  /** `seq` of the oldest message kept; equals the number evicted so far. */
  first = 0;
  /** `seq` the next message gets; the number of messages ever added. */
  next = 0;
  /** Characters and held bytes counted against `maxChars`. */
  chars = 0;
  // Parallel arrays from `offset` on: plain arrays cost less than an object per message.
  private shippedAt: string[] = [];
  private conns: number[] = [];
  private costs: number[] = [];
  private offset = 0;
  private readonly held = new Map<number, T>();

  constructor(
    readonly limits: MessageRingLimits,
    private readonly toLine: (held: T) => string = String,
  ) {
    if (!(limits.maxMessages >= 1) || !(limits.maxChars >= 1)) throw new RangeError('MessageRing limits must be at least 1');
  }

  /** Messages kept. */
  get size(): number {
    return this.next - this.first;
  }

  /**
   * Adds a message and returns its `seq`; evicts the oldest when over a cap. `shipped` is its line
   * when `held` is undefined, else the preview of the line `toLine(held)` makes; `cost` is what the
   * held value weighs (in characters or bytes).
   */
  push(shipped: string, connection: number, held?: T, cost = 0): number {
    const seq = this.next++;
    const total = shipped.length + cost;
    this.shippedAt.push(shipped);
    this.conns.push(connection);
    this.costs.push(total);
    this.chars += total;
    if (held !== undefined) this.held.set(seq, held);
    while (this.size > 1 && (this.size > this.limits.maxMessages || this.chars > this.limits.maxChars)) this.evictOldest();
    return seq;
  }

  /** The message's whole JSON line, or undefined when it was evicted (or never existed). */
  line(seq: number): string | undefined {
    if (seq < this.first || seq >= this.next) return undefined;
    const held = this.held.get(seq);
    return held === undefined ? this.shippedAt[this.offset + seq - this.first] : this.toLine(held);
  }

  /** What the page is sent for the message: its line, or its capped preview. */
  shipped(seq: number): string | undefined {
    return seq >= this.first && seq < this.next ? this.shippedAt[this.offset + seq - this.first] : undefined;
  }

  /** Whether the message's line is only previewed to the page. */
  isCapped(seq: number): boolean {
    return this.held.has(seq);
  }

  /** The value a long message's line is made from, or undefined. */
  heldValue(seq: number): T | undefined {
    return this.held.get(seq);
  }

  /** The connection (`stream`) of a kept message, or -1. */
  connection(seq: number): number {
    return seq >= this.first && seq < this.next ? this.conns[this.offset + seq - this.first]! : -1;
  }

  private evictOldest(): void {
    const i = this.offset;
    this.chars -= this.costs[i]!;
    this.held.delete(this.first);
    this.shippedAt[i] = '';
    this.offset++;
    this.first++;
    // Drop the evicted slots now and then: amortised O(1) per message.
    if (this.offset >= 4096 && this.offset * 2 >= this.shippedAt.length) {
      this.shippedAt = this.shippedAt.slice(this.offset);
      this.conns = this.conns.slice(this.offset);
      this.costs = this.costs.slice(this.offset);
      this.offset = 0;
    }
  }
}
