// Shared pieces of the inspector's tests: the chat capture's pipeline built from the packages,
// synthetic events, and a headless Chromium (Debian's, never a downloaded one).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Observable } from 'rxjs';
import { corePlugin, createRegistry, dissect, type Connection, type Direction } from '@netrx/core';
import { dissectStreams, reassembleTcp, tcpPlugin } from '@netrx/dissector-tcp';
import { httpPlugin, type HttpRequest, type HttpResponse } from '@netrx/dissector-http';
import { websocketPlugin, type WebSocketMessage, type WebSocketMessageKind } from '@netrx/dissector-websocket';
import { fromCaptureFile } from '@netrx/source-file';
import { createPipeline } from '@netrx/pipeline';
import { keepConnectionEvents, yieldToEventLoop, type InspectorInput } from '@netrx/inspector';

/** The bundled chat capture: two connections, 32 messages. */
export const CHAT = fileURLToPath(new URL('../../../../examples/chat-server/capture/chat.pcap', import.meta.url));

/** The library pipeline on a capture file, with connection open/close kept. */
export function fileEvents(file: string): Observable<InspectorInput> {
  const registry = createRegistry([corePlugin, tcpPlugin, httpPlugin, websocketPlugin]);
  return fromCaptureFile(file, { beforeNextChunk: yieldToEventLoop }).pipe(dissect(registry), reassembleTcp(registry), keepConnectionEvents(dissectStreams(registry)));
}

/** A TLS 1.3 capture of a wss:// connection (permessage-deflate) from dissector-tls's fixtures. */
export const TLS13 = fileURLToPath(new URL('../../../dissector-tls/src/__tests__/fixtures/tls13-aes128gcm-deflate.pcap', import.meta.url));
/** The key log of {@link TLS13}: its connection decrypts with it. */
export const TLS13_KEYS = TLS13.replace(/\.pcap$/, '.keys');

/** What `netrx ui -r FILE --keylog KEYS` feeds the inspector: the default pipeline, keys given. */
export function pipelineEvents(file: string, keylog?: string): Observable<InspectorInput> {
  const pipeline = createPipeline({ keylog });
  return fromCaptureFile(file, { beforeNextChunk: yieldToEventLoop }).pipe(pipeline.streams(), keepConnectionEvents(pipeline.appEvents()));
}

/** `netrx ws -r FILE --format jsonl …`, run in-process: its output lines. */
export async function netrxWsJsonl(file: string, ...more: string[]): Promise<string[]> {
  const { main } = await import('@netrx/cli');
  const { Writable } = await import('node:stream');
  let out = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        append(chunk.toString());
        cb();
      },
    });
  const status = await main(['ws', '-r', file, '--format', 'jsonl', ...more], { stdout: sink((s) => (out += s)), stderr: sink(() => undefined) });
  if (status !== 0) throw new Error(`netrx ws exited ${status}`);
  return out.split('\n').filter((l) => l !== '');
}

/** A TCP connection between 10.0.0.1:`port` and 10.0.0.2:7272. */
export function connection(id: number, port = 50000 + id): Connection {
  return { id, family: 4, client: { address: '10.0.0.1', port }, server: { address: '10.0.0.2', port: 7272 }, clientBy: 'syn' };
}

let clock = 1_700_000_000_000_000_000n;

/** A decoded WebSocket message, as the dissector would emit it. */
export function wsMessage(
  c: Connection,
  dir: Direction,
  kind: WebSocketMessageKind,
  payload: string | Uint8Array,
  more: Partial<WebSocketMessage> = {},
): WebSocketMessage {
  clock += 1_000_000n;
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return {
    type: 'ws.message',
    connection: c,
    dir,
    firstTs: clock,
    lastTs: clock,
    firstFrame: 1,
    lastFrame: 1,
    kind,
    payload: bytes,
    ...(kind === 'text' ? { text: Buffer.from(bytes).toString() } : {}),
    compressed: false,
    frames: 1,
    warnings: [],
    ...more,
  };
}

/** An HTTP request (an upgrade request unless `headers` say otherwise). */
export function httpRequest(c: Connection, target: string, headers: [string, string][] = [['Host', 'example.test'], ['Upgrade', 'websocket'], ['Connection', 'Upgrade']]): HttpRequest {
  clock += 1_000_000n;
  return {
    type: 'http.request',
    connection: c,
    dir: 'c2s',
    firstTs: clock,
    lastTs: clock,
    firstFrame: 1,
    lastFrame: 1,
    version: 'HTTP/1.1',
    headers: headers.map(([name, value]) => ({ name, value })),
    rawHead: new Uint8Array(0),
    body: new Uint8Array(0),
    trailers: [],
    streamOffset: 0,
    method: 'GET',
    target,
  };
}

/** An HTTP response to `request`. */
export function httpResponse(request: HttpRequest, status: number, reason: string, headers: [string, string][]): HttpResponse {
  clock += 1_000_000n;
  return {
    type: 'http.response',
    connection: request.connection,
    dir: 's2c',
    firstTs: clock,
    lastTs: clock,
    firstFrame: 2,
    lastFrame: 2,
    version: 'HTTP/1.1',
    headers: headers.map(([name, value]) => ({ name, value })),
    rawHead: new Uint8Array(0),
    body: new Uint8Array(0),
    trailers: [],
    streamOffset: 0,
    status,
    reason,
    request,
  };
}

/** Debian's Chromium (or `$NETRX_CHROMIUM`), or undefined. */
export function chromiumPath(): string | undefined {
  for (const p of [process.env['NETRX_CHROMIUM'], '/usr/bin/chromium', '/usr/bin/chromium-browser']) if (p && existsSync(p)) return p;
  return undefined;
}

/** Launches headless Chromium through playwright-core (no browser download). */
export async function launchBrowser(executablePath: string) {
  const { chromium } = await import('playwright-core');
  // As root, Chromium's sandbox cannot start: tests run it without. A container's small /dev/shm
  // would crash its renderer: it uses /tmp instead.
  return chromium.launch({ executablePath, args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--disable-dev-shm-usage'] });
}

/** Polls `check` until it returns true (10 s at most). */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
