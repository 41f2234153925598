import { definePlugin, type NetrxPlugin } from '@netrx/core';
import type {} from '@netrx/dissector-tcp'; // the tcp.port, tcp and tcp.client typings
import '@netrx/dissector-http';
import type { WebSocketOptions } from './types.js';
import { websocketClientDecider } from './websocket-client-decider.js';
import { createWebSocketFactory } from './websocket-dissector.js';

/**
 * Makes the WebSocket plugin (name `websocket`, after `http` and `tcp`), as Wireshark's
 * `packet-websocket.c` registers: `register` declares the tables payload dissectors plug into,
 * `ws.protocol` (by `Sec-WebSocket-Protocol`) and `ws.port` (by server port), and the `ws`
 * heuristic list; `handoff` adds the `websocket` stream dissector to `http.upgrade` under
 * `websocket` and to the `tcp` heuristics, enabled, so WebSocket is found on any port by its
 * handshake or by its frames, and adds masked frames to `tcp.client` (the client is who masks).
 *
 * @example
 * ```ts
 * const registry = createRegistry([corePlugin, tcpPlugin, httpPlugin, createWebSocketPlugin({ frames: true })]);
 * ```
 */
export function createWebSocketPlugin(options: WebSocketOptions = {}): NetrxPlugin {
  const factory = createWebSocketFactory(options);
  return definePlugin({
    name: 'websocket',
    coreVersion: '^0.1.0',
    dependencies: ['http', 'tcp'],
    register(registry) {
      registry.addTable('ws.protocol');
      registry.addTable('ws.port');
      registry.addHeuristics('ws');
    },
    handoff(registry) {
      registry.table('http.upgrade').add('websocket', factory);
      registry.heuristics('tcp').add(factory, { name: 'websocket', enabled: true });
      registry.heuristics('tcp.client').add(websocketClientDecider, { priority: 10 });
    },
  });
}

/** The WebSocket plugin with default options (messages only, 64 MiB caps). */
export const websocketPlugin: NetrxPlugin = createWebSocketPlugin();
