import type { DependencyContainer } from 'tsyringe';
import type { DissectOptions, NetrxPlugin } from '@netrx/core';
import type { DissectStreamsOptions, ReassembleTcpOptions } from '@netrx/dissector-tcp';
import type { CaptureFileOptions } from '@netrx/source-file';
import type { LiveCaptureOptions } from '@netrx/source-live';
// For the doc links only.
import type { fromCaptureFile } from '@netrx/source-file';
import type { fromLiveCapture } from '@netrx/source-live';
import type { createContainer } from './composition-root.js';
import type { filterFrames } from './filter-frames.js';
import type { createDefaultPlugins } from './default-plugins.js';
import type { Tokens } from './tokens.js';

/** Where frames come from: a capture file or a live capture (give one), and how many to take. */
export interface FrameSourceOptions {
  /** A capture file path (pcap, pcapng, gzipped or not) or a readable stream of one. */
  readonly file?: string | NodeJS.ReadableStream;
  /** How {@link fromCaptureFile} reads {@link FrameSourceOptions.file}: progress, backpressure, chunk size, name. */
  readonly fileOptions?: CaptureFileOptions;
  /** Live capture options (`device`, `filter`, `backend`…), as {@link fromLiveCapture} takes. */
  readonly live?: LiveCaptureOptions;
  /** Stop after this many frames (a whole number from 1), counted after {@link FrameSourceOptions.filter}. */
  readonly count?: number;
  /**
   * A capture filter (pcap-filter(7), as tcpdump takes it: `tcp port 7272 and host 10.0.0.1`).
   * A file's frames go through {@link filterFrames} (libpcap compiles it, through tcpdump); a live
   * capture hands it to libpcap, unless {@link LiveCaptureOptions.filter} gives its own.
   */
  readonly filter?: string;
}

/** What a pipeline reads, which plugins dissect it, and the options of each stage. */
export interface PipelineOptions extends FrameSourceOptions {
  /**
   * Plugins to register; when omitted, {@link createDefaultPlugins} (core, TCP, HTTP, WebSocket,
   * and TLS with the pipeline's key store).
   */
  readonly plugins?: readonly NetrxPlugin[];
  /** Extra plugins added to {@link PipelineOptions.plugins} (your own dissectors). */
  readonly extraPlugins?: readonly NetrxPlugin[];
  /**
   * TLS key log files (NSS key log format: `SSLKEYLOGFILE`, Node's `--tls-keylog`), read into
   * the pipeline's key store and re-read as they grow, so a live capture decrypts connections
   * whose keys are logged after it began. A file that does not exist yet is read once it
   * appears. Decryption Secrets Blocks in a pcapng file need no option: they are always read.
   */
  readonly keylog?: string | readonly string[];
  /** Decode-as rules, as tshark's `-d`: `tcp.port==7272,websocket`. */
  readonly decodeAs?: readonly string[];
  /** Packet dissection options (counters, fragment reassembly limits). */
  readonly dissect?: DissectOptions;
  /** TCP reassembly options (timeouts, caps, totals). */
  readonly tcp?: Omit<ReassembleTcpOptions, 'clients'>;
  /** Stream dispatch options (a pinned dissector, probe limits). */
  readonly streams?: DissectStreamsOptions;
  /**
   * The pipeline's memory budget: most bytes held between packets by everything that holds them
   * (IP fragments, the TCP connection table and out-of-order buffers, held TLS records, held HTTP
   * bytes, inflate contexts, held messages), as the holders estimate it. When it is reached the
   * oldest idle state is let go, and what that drops is counted (`Pipeline.drops()`). A number of
   * bytes or a size (`'256MiB'`, `'1GiB'`); default `DEFAULT_MEMORY_BUDGET` of `@netrx/core`
   * (128 MiB). A {@link Tokens}.MemoryBudget registered in {@link PipelineOptions.container}
   * takes its place (one budget shared by several pipelines).
   */
  readonly memory?: number | string;
  /**
   * A tsyringe container whose registrations the pipeline uses ({@link Tokens}): its own
   * {@link Tokens.Clock}, extra {@link Tokens.Plugin}s ({@link createContainer} makes one). The
   * pipeline's container is a child of it (of tsyringe's root container when omitted); nothing is
   * registered in it.
   */
  readonly container?: DependencyContainer;
}
