import type { FrameSink, CaptureReader } from './framed-reader.js';
import type { ReaderOptions } from './limits.js';
import { PcapReader } from './pcap-reader.js';
import { PcapngReader } from './pcapng-reader.js';

/**
 * The push parser for an uncompressed capture format (see {@link detectFormat}).
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { createReader, detectFormat } from '@netrx/source-file';
 *
 * const bytes = readFileSync('capture.pcapng');
 * const format = detectFormat(bytes);
 * if (format === 'pcap' || format === 'pcapng') {
 *   const reader = createReader(format, (frame) => console.log(frame.frameNumber));
 *   reader.write(bytes);
 *   reader.end();
 * }
 * ```
 */
export function createReader(format: 'pcap' | 'pcapng', sink: FrameSink, limits?: ReaderOptions): CaptureReader {
  return format === 'pcap' ? new PcapReader(sink, limits) : new PcapngReader(sink, limits);
}
