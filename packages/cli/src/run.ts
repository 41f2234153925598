import { EMPTY, catchError, lastValueFrom, tap, type Observable, type OperatorFunction } from 'rxjs';
import type { CapturedFrame } from '@netrx/core';
import type { LineWriter } from './output.js';

/**
 * Runs a command's pipeline over its frames to the end, calling `each` for every item, then
 * flushes the output. When the source fails part-way (a corrupt capture file), the pipeline still
 * ends as at the end of input — reassembly flushes what it holds, so everything read before the
 * break is shown — and the failure is returned: the command throws it once it has written its
 * summary, for `main()` to report (exit status 1).
 */
export async function runPipeline<T>(
  frames: Observable<CapturedFrame>,
  pipeline: OperatorFunction<CapturedFrame, T>,
  each: (item: T) => void,
  out: LineWriter,
): Promise<unknown> {
  let failure: unknown;
  const source = frames.pipe(
    catchError((err: unknown) => {
      failure = err;
      return EMPTY;
    }),
  );
  try {
    await lastValueFrom(source.pipe(pipeline, tap(each)), { defaultValue: undefined });
  } finally {
    await out.end();
  }
  return failure;
}
