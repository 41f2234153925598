import { definePlugin, type StreamDissectorFactory } from '@netrx/core';
import type {} from '@netrx/dissector-tcp'; // the tcp.port, tcp and tcp.client typings
import { httpDissector } from './http-dissector.js';
import { httpClientDecider } from './http-start-line.js';

/**
 * The HTTP/1.x plugin: declares the `http.upgrade` table (upgrade token → the dissector a
 * connection switches to after a `101`), and attaches the `'http'` dissector to TCP ports 80 and
 * 8080 and to the `tcp` heuristic list (a request or status line at the start of a stream), and
 * says who the client is on connections seen without a SYN (`tcp.client`: who sent the request).
 *
 * @example
 * ```ts
 * import { corePlugin, createRegistry } from '@netrx/core';
 * import { tcpPlugin } from '@netrx/dissector-tcp';
 * const registry = createRegistry([corePlugin, tcpPlugin, httpPlugin]);
 * registry.table('http.upgrade'); // ready for a WebSocket plugin to add 'websocket'
 * ```
 */
export const httpPlugin = definePlugin({
  name: 'http',
  coreVersion: '^0.1.0',
  dependencies: ['tcp'],
  register(registry) {
    registry.addTable('http.upgrade');
  },
  handoff(registry) {
    registry.table('tcp.port').add(80, httpDissector).add(8080, httpDissector);
    registry.heuristics('tcp').add(httpDissector, { name: 'http' });
    // Asked before WebSocket's masking check: a request line is the surer sign.
    registry.heuristics('tcp.client').add(httpClientDecider, { priority: 20 });
    // Inside TLS, ALPN names HTTP/1.x (RFC 7301 §6): when a TLS plugin declared its table.
    if (registry.hasTable('tls.alpn')) registry.table<StreamDissectorFactory>('tls.alpn').add('http/1.1', httpDissector).add('http/1.0', httpDissector);
  },
});
