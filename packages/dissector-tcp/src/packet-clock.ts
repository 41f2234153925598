/** Packet-time clock jumps over this (ns) need a second packet to confirm them: one day. */
const MAX_CLOCK_JUMP = 86_400n * 1_000_000_000n;

/**
 * The reassembler's clock: the capture's time, moved by every packet (timeouts run on it,
 * whatever protocol fills the packet), and when its next sweep of the timeouts is due. One
 * timestamp far ahead of the rest (a corrupt record) must not age every connection out at once:
 * a jump over a day moves the clock only when the next packet confirms it.
 *
 * @internal
 */
export class PacketClock {
  /** The time of the latest packet (ns since the epoch), jumps confirmed. */
  now = 0n;
  /** Its frame number. */
  frame = 0;
  private nextSweep = 0n;
  private jumped = false;
  /** `now` + a day, refreshed at each sweep: a timestamp past it is a suspicious jump. */
  private jumpLimit = 0n;

  /** Moves the clock to a packet's time; true when a sweep of the timeouts is due. */
  move(ts: bigint, frameNumber: number): boolean {
    // BigInt arithmetic allocates: the per-packet path only compares against precomputed limits.
    if (ts > this.now) {
      const jump = ts > this.jumpLimit && this.now !== 0n;
      if (!jump || this.jumped) {
        this.now = ts;
        this.jumped = false;
        if (jump || this.jumpLimit === 0n) this.jumpLimit = ts + MAX_CLOCK_JUMP;
      } else this.jumped = true;
    } else this.jumped = false;
    this.frame = frameNumber;
    return this.now >= this.nextSweep;
  }

  /** A sweep runs now: the next is due `step` later, and jumps are measured from now. */
  swept(step: bigint): void {
    this.nextSweep = this.now + step;
    this.jumpLimit = this.now + MAX_CLOCK_JUMP;
  }
}
