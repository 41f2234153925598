import { definePlugin, type ClientDecider, type StreamDissectorFactory } from '@netrx/core';
import { tcpDissector } from './tcp.js';

declare module '@netrx/core' {
  interface DissectorTables {
    /** TCP port → stream dissector (the server's port first, then the client's). */
    'tcp.port': StreamDissectorFactory;
  }
  interface HeuristicLists {
    /** TCP stream heuristics: factories with a `probe`, asked in priority order. */
    tcp: StreamDissectorFactory;
    /** Who is the client of a connection seen without its SYN, asked in priority order. */
    'tcp.client': ClientDecider;
  }
}

/**
 * The TCP plugin: declares the `tcp.port` table and the `tcp` heuristic list that stream
 * dissectors attach to, the `tcp.client` list through which they say who the client of a
 * connection without a SYN is, and adds the TCP header dissector to `ip.proto` 6.
 *
 * @example
 * ```ts
 * import { corePlugin, createRegistry } from '@netrx/core';
 * import { tcpPlugin } from '@netrx/dissector-tcp';
 *
 * const registry = createRegistry([corePlugin, tcpPlugin]);
 * registry.table('tcp.port').add(7272, myStreamDissectorFactory);
 * ```
 */
export const tcpPlugin = definePlugin({
  name: 'tcp',
  coreVersion: '^0.1.0',
  dependencies: ['core'],
  register(registry) {
    registry.addTable('tcp.port');
    registry.addHeuristics('tcp');
    registry.addHeuristics('tcp.client');
  },
  handoff(registry) {
    registry.table('ip.proto').add(6, tcpDissector);
  },
});
