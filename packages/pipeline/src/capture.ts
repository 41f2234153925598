import type { Observable } from 'rxjs';
import type { AppEvent } from '@netrx/core';
import { createPipeline } from './composition-root.js';
import type { PipelineOptions } from './pipeline-options.js';

/**
 * The default netrx pipeline in one call: a source (file or live) through `dissect()`,
 * `reassembleTcp()` and `dissectStreams()`, with the registry built in a pipeline container of its
 * own ({@link createPipeline}). Compose the result with the operators (`websocketMessages()`,
 * `httpTransactions()`…). Each subscription reads the source again.
 *
 * @example
 * ```ts
 * import { capture } from '@netrx/pipeline';
 * import { websocketMessages } from '@netrx/dissector-websocket';
 *
 * capture({ file: 'examples/chat-server/capture/chat.pcap' })
 *   .pipe(websocketMessages())
 *   .subscribe((m) => console.log(m.dir, m.kind, m.text));
 * ```
 */
export function capture(options: PipelineOptions): Observable<AppEvent> {
  return createPipeline(options).capture();
}
