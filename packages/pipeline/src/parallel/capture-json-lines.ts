import type { Observable } from 'rxjs';
import { captureLines, type CaptureLinesOptions, type LineChunk } from './capture-lines.js';
import type { JsonLinesArgs } from './json-lines-job.js';
import { compiledModule } from './worker-entry.js';

/** Options of {@link captureJsonLines}: {@link captureLines}'s, with a built-in job instead of your own. */
export interface CaptureJsonLinesOptions extends Omit<CaptureLinesOptions, 'job'>, JsonLinesArgs {}

/**
 * The JSON lines `netrx <command> --format jsonl` writes — per packet, TCP connection, HTTP
 * message or WebSocket message — from a capture, in worker threads ({@link captureLines}), the
 * same bytes in the same order as one thread writes them. `options` (decode-as rules, stage
 * options) must be plain data: it is copied into each worker.
 *
 * @example
 * ```ts
 * import { captureJsonLines } from '@netrx/pipeline';
 *
 * captureJsonLines({ file: 'big.pcap', lines: 'ws', workers: 2 })
 *   .subscribe((chunk) => process.stdout.write(chunk.bytes));
 * ```
 */
export function captureJsonLines(options: CaptureJsonLinesOptions): Observable<LineChunk> {
  const { lines, options: stageOptions, ...rest } = options;
  return captureLines({ ...rest, job: { module: compiledModule('json-lines-job.js'), export: 'jsonLinesJob', args: { lines, options: stageOptions } } });
}
