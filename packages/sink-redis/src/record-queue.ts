import type { RedisStreamRecord } from './types.js';

/**
 * The records a sink holds that Redis has not acknowledged and that are not on the wire: a ring
 * buffer that grows by doubling. Records go in at the back; batches are taken from the front;
 * after a lost connection, the batches that were on the wire go back in at the front, in their
 * order, so they are sent again before anything newer.
 */
export class RecordQueue {
  private ring: (RedisStreamRecord | undefined)[] = new Array<RedisStreamRecord | undefined>(1024);
  private head = 0;
  private size = 0;

  /** Records held. */
  get length(): number {
    return this.size;
  }

  /** Appends a record at the back. */
  push(record: RedisStreamRecord): void {
    if (this.size === this.ring.length) this.grow(this.size + 1);
    this.ring[(this.head + this.size) % this.ring.length] = record;
    this.size++;
  }

  /** Removes and returns the record at the front, or `undefined` when empty. */
  shift(): RedisStreamRecord | undefined {
    if (this.size === 0) return undefined;
    const r = this.ring[this.head];
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.ring.length;
    this.size--;
    return r;
  }

  /** Puts records back at the front, keeping their order (`records[0]` becomes the front). */
  unshiftAll(records: readonly RedisStreamRecord[]): void {
    if (records.length === 0) return;
    if (this.size + records.length > this.ring.length) this.grow(this.size + records.length);
    for (let i = records.length - 1; i >= 0; i--) {
      this.head = (this.head - 1 + this.ring.length) % this.ring.length;
      this.ring[this.head] = records[i];
      this.size++;
    }
  }

  private grow(needed: number): void {
    let cap = this.ring.length * 2;
    while (cap < needed) cap *= 2;
    const next = new Array<RedisStreamRecord | undefined>(cap);
    for (let i = 0; i < this.size; i++) next[i] = this.ring[(this.head + i) % this.ring.length];
    this.ring = next;
    this.head = 0;
  }
}
