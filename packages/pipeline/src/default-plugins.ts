import { corePlugin, type NetrxPlugin } from '@netrx/core';
import { tcpPlugin } from '@netrx/dissector-tcp';
import { httpPlugin } from '@netrx/dissector-http';
import { websocketPlugin } from '@netrx/dissector-websocket';
import { createTlsPlugin, type TlsKeyStore } from '@netrx/dissector-tls';
// For the doc links only.
import type { createPipeline } from './composition-root.js';

/**
 * The plugins a pipeline registers unless told otherwise (and the ones `netrx` uses): the base
 * dissectors (link layers, IP, UDP), TCP, HTTP/1.1, WebSocket, and TLS decrypting with `keys`
 * (the pipeline's key store: {@link createPipeline} passes the one registered as
 * `Tokens.KeyStore`). The plaintext of a decrypted connection goes to HTTP and WebSocket as any
 * byte stream does; without a key for a connection, TLS reports it and hands nothing on.
 *
 * @example
 * ```ts
 * import { MemoryKeyStore } from '@netrx/dissector-tls';
 * import { Pipeline, createDefaultPlugins } from '@netrx/pipeline';
 *
 * const keys = new MemoryKeyStore();
 * const pipeline = new Pipeline(createDefaultPlugins(keys), { file: 'wss.pcapng' }, undefined, keys);
 * ```
 */
export function createDefaultPlugins(keys?: TlsKeyStore): NetrxPlugin[] {
  return [corePlugin, tcpPlugin, httpPlugin, websocketPlugin, createTlsPlugin({ keys })];
}

/**
 * {@link createDefaultPlugins} without a key store: TLS connections are found and reported (each
 * `tls.connection` says why it was not decrypted), none is decrypted. Pipelines built by
 * {@link createPipeline} use their own key store instead.
 */
export const defaultPlugins: readonly NetrxPlugin[] = createDefaultPlugins();
