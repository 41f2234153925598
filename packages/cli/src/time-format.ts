import type { TimeFormat } from './view-args.js';

const NS_PER_S = 1_000_000_000n;
const NS_PER_DAY = 86_400n * NS_PER_S;
const NS_PER_HOUR = 3_600n * NS_PER_S;

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `HH:MM:SS.nnnnnnnnn` of nanoseconds into a day. */
function timeOfDay(intoDay: bigint): string {
  const day = Number(intoDay);
  const s = Math.floor(day / 1e9);
  return `${pad2(Math.floor(s / 3600))}:${pad2(Math.floor(s / 60) % 60)}:${pad2(s % 60)}.${String(day % 1e9).padStart(9, '0')}`;
}

/** `YYYY-MM-DD` of days since the epoch (proleptic Gregorian, as `Date` counts). */
function date(days: bigint): string {
  const d = new Date(Number(days) * 86_400_000);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

/** `seconds.nanoseconds`, signed. */
function seconds(ns: bigint): string {
  const neg = ns < 0n;
  const a = neg ? -ns : ns;
  return `${neg ? '-' : ''}${a / NS_PER_S}.${String(a % NS_PER_S).padStart(9, '0')}`;
}

/**
 * Writes the times of text output as tshark's `-t` does, with nanoseconds:
 *
 * - `a` (default): local time of day, `15:40:05.359061000`, as tcpdump prints it;
 * - `ad`: local date and time, `2026-11-24 15:40:05.359061000`;
 * - `u`, `ud`: the same in UTC;
 * - `r`: seconds since the first packet of the capture (`0.012345000`);
 * - `d`: seconds since the previous line shown;
 * - `e`: seconds since the epoch (`1795491605.359061000`, as JSON's `ts`).
 *
 * Local time follows the `TZ` environment variable, like tcpdump; the offset is looked up once
 * per hour of capture time, not per line.
 */
export class TimeFormatter {
  private first: bigint | undefined;
  private previous: bigint | undefined;
  private offsetHour = -1n;
  private offset = 0n;

  constructor(readonly kind: TimeFormat) {}

  /** Tells the formatter the first packet's time (for `r`); later calls are ignored. */
  start(ns: bigint): void {
    if (this.first === undefined) this.first = ns;
  }

  /** The time `ns` (nanoseconds since the epoch) as this format writes it. */
  format(ns: bigint): string {
    switch (this.kind) {
      case 'e':
        return seconds(ns);
      case 'r':
        this.start(ns);
        return seconds(ns - this.first!);
      case 'd': {
        const prev = this.previous ?? ns;
        this.previous = ns;
        return seconds(ns - prev);
      }
      case 'u':
        return timeOfDay(mod(ns, NS_PER_DAY));
      case 'ud':
        return `${date(floorDiv(ns, NS_PER_DAY))} ${timeOfDay(mod(ns, NS_PER_DAY))}`;
      case 'ad': {
        const local = ns + this.localOffset(ns);
        return `${date(floorDiv(local, NS_PER_DAY))} ${timeOfDay(mod(local, NS_PER_DAY))}`;
      }
      default:
        return timeOfDay(mod(ns + this.localOffset(ns), NS_PER_DAY));
    }
  }

  /** The local time zone's offset from UTC at `ns`, in nanoseconds (east positive). */
  private localOffset(ns: bigint): bigint {
    const hour = floorDiv(ns, NS_PER_HOUR);
    if (hour !== this.offsetHour) {
      this.offsetHour = hour;
      // getTimezoneOffset is minutes west of UTC.
      this.offset = BigInt(-new Date(Number(ns / 1_000_000n)).getTimezoneOffset()) * 60n * NS_PER_S;
    }
    return this.offset;
  }
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b < 0n ? q - 1n : q;
}

function mod(a: bigint, b: bigint): bigint {
  const r = a % b;
  return r < 0n ? r + b : r;
}
