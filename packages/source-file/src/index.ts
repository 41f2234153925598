/**
 * `@netrx/source-file`: streaming readers for capture files (classic pcap in micro- and
 * nanoseconds and either byte order, pcapng with several sections and interfaces, gzip-compressed
 * files), `fromCaptureFile()` to read one as an `Observable<CapturedFrame>`, and a pcapng writer.
 *
 * @packageDocumentation
 * @module @netrx/source-file
 */
export { fromCaptureFile } from './from-capture-file.js';
export type { CaptureFileOptions } from './from-capture-file.js';
export { detectFormat, MAGIC_LENGTH } from './detect-format.js';
export type { CaptureFormat } from './detect-format.js';
export { createReader } from './create-reader.js';
export { PcapReader } from './pcap-reader.js';
export { PcapngReader } from './pcapng-reader.js';
export type { CaptureReader, FrameSink } from './framed-reader.js';
export { SourceFileCodes } from './capture-problem.js';
export type { CaptureProblem, SourceFileCode } from './capture-problem.js';
export { DEFAULT_MAX_BLOCK_LENGTH, DEFAULT_MAX_RECORD_LENGTH, STANDARD_MAX_SNAPLEN } from './limits.js';
export type { ReaderLimits, ReaderOptions } from './limits.js';
export { SecretsType } from './decryption-secrets.js';
export type { DecryptionSecrets, SecretsSink } from './decryption-secrets.js';
export { PcapngWriter, encodePcapng, writePcapng } from './pcapng-writer.js';
export type { ByteSink, PcapngWriterOptions } from './pcapng-writer.js';
