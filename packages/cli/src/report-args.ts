import { NetrxError } from '@netrx/core';
import { parseByteSize } from '@netrx/pipeline';

/** What a run holds at most, and what it says about what it dropped: options of every command that dissects. */
export interface ReportArgs {
  /** `--memory SIZE`: the pipeline's memory budget in bytes (`256MiB`, `1GiB`, plain bytes); `DEFAULT_MEMORY_BUDGET` when not given. */
  readonly memory?: number;
  /** `--warnings`: findings that belong to no message written as records of their own (`{"type":"warning",…}` in JSON lines). */
  readonly warnings: boolean;
  /** `--summary`: with `--format jsonl`, a last `{"type":"summary",…}` line of what was dropped. */
  readonly summary: boolean;
}

/** Options of {@link ReportArgs} that take a value. */
export const REPORT_VALUE_OPTIONS: readonly string[] = ['--memory'];

/** Options of {@link ReportArgs} without a value. */
export const REPORT_FLAGS: readonly string[] = ['--warnings', '--summary'];

/** Reads the {@link ReportArgs} out of the parsed options; throws `ERR_INVALID_OPTION` for a bad `--memory`. */
export function parseReportArgs(values: ReadonlyMap<string, readonly string[]>, flags: ReadonlySet<string>, format: string): ReportArgs {
  const memory = values.get('--memory')?.at(-1);
  const summary = flags.has('--summary');
  if (summary && format !== 'jsonl') throw new NetrxError('ERR_INVALID_OPTION', '--summary adds a last JSON line to --format jsonl: give --format jsonl too (text output says what was dropped on stderr)');
  return {
    memory: memory === undefined ? undefined : parseByteSize(memory, '--memory'),
    warnings: flags.has('--warnings'),
    summary,
  };
}
