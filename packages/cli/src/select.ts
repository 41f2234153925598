import { filter, take, type MonoTypeOperatorFunction } from 'rxjs';
import { compileDisplayFilter, type DisplayFilter } from '@netrx/pipeline';
import type { CliArgs } from './args.js';

/** How a command's items are chosen by `--stream`, `-Y` and `--max-messages`. */
export interface Selectable<T> {
  /** The item's JSON record (the object of its `--format jsonl` line), for `-Y`; without it `-Y` is refused. */
  readonly jsonRecord?: (item: T) => object;
  /** Top-level field names of those records, for `-Y`'s check of field names. */
  readonly fields?: readonly string[];
  /** The item's connection (`#N`), for `--stream`; without it `--stream` is refused. */
  readonly streamOf?: (item: T) => number | undefined;
  /** Whether `--max-messages` counts these items. */
  readonly messages?: boolean;
  /** Whether an item is one of those the summary counts (`netrx ws`: a message, not a warning); all when omitted. */
  readonly counted?: (item: T) => boolean;
}

/** How many items the selection saw and let through. */
export interface SelectionCounts {
  /** Whether `--stream` or `-Y` chose items (else nothing is counted: every item is shown). */
  selecting: boolean;
  /** Items the command made, before `--stream` and `-Y`. */
  seen: number;
  /** Items `--stream` or `-Y` left out. */
  hidden: number;
}

/**
 * The items a command shows: those of connection `--stream N` (or `-z follow,…,N`) whose record
 * `-Y` accepts, ending after `--max-messages` of them. The display filter is compiled here, so a
 * bad one fails (`DisplayFilterError`) before anything is read. Identity when nothing is asked.
 */
export function selectItems<T>(
  args: Pick<CliArgs, 'command' | 'displayFilter' | 'stream' | 'follow' | 'maxMessages'>,
  how: Selectable<T>,
  counts: SelectionCounts,
): MonoTypeOperatorFunction<T> {
  const stream = args.stream ?? args.follow?.stream;
  const { jsonRecord, streamOf } = how;
  let shown: DisplayFilter | undefined;
  if (args.displayFilter !== undefined) {
    if (jsonRecord === undefined) throw new Error(`netrx ${args.command} has no records for -Y`);
    shown = compileDisplayFilter(args.displayFilter, { fields: how.fields });
  }
  if (stream !== undefined && streamOf === undefined) throw new Error(`netrx ${args.command} has no connections for --stream`);
  const keep = (item: T): boolean => {
    if (how.counted === undefined || how.counted(item)) counts.seen++;
    const ok = (stream === undefined || streamOf!(item) === stream) && (shown === undefined || shown(jsonRecord!(item)));
    if (!ok) counts.hidden++;
    return ok;
  };
  const max = how.messages ? args.maxMessages : undefined;
  const selecting = stream !== undefined || shown !== undefined;
  counts.selecting = selecting;
  return (items) => {
    const out = selecting ? items.pipe(filter(keep)) : items;
    return max === undefined ? out : out.pipe(take(max));
  };
}
