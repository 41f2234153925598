import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Observable, Subscription } from 'rxjs';
import { InspectorHandler } from './inspector-handler.js';
import { InspectorStore, type InspectorInput, type InspectorStoreOptions, type SourceStatus } from './inspector-store.js';
import { loadPageFiles } from './static-files.js';
import { createToken } from './token.js';

/** Options of {@link serveInspector}. */
export interface ServeInspectorOptions extends InspectorStoreOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  readonly port?: number;
  /**
   * Address to listen on. Default `127.0.0.1`: only this machine. Anything else exposes the
   * capture (and its secrets) to whoever can reach the address and has the URL.
   */
  readonly host?: string;
  /** The access token; a new random one by default. */
  readonly token?: string;
  /** Shown as the page's title: the capture file, or the device and filter. */
  readonly title?: string;
}

/** A running inspector. */
export interface Inspector {
  /** The page's URL, with the token: `http://127.0.0.1:PORT/TOKEN/`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly token: string;
  /** The state the page shows (messages, connections, source status). */
  readonly store: InspectorStore;
  /** Settles when the source completes or fails (never rejects; the status says which). */
  readonly sourceDone: Promise<SourceStatus>;
  /** Pages connected now. */
  readonly pages: number;
  /** Stops reading the source, ends every page's event stream and closes the server. */
  close(): Promise<void>;
}

/**
 * Serves the inspector page for a pipeline's events: subscribes to `events$` at once and keeps
 * what it emits (a bounded ring of messages, the connection list), and serves the page and its
 * live feed on `host:port` below an unguessable token. A sink: the capture runs at its own pace
 * whatever the pages do. When `events$` completes the page says so and keeps showing what was
 * captured until {@link Inspector.close}.
 *
 * @example
 * ```ts
 * import { corePlugin, createRegistry, dissect } from '@netrx/core';
 * import { dissectStreams, reassembleTcp, tcpPlugin } from '@netrx/dissector-tcp';
 * import { httpPlugin } from '@netrx/dissector-http';
 * import { websocketPlugin } from '@netrx/dissector-websocket';
 * import { fromCaptureFile } from '@netrx/source-file';
 * import { keepConnectionEvents, serveInspector, yieldToEventLoop } from '@netrx/inspector';
 *
 * const registry = createRegistry([corePlugin, tcpPlugin, httpPlugin, websocketPlugin]);
 * const events$ = fromCaptureFile('chat.pcap', { beforeNextChunk: yieldToEventLoop }).pipe(dissect(registry), reassembleTcp(registry), keepConnectionEvents(dissectStreams(registry)));
 * const inspector = await serveInspector(events$, { title: 'chat.pcap' });
 * console.log(inspector.url); // http://127.0.0.1:38411/3q2-…/
 * ```
 */
export async function serveInspector(events$: Observable<InspectorInput>, options: ServeInspectorOptions = {}): Promise<Inspector> {
  const store = new InspectorStore(options);
  const token = options.token ?? createToken();
  const handler = new InspectorHandler(store, loadPageFiles(), { token, title: options.title });
  const server = createServer((req, res) => handler.handle(req, res));
  const host = options.host ?? '127.0.0.1';
  await listen(server, options.port ?? 0, host);
  const port = (server.address() as AddressInfo).port;
  let settle!: (s: SourceStatus) => void;
  const sourceDone = new Promise<SourceStatus>((r) => (settle = r));
  let subscription: Subscription | undefined;
  subscription = events$.subscribe({
    next: (e) => store.add(e),
    error: (err: unknown) => {
      store.end(err);
      settle(store.source);
    },
    complete: () => {
      store.end();
      settle(store.source);
    },
  });
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost(host)}:${port}/${token}/`,
    host,
    port,
    token,
    store,
    sourceDone,
    get pages() {
      return handler.clientCount;
    },
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        subscription?.unsubscribe();
        subscription = undefined;
        handler.close();
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** How a listening address is written in a URL the user can open. */
function urlHost(host: string): string {
  // A wildcard address is not one a browser can open: point at this machine.
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
