/**
 * A source of "now" in nanoseconds since the epoch. Sources that get no timestamps from the
 * capture take it as an option; a pipeline's is swappable (tests fix time) through
 * `@netrx/pipeline`'s container.
 */
export interface Clock {
  /** Nanoseconds since the Unix epoch. */
  now(): bigint;
}

const anchorWall = BigInt(Date.now()) * 1_000_000n;
const anchorMono = process.hrtime.bigint();

/**
 * Wall-clock time that never goes backwards: a monotonic clock anchored once to wall time. Live
 * sources that get no kernel timestamps (the `cap` backend) stamp packets with it on arrival.
 */
export const monotonicClock: Clock = {
  now: () => anchorWall + (process.hrtime.bigint() - anchorMono),
};
