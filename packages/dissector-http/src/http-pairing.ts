import type { HttpRequest } from './types.js';

/**
 * Whether a status is interim: a 1xx other than 101 leaves its request waiting for the final
 * response (RFC 9110 §15.2); a 101 is final, the last HTTP on the connection.
 */
export function isInterim(status: number): boolean {
  return status >= 100 && status < 200 && status !== 101;
}

/**
 * The requests of one connection still waiting for their final responses, oldest first. HTTP/1.1
 * answers requests in the order they were sent, pipelined or not (RFC 9112 §9.3.2), so a response
 * answers the oldest request still waiting. Bounded: a capture of one direction only would
 * otherwise keep every request.
 */
export class PendingRequests {
  private readonly queue: HttpRequest[] = [];

  /** `max`: most requests kept; past it the oldest is forgotten (its response will come unpaired). */
  constructor(private readonly max: number) {}

  /** How many requests wait. */
  get size(): number {
    return this.queue.length;
  }

  /** The request the next response answers, if it was seen. */
  get next(): HttpRequest | undefined {
    return this.queue[0];
  }

  /** A request was sent: it waits behind the others. */
  add(request: HttpRequest): void {
    if (this.queue.length >= this.max) this.queue.shift();
    this.queue.push(request);
  }

  /**
   * The request a response with `status` answers, or undefined when none was seen. A final
   * response takes it off the queue; an interim one leaves it waiting.
   */
  answer(status: number): HttpRequest | undefined {
    return isInterim(status) ? this.queue[0] : this.queue.shift();
  }

  /** Responses were lost with the framing (a gap): which request the next one answers is unknown. */
  clear(): void {
    this.queue.length = 0;
  }
}
