import { definePlugin, type NetrxPlugin, type StreamDissectorFactory } from '@netrx/core';
import type {} from '@netrx/dissector-tcp'; // the tcp.port, tcp and tcp.client typings
import { createTlsDissectorFactory, type TlsDissectorOptions } from './tls-dissector-factory.js';
import { tlsClientDecider } from './tls-probe.js';

declare module '@netrx/core' {
  interface DissectorTables {
    /** ALPN protocol id (`http/1.1`) → the stream dissector of the decrypted bytes. */
    'tls.alpn': StreamDissectorFactory;
  }
}

/** Options of {@link createTlsPlugin}: those of the dissector, and its ports. */
export interface TlsPluginOptions extends TlsDissectorOptions {
  /** TCP server ports the dissector is attached to (default 443 and 8443). */
  readonly ports?: readonly number[];
}

/**
 * Makes the TLS plugin (name `tls`, after `tcp`): `register` declares the `tls.alpn` table (ALPN
 * protocol id → the dissector of the plaintext, filled by the plugins of those protocols: HTTP
 * adds `http/1.1` and `http/1.0`); `handoff` attaches the `tls` stream dissector to TCP ports
 * 443 and 8443 and to the `tcp` heuristics (a ClientHello or ServerHello at the start of a stream,
 * so TLS, and wss inside it, is found on any port), and says who the client is on connections
 * seen without a SYN (`tcp.client`: who sent the ClientHello).
 *
 * @example
 * ```ts
 * import { corePlugin, createRegistry } from '@netrx/core';
 * import { tcpPlugin } from '@netrx/dissector-tcp';
 * import { httpPlugin } from '@netrx/dissector-http';
 * const keys = new MemoryKeyStore();
 * new KeyLogFile('keys.log', keys);
 * const registry = createRegistry([corePlugin, tcpPlugin, httpPlugin, createTlsPlugin({ keys })]);
 * ```
 */
export function createTlsPlugin(options: TlsPluginOptions = {}): NetrxPlugin {
  const factory = createTlsDissectorFactory(options);
  return definePlugin({
    name: 'tls',
    coreVersion: '^0.1.0',
    dependencies: ['tcp'],
    register(registry) {
      registry.addTable('tls.alpn');
    },
    handoff(registry) {
      const ports = registry.table('tcp.port');
      for (const p of options.ports ?? [443, 8443]) ports.add(p, factory);
      // Before HTTP and WebSocket: a ClientHello is unmistakable, and ciphertext must not be
      // taken for frames.
      registry.heuristics('tcp').add(factory, { name: 'tls', priority: 10 });
      registry.heuristics('tcp.client').add(tlsClientDecider, { priority: 30 });
    },
  });
}
