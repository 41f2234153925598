import { NetrxError, type Clock } from '@netrx/core';

/** The capture backends. */
export type LiveBackendName = 'cap' | 'tcpdump';

/** What to do when the bounded buffer between capture and pipeline is full. */
export type BufferPolicy = 'drop-oldest' | 'error';

/**
 * Counters of one live capture, filled in while it runs (pass your own object as
 * {@link LiveCaptureOptions.stats} and read it at any time, e.g. at exit). Create one with
 * {@link createLiveCaptureStats}.
 */
export interface LiveCaptureStats {
  /** The backend in use, once chosen. */
  backend: LiveBackendName | undefined;
  /** The capture's link type, once known (a `LINKTYPE_*` value). */
  linkType: number | undefined;
  /** Frames the backend handed over. */
  captured: number;
  /** Frames passed downstream. */
  delivered: number;
  /** Frames the bounded buffer dropped (oldest first) because the consumer fell behind. */
  queueDropped: number;
  /** The most frames the bounded buffer ever held. */
  queueHighWater: number;
  /**
   * Packets the kernel dropped before the backend could read them: tcpdump's exit summary
   * (known once tcpdump has exited). `undefined` when the backend cannot tell: `cap` 0.2.1
   * exposes no `pcap_stats`.
   */
  kernelDropped: number | undefined;
}

/** A zeroed {@link LiveCaptureStats}. */
export function createLiveCaptureStats(): LiveCaptureStats {
  return { backend: undefined, linkType: undefined, captured: 0, delivered: 0, queueDropped: 0, queueHighWater: 0, kernelDropped: undefined };
}

/** Options of {@link fromLiveCapture}. */
export interface LiveCaptureOptions {
  /** Device to capture on (`lo`, `eth0`, `any`); `netrx devices` lists them. */
  readonly device: string;
  /** BPF capture filter in pcap-filter(7) syntax (`tcp port 7272`); none by default. */
  readonly filter?: string;
  /**
   * Bytes kept of each packet. `tcpdump`: passed as `-s` (tcpdump's default 262144 otherwise).
   * `cap`: libpcap's snaplen is fixed at 65535 by the addon; a smaller value cuts the copy.
   */
  readonly snaplen?: number;
  /**
   * libpcap's kernel buffer in bytes (default 64 MiB). It is a ring of slots each as big as the
   * largest packet the device can carry: on `lo` (MTU 65536) a slot is about 64 KiB, so 64 MiB
   * holds only about a thousand packets; a burst bigger than the ring is dropped by the kernel.
   * Measured on lo, a 100000-datagram flood: 36% lost at 16 MiB, 0.1% at 64 MiB (cap backend).
   */
  readonly bufferSize?: number;
  /** `cap` (libpcap in-process) or `tcpdump` (a child process); default: `cap` when it loads. */
  readonly backend?: LiveBackendName;
  /** When the bounded buffer is full: `drop-oldest` (default) or `error` (fail the capture). */
  readonly bufferPolicy?: BufferPolicy;
  /** Most frames the bounded buffer holds (default 100000). */
  readonly maxQueuedFrames?: number;
  /** Most captured bytes the bounded buffer holds (default 64 MiB). */
  readonly maxQueuedBytes?: number;
  /** Filled in with the capture's counters as it runs. */
  readonly stats?: LiveCaptureStats;
  /**
   * Stops the capture gracefully when aborted: the backend stops, frames already captured are
   * delivered, the kernel drop count is collected, then the observable completes (so a pipeline
   * flushes its connections, as at the end of a file). Unsubscribing instead stops at once.
   */
  readonly signal?: AbortSignal;
  /** Called once the backend is capturing: generate traffic after this. */
  readonly onStart?: (info: { readonly backend: LiveBackendName; readonly linkType: number | undefined }) => void;
  /** The tcpdump program (default `tcpdump`, looked up on `PATH`). */
  readonly tcpdumpPath?: string;
  /**
   * Stamps frames on arrival where the backend gives no kernel timestamps (`cap`); the monotonic
   * wall clock by default. A pipeline passes its own (tests fix time through it).
   */
  readonly clock?: Clock;
}

/** {@link LiveCaptureOptions} with defaults applied and checked. */
export interface ResolvedLiveOptions {
  readonly device: string;
  readonly filter: string | undefined;
  readonly snaplen: number | undefined;
  readonly bufferSize: number;
  readonly backend: LiveBackendName | undefined;
  readonly bufferPolicy: BufferPolicy;
  readonly maxQueuedFrames: number;
  readonly maxQueuedBytes: number;
  readonly tcpdumpPath: string;
  readonly clock: Clock | undefined;
}

const positive = (name: string, v: number | undefined, max: number): number | undefined => {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v <= 0 || v > max) {
    throw new NetrxError('ERR_INVALID_OPTION', `${name} must be a whole number from 1 to ${max}, not ${v}`);
  }
  return v;
};

/** Applies defaults; throws `ERR_INVALID_OPTION` for a value that cannot work. */
export function resolveLiveOptions(o: LiveCaptureOptions): ResolvedLiveOptions {
  if (typeof o.device !== 'string' || o.device === '') {
    throw new NetrxError('ERR_INVALID_OPTION', 'a live capture needs a device (list them with `netrx devices`)');
  }
  if (o.backend !== undefined && o.backend !== 'cap' && o.backend !== 'tcpdump') {
    throw new NetrxError('ERR_INVALID_OPTION', `the capture backend must be cap or tcpdump, not "${String(o.backend)}"`);
  }
  if (o.bufferPolicy !== undefined && o.bufferPolicy !== 'drop-oldest' && o.bufferPolicy !== 'error') {
    throw new NetrxError('ERR_INVALID_OPTION', `bufferPolicy must be drop-oldest or error, not "${String(o.bufferPolicy)}"`);
  }
  return {
    device: o.device,
    filter: o.filter?.trim() || undefined,
    snaplen: positive('snaplen', o.snaplen, 262_144),
    bufferSize: positive('bufferSize', o.bufferSize, 2 ** 31 - 1) ?? 64 * 1024 * 1024,
    backend: o.backend,
    bufferPolicy: o.bufferPolicy ?? 'drop-oldest',
    maxQueuedFrames: positive('maxQueuedFrames', o.maxQueuedFrames, 2 ** 31 - 1) ?? 100_000,
    maxQueuedBytes: positive('maxQueuedBytes', o.maxQueuedBytes, 2 ** 53 - 1) ?? 64 * 1024 * 1024,
    clock: o.clock,
    tcpdumpPath: o.tcpdumpPath ?? 'tcpdump',
  };
}
