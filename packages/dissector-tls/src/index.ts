/**
 * `@netrx/dissector-tls`: TLS on reassembled TCP streams — the record layer and the handshake,
 * secrets from NSS key logs (files re-read as they grow, pcapng Decryption Secrets Blocks, or an
 * application's own store), TLS 1.3 and TLS 1.2 AEAD decryption, and the plaintext handed to the
 * next dissector by ALPN, port or heuristics.
 *
 * @packageDocumentation
 * @module @netrx/dissector-tls
 */
export { createTlsPlugin } from './tls-plugin.js';
export type { TlsPluginOptions } from './tls-plugin.js';
export { createTlsDissectorFactory } from './tls-dissector-factory.js';
export type { TlsDissectorOptions } from './tls-dissector-factory.js';
export { MemoryKeyStore } from './key-store.js';
export type { TlsKeySource, TlsKeyStore, TlsSessionSecrets } from './key-store.js';
export { KeyLogFile } from './keylog-file.js';
export { KEY_LOG_LABELS } from './keylog.js';
export type { KeyLogCounts, KeyLogEntry, KeyLogLabel } from './keylog.js';
export { tlsInfo } from './types.js';
export type { InnerDispatch, TlsConnection, TlsConnectionEvent, TlsDirectionStats, TlsInfo } from './types.js';
export { tlsConnectionJson } from './tls-json.js';
export { TlsCodes, TlsNotDecryptedReasons } from './tls-codes.js';
export type { TlsCode, TlsNotDecryptedReason } from './tls-codes.js';
