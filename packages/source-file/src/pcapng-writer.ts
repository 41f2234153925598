import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import type { CapturedFrame } from '@netrx/core';

/** Where a {@link PcapngWriter} writes: a Node `Writable` fits, as does anything with `write`. */
export interface ByteSink {
  /** Takes one block's bytes (the writer never touches them again); `false` asks to wait for `drain`. */
  write(chunk: Uint8Array): boolean | void;
}

/** Options of {@link PcapngWriter}. */
export interface PcapngWriterOptions {
  /** Written as the section's `shb_userappl` option (default `netrx`). */
  readonly application?: string;
  /** Snaplen written in each interface description (default 0: no limit). */
  readonly snaplen?: number;
}

const encoder = new TextEncoder();

/**
 * Writes frames as a pcapng file (little-endian, one section): a Section Header Block first, one
 * Interface Description Block per link type as each first appears (with `if_tsresol` 9, so
 * timestamps keep their nanoseconds), and an Enhanced Packet Block per frame. Each block is one
 * `write` of a new buffer; the writer never ends its sink. Wireshark reads files with several link
 * types; libpcap (tcpdump) reads only files whose frames share one, as a live capture's do.
 *
 * @example
 * ```ts
 * import { createWriteStream } from 'node:fs';
 * import { PcapngWriter } from '@netrx/source-file';
 *
 * const out = createWriteStream('one.pcapng');
 * const writer = new PcapngWriter(out);
 * writer.write({ linkType: 101, timestamp: 1_700_000_000_123_456_789n, caplen: 0, length: 0, data: new Uint8Array(0), interfaceId: 0, frameNumber: 1 });
 * out.end();
 * ```
 */
export class PcapngWriter {
  /** Interface id by link type, in the order their IDBs were written. */
  private readonly interfaces = new Map<number, number>();
  private readonly snaplen: number;

  constructor(
    private readonly out: ByteSink,
    options: PcapngWriterOptions = {},
  ) {
    this.snaplen = options.snaplen ?? 0;
    out.write(sectionHeader(options.application ?? 'netrx'));
  }

  /** Writes one frame (and its interface's description first, if its link type is new). Returns the sink's answer. */
  write(frame: CapturedFrame): boolean {
    let id = this.interfaces.get(frame.linkType);
    if (id === undefined) {
      id = this.interfaces.size;
      this.interfaces.set(frame.linkType, id);
      this.out.write(interfaceDescription(frame.linkType, this.snaplen));
    }
    return this.out.write(enhancedPacket(id, frame)) !== false;
  }
}

/**
 * An operator that writes every frame passing through to `out` as pcapng (see
 * {@link PcapngWriter}) and passes it on unchanged; one writer per subscription. It does not end
 * `out`: do that when the observable completes.
 *
 * @example
 * ```ts
 * import { createWriteStream } from 'node:fs';
 * import { fromCaptureFile, writePcapng } from '@netrx/source-file';
 *
 * const out = createWriteStream('copy.pcapng');
 * fromCaptureFile('capture.pcap').pipe(writePcapng(out)).subscribe({ complete: () => out.end() });
 * ```
 */
export function writePcapng(out: ByteSink, options?: PcapngWriterOptions): MonoTypeOperatorFunction<CapturedFrame> {
  return (source) =>
    new Observable<CapturedFrame>((subscriber) => {
      const writer = new PcapngWriter(out, options);
      return source.subscribe({
        next: (frame) => {
          writer.write(frame);
          subscriber.next(frame);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}

/**
 * Encodes frames as a whole pcapng file in memory (for small captures, examples and tests).
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { lastValueFrom, toArray } from 'rxjs';
 * import { encodePcapng, fromCaptureFile } from '@netrx/source-file';
 *
 * const frames = await lastValueFrom(fromCaptureFile('capture.pcap').pipe(toArray()));
 * writeFileSync('first-ten.pcapng', encodePcapng(frames.slice(0, 10)));
 * ```
 */
export function encodePcapng(frames: Iterable<CapturedFrame>, options?: PcapngWriterOptions): Uint8Array {
  const parts: Uint8Array[] = [];
  const writer = new PcapngWriter({ write: (chunk) => void parts.push(chunk) }, options);
  for (const frame of frames) writer.write(frame);
  return Buffer.concat(parts);
}

/** A block of `bodyLength` bytes between its type/length and trailing length (§3.1). */
function block(type: number, bodyLength: number): { bytes: Uint8Array; view: DataView } {
  const length = 12 + ((bodyLength + 3) & ~3);
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, length, true);
  view.setUint32(length - 4, length, true);
  return { bytes, view };
}

/** Writes an option (code, length, value padded to 4) at `o`; returns the offset after it. */
function option(bytes: Uint8Array, view: DataView, o: number, code: number, value: Uint8Array): number {
  view.setUint16(o, code, true);
  view.setUint16(o + 2, value.length, true);
  bytes.set(value, o + 4);
  return o + 4 + ((value.length + 3) & ~3);
}

function optionsLength(...values: Uint8Array[]): number {
  let n = 4; // opt_endofopt
  for (const v of values) n += 4 + ((v.length + 3) & ~3);
  return n;
}

function sectionHeader(application: string): Uint8Array {
  const app = encoder.encode(application);
  const { bytes, view } = block(0x0a0d0d0a, 16 + optionsLength(app));
  view.setUint32(8, 0x1a2b3c4d, true);
  view.setUint16(12, 1, true);
  view.setUint16(14, 0, true);
  view.setBigInt64(16, -1n, true); // section length unknown
  option(bytes, view, 24, 4, app); // shb_userappl
  return bytes;
}

function interfaceDescription(linkType: number, snaplen: number): Uint8Array {
  const tsresol = Uint8Array.of(9); // nanoseconds
  const { bytes, view } = block(0x00000001, 8 + optionsLength(tsresol));
  view.setUint16(8, linkType, true);
  view.setUint32(12, snaplen, true);
  option(bytes, view, 16, 9, tsresol); // if_tsresol
  return bytes;
}

function enhancedPacket(interfaceId: number, frame: CapturedFrame): Uint8Array {
  const data = frame.data;
  const { bytes, view } = block(0x00000006, 20 + data.length);
  view.setUint32(8, interfaceId, true);
  view.setUint32(12, Number(frame.timestamp >> 32n) >>> 0, true);
  view.setUint32(16, Number(frame.timestamp & 0xffffffffn), true);
  view.setUint32(20, data.length, true);
  view.setUint32(24, frame.length, true);
  bytes.set(data, 28);
  return bytes;
}
