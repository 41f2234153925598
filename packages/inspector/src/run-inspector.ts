import type { Writable } from 'node:stream';
import type { Observable } from 'rxjs';
import type { InspectorInput } from './inspector-store.js';
import { openBrowser } from './open-browser.js';
import { serveInspector, type Inspector, type ServeInspectorOptions } from './serve-inspector.js';

/** What `netrx ui` hands {@link runInspector}. */
export interface RunInspectorOptions extends ServeInspectorOptions {
  /** The pipeline's events (a capture file or a live capture, dissected). */
  readonly events$: Observable<InspectorInput>;
  /** Launch a browser on the page: `true` finds one (`$BROWSER`, then common names on the PATH), a string is the command. */
  readonly open?: boolean | string;
  /** Gets the URL, alone on a line (for scripts). */
  readonly stdout: Writable;
  /** Gets what people read: where the page is, the capture's end or failure, warnings. */
  readonly stderr: Writable;
  /** Aborting it stops the capture and the server; by default the first SIGINT or SIGTERM does. */
  readonly signal?: AbortSignal;
  /** Called once the page is served. */
  readonly onReady?: (inspector: Inspector) => void;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/**
 * `netrx ui`'s logic: serves the inspector for `events$`, prints the URL (with its token) on
 * stdout, opens a browser when asked, says on stderr when the capture ends or fails, and serves
 * until `signal` aborts. Resolves with the exit status: 0, or 1 when the source failed (the
 * page still showed everything before the failure).
 *
 * @example
 * ```ts
 * const stop = new AbortController();
 * process.once('SIGINT', () => stop.abort());
 * const status = await runInspector({ events$, port: 0, open: true, stdout: process.stdout, stderr: process.stderr, signal: stop.signal });
 * process.exitCode = status;
 * ```
 */
export async function runInspector(options: RunInspectorOptions): Promise<number> {
  const { events$, open, stdout, stderr, signal: given, onReady, ...serve } = options;
  const signal = given ?? signalFromProcess();
  const inspector = await serveInspector(events$, serve);
  stdout.write(`${inspector.url}\n`);
  stderr.write(`netrx ui: serving the inspector at ${inspector.url} — Ctrl-C to stop\n`);
  if (!LOOPBACK.test(inspector.host)) {
    stderr.write(
      `netrx ui: warning: listening on ${inspector.host}: anyone who can reach it and has the URL sees the capture, secrets included\n`,
    );
  }
  if (open !== undefined && open !== false) {
    const used = openBrowser(inspector.url, typeof open === 'string' ? open : undefined);
    if (used === undefined) stderr.write('netrx ui: no browser found (set $BROWSER): open the URL yourself\n');
  }
  onReady?.(inspector);
  let failed = false;
  void inspector.sourceDone.then((s) => {
    const st = inspector.store;
    const counts = `${plural(st.ring.next, 'message')} on ${plural(st.connections.size, 'connection')}${st.ring.first > 0 ? ` (${st.ring.first} evicted)` : ''}`;
    if (s.state === 'error') {
      failed = true;
      stderr.write(`netrx ui: the capture failed after ${counts}: ${s.error}\nnetrx ui: the page still shows what was captured — Ctrl-C to stop\n`);
    } else stderr.write(`netrx ui: capture ended: ${counts}; the page stays up — Ctrl-C to stop\n`);
  });
  if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  await inspector.close();
  return failed ? 1 : 0;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function signalFromProcess(): AbortSignal {
  const stop = new AbortController();
  const onSignal = (): void => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return stop.signal;
}
