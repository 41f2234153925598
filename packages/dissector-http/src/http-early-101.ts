import { concatBytes, copyBytes, type MemoryBudget } from '@netrx/core';
import { httpDiagnostic } from './http-codes.js';
import type { EventBase } from './http-events.js';
import type { ParsedHttpMessage } from './http-message-parser.js';
import { probeStartLine } from './http-start-line.js';
import type { HeldChunk } from './http-upgrade-hold.js';

/** Most client bytes looked at to tell whether they begin a request line. */
const MAX_PROBE = 4096;

/**
 * A `101 Switching Protocols` that came while no request was waiting for an answer: captured
 * before its request (the capture point saw the two directions out of order). It waits, with the
 * server bytes after it, for the client's request; the dissector then pairs them and makes the
 * switch as usual. This class keeps what waits and decides when waiting is hopeless: the client's
 * bytes do not begin a request, are missing, or run past the cap without one.
 */
export class Early101 {
  /** Server bytes after the 101 (copies), and any hole among them. */
  readonly held: HeldChunk[] = [];
  private heldBytes = 0;
  /** Whether a hole is among `held`: bytes after it are counted, not kept. */
  private cut = false;
  /** Client bytes not yet known to begin a request (the parser was between messages), or undefined once they do. */
  private probe: HeldChunk[] | undefined;
  private probeBytes = 0;
  /** Client bytes read by the request parser since, with no request complete yet. */
  private scanned = 0;
  /** Bytes drawn from the memory budget for what is held (server bytes and probed client bytes). */
  private drawn = 0;

  /**
   * `msg` is the 101 and `base` its stamps; `clientIdle` whether the request parser is between
   * messages (only then must the client's next bytes be a request line); `maxHeld` the cap on
   * server bytes held and on client bytes read without a request; `budget` the pipeline's
   * memory budget (`StreamContext.budget`), which what is held draws on: a refused draw gives up
   * waiting. Call {@link Early101.release} when done with it.
   */
  constructor(
    readonly msg: ParsedHttpMessage,
    readonly base: EventBase,
    clientIdle: boolean,
    private readonly maxHeld: number,
    private readonly budget?: MemoryBudget,
  ) {
    this.probe = clientIdle ? [] : undefined;
  }

  /** Server bytes after the 101: held. Returns why to give up when they pass the cap. */
  serverBytes(bytes: Uint8Array, ts: bigint, frame: number): string | undefined {
    if (bytes.length === 0) return undefined;
    if (this.heldBytes + bytes.length > this.maxHeld) return `more than ${this.maxHeld} server bytes came after it before the request (the cap)`;
    if (!this.cut && !this.draw(bytes.length)) return 'the memory budget (--memory) could not hold the server bytes after it';
    this.heldBytes += bytes.length;
    // After a hole the bytes cannot be handed over: count them, keep none.
    this.held.push(this.cut ? { bytes: undefined, gap: bytes.length, ts, frame } : { bytes: copyBytes(bytes), gap: 0, ts, frame });
    return undefined;
  }

  /** `length` server bytes after the 101 were never captured. */
  serverGap(length: number, ts: bigint, frame: number): void {
    this.held.push({ bytes: undefined, gap: length, ts, frame });
    this.cut = true;
  }

  /**
   * Client bytes: what the request parser should read now, oldest first (nothing while it is not
   * yet clear that a request line begins), or why to give up. `bytes` is only read during the call.
   */
  clientBytes(bytes: Uint8Array, ts: bigint, frame: number): readonly HeldChunk[] | string {
    if (!this.probe) return [{ bytes, gap: 0, ts, frame }];
    // Between messages: only a request line may come now; anything else is the new protocol.
    if (!this.draw(bytes.length)) return 'the memory budget (--memory) could not hold the client bytes after it';
    this.probe.push({ bytes: copyBytes(bytes), gap: 0, ts, frame });
    this.probeBytes += bytes.length;
    const seen = concatBytes(this.probe.map((h) => h.bytes!), this.probeBytes);
    const answer = probeStartLine(seen.length > MAX_PROBE ? seen.subarray(0, MAX_PROBE) : seen, 'request');
    if (answer === 'need-more' && this.probeBytes < MAX_PROBE) return [];
    if (answer !== 'match') return 'the client\'s bytes after it do not begin with a request line';
    const chunks = this.probe;
    this.probe = undefined;
    // The probed bytes go to the request parser now: no longer held here.
    this.budget?.release(this.probeBytes);
    this.drawn -= this.probeBytes;
    return chunks;
  }

  /** Gives back to the budget everything drawn (the 101 was paired and handed over, or given up). */
  release(): void {
    if (this.drawn > 0) this.budget?.release(this.drawn);
    this.drawn = 0;
  }

  private draw(bytes: number): boolean {
    if (this.budget === undefined) return true;
    if (!this.budget.take(bytes)) return false;
    this.drawn += bytes;
    return true;
  }

  /** The request parser read `n` more client bytes without completing a request: returns why to give up past the cap. */
  scannedClient(n: number): string | undefined {
    this.scanned += n;
    return this.scanned > this.maxHeld ? `${this.scanned} client bytes after it held no complete request (cap ${this.maxHeld})` : undefined;
  }

  /** The 101 as it is emitted when it will not be paired: with `WARN_HTTP_UPGRADE_UNPAIRED` saying `why`. */
  unpaired(why: string): ParsedHttpMessage {
    const warning = httpDiagnostic(
      'WARN_HTTP_UPGRADE_UNPAIRED',
      `a 101 Switching Protocols came before any request it could answer and ${why}: HTTP dissection stops here and the connection is not handed over`,
      this.msg.streamOffset,
    );
    return { ...this.msg, diagnostics: [...this.msg.diagnostics, warning] };
  }
}
