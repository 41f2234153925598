/**
 * `@netrx/dissector-tls`: TLS on reassembled TCP streams — the record layer and the handshake,
 * secrets from NSS key logs (files re-read as they grow, pcapng Decryption Secrets Blocks, or an
 * application's own store), TLS 1.3 and TLS 1.2 AEAD decryption, and the plaintext handed to the
 * next dissector by ALPN, port or heuristics.
 *
 * @packageDocumentation
 * @module @netrx/dissector-tls
 */
export { TLS_CIPHER_SUITES, cipherSuite, cipherSuiteName } from './cipher-suites.js';
export type { TlsAead, TlsCipherSuite } from './cipher-suites.js';
export { parseClientHello } from './client-hello.js';
export type { ClientHello } from './client-hello.js';
export { HELLO_RETRY_REQUEST_RANDOM, parseEncryptedExtensionsAlpn, parseServerHello } from './server-hello.js';
export type { ServerHello } from './server-hello.js';
export { HandshakeReassembler, HandshakeType } from './handshake-parser.js';
export type { HandshakeSink } from './handshake-parser.js';
export { versionName } from './hello-reader.js';
export { ContentType, MAX_TLS12_FRAGMENT, MAX_TLS13_FRAGMENT, RECORD_HEADER_LENGTH, TlsRecordParser, isRecordHeader } from './record-parser.js';
export type { TlsRecordSink } from './record-parser.js';
export { AEAD_TAG_LENGTH, RecordDecrypter } from './record-decrypter.js';
export type { DecryptedRecord } from './record-decrypter.js';
export { deriveSecret, hashLength, hkdfExpand, hkdfExpandLabel, hkdfExtract, tls13NextTrafficSecret, tls13TrafficKeys } from './tls13-key-schedule.js';
export type { TlsHash, TrafficKeys } from './tls13-key-schedule.js';
export { tls12KeyBlock, tls12Prf } from './tls12-prf.js';
export type { Tls12KeyBlock } from './tls12-prf.js';
export { KEY_LOG_LABELS, parseKeyLog, parseKeyLogLine } from './keylog.js';
export type { KeyLogCounts, KeyLogEntry, KeyLogLabel } from './keylog.js';
export { MemoryKeyStore, SECRETS_TYPE_TLS_KEY_LOG } from './key-store.js';
export type { TlsKeySource, TlsKeyStore, TlsSessionSecrets } from './key-store.js';
export { KeyLogFile } from './keylog-file.js';
export { TlsCodes, TlsNotDecryptedReasons } from './tls-codes.js';
export type { TlsCode, TlsNotDecryptedReason } from './tls-codes.js';
export { tlsInfo } from './types.js';
export type { InnerDispatch, TlsConnection, TlsConnectionEvent, TlsDirectionStats, TlsInfo } from './types.js';
export { TlsStreamDissector } from './tls-dissector.js';
export { createTlsDissectorFactory } from './tls-dissector-factory.js';
export type { TlsDissectorOptions } from './tls-dissector-factory.js';
export { tlsConnectionJson } from './tls-json.js';
export { probeTls, tlsClientDecider } from './tls-probe.js';
export { createTlsPlugin } from './tls-plugin.js';
export type { TlsPluginOptions } from './tls-plugin.js';
