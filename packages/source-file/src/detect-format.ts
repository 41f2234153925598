/** The file formats netrx reads. `gzip` means a compressed pcap or pcapng inside. */
export type CaptureFormat = 'pcap' | 'pcapng' | 'gzip';

/** Bytes {@link detectFormat} needs to decide. */
export const MAGIC_LENGTH = 4;

/**
 * Tells a capture file's format from its first bytes: classic pcap (any of its four magic numbers:
 * micro- or nanosecond, either byte order), pcapng (a Section Header Block), or gzip (`1f 8b`).
 * Returns `undefined` when fewer than {@link MAGIC_LENGTH} bytes are given (and they are not
 * gzip's two) or the bytes are none of these.
 *
 * @example
 * ```ts
 * import { detectFormat } from '@netrx/source-file';
 *
 * detectFormat(Uint8Array.of(0xd4, 0xc3, 0xb2, 0xa1)); // 'pcap'
 * detectFormat(Uint8Array.of(0x0a, 0x0d, 0x0d, 0x0a)); // 'pcapng'
 * ```
 */
export function detectFormat(head: Uint8Array): CaptureFormat | undefined {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length < MAGIC_LENGTH) return undefined;
  const magic = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
  switch (magic) {
    case 0xa1b2c3d4:
    case 0xd4c3b2a1:
    case 0xa1b23c4d:
    case 0x4d3cb2a1:
      return 'pcap';
    case 0x0a0d0d0a:
      return 'pcapng';
    default:
      return undefined;
  }
}
