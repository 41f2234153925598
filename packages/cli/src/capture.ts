import type { Readable } from 'node:stream';
import { defer, type Observable } from 'rxjs';
import {
  NetrxError,
  Tokens,
  createPipelineContainer,
  dissect,
  type AppEvent,
  type CapturedFrame,
  type DissectStats,
  type NetrxPlugin,
  type Registry,
} from '@netrx/core';
import { dissectStreams, reassembleTcp, type ReassembleTcpOptions } from '@netrx/dissector-tcp';
import { fromCaptureFile } from '@netrx/source-file';
import { fromLiveCapture, type LiveCaptureOptions } from '@netrx/source-live';
import { defaultPlugins } from './pipeline.js';

/** What {@link capture} reads and how it dissects it. Give `file` or `live`. */
export interface CaptureOptions {
  /** A capture file path (pcap, pcapng, gzipped or not) or a readable stream of one. */
  readonly file?: string | Readable;
  /** Live capture options (`device`, `filter`, `backend`…), as {@link fromLiveCapture} takes. */
  readonly live?: LiveCaptureOptions;
  /** Plugins to register; the default set (core, TCP, HTTP, WebSocket) when omitted. */
  readonly plugins?: readonly NetrxPlugin[];
  /** Extra plugins added to the default set (your own dissectors). */
  readonly extraPlugins?: readonly NetrxPlugin[];
  /** Decode-as rules, as tshark's `-d`: `tcp.port==7272,websocket`. */
  readonly decodeAs?: readonly string[];
  /** TCP reassembly options (timeouts, caps). */
  readonly tcp?: ReassembleTcpOptions;
  /** Filled in with packet counters as the capture is dissected. */
  readonly stats?: DissectStats;
}

/**
 * The default netrx pipeline in one call: a source (file or live) through `dissect()`,
 * `reassembleTcp(registry)` and `dissectStreams()`, with the registry built in a pipeline container of its
 * own from the plugins. Compose the result with the operators (`websocketMessages()`,
 * `httpTransactions()`…). Each subscription reads the source again.
 *
 * @example
 * ```ts
 * import { capture } from '@netrx/cli';
 * import { websocketMessages } from '@netrx/dissector-websocket';
 *
 * capture({ file: 'examples/chat-server/capture/chat.pcap' })
 *   .pipe(websocketMessages())
 *   .subscribe((m) => console.log(m.dir, m.kind, m.text));
 * ```
 */
export function capture(options: CaptureOptions): Observable<AppEvent> {
  const registry = createCaptureRegistry(options);
  return defer(() => captureFrames(options)).pipe(
    dissect(registry, { stats: options.stats }),
    reassembleTcp(registry, options.tcp),
    dissectStreams(registry),
  );
}

/** The registry {@link capture} uses, resolved from a pipeline container of its own. */
export function createCaptureRegistry(options: Pick<CaptureOptions, 'plugins' | 'extraPlugins' | 'decodeAs'>): Registry {
  const plugins = [...(options.plugins ?? defaultPlugins), ...(options.extraPlugins ?? [])];
  const container = createPipelineContainer({ plugins, decodeAs: options.decodeAs });
  return container.resolve<Registry>(Tokens.Registry);
}

function captureFrames(options: CaptureOptions): Observable<CapturedFrame> {
  if (options.file !== undefined && options.live !== undefined) {
    throw new NetrxError('ERR_INVALID_OPTION', 'capture() takes a file or live options, not both');
  }
  if (options.file !== undefined) return fromCaptureFile(options.file);
  if (options.live !== undefined) return fromLiveCapture(options.live);
  throw new NetrxError('ERR_INVALID_OPTION', 'capture() needs a file or live options');
}
