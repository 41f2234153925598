import { readFileSync } from 'node:fs';
import { LinkType, monotonicClock, type Clock } from '@netrx/core';
import type { Cap, CapDevice } from 'cap';
import type { BackendHandle, BackendSink } from './backend.js';
import { classifyCaptureFailure, LiveCaptureError } from './live-capture-error.js';
import type { LiveCaptureStats, ResolvedLiveOptions } from './options.js';

/** The `cap` addon's constructor and device listing, or why it could not be loaded. */
export type CapLoad = { readonly ok: true; readonly Cap: typeof Cap } | { readonly ok: false; readonly reason: string };

let loading: Promise<CapLoad> | undefined;

/**
 * Loads the optional `cap` addon once. It is a CommonJS native module: a missing package or a
 * failed native build only disables this backend. `NETRX_DISABLE_CAP=1` makes it count as
 * missing (to force the tcpdump backend as the default, and in tests).
 */
export function loadCap(): Promise<CapLoad> {
  if (process.env['NETRX_DISABLE_CAP'] === '1') return Promise.resolve({ ok: false, reason: 'disabled by NETRX_DISABLE_CAP=1' });
  loading ??= import('cap').then(
    (m) => ({ ok: true as const, Cap: m.default.Cap }),
    (err: unknown) => ({ ok: false as const, reason: `the cap addon did not load (${(err as Error)?.message?.split('\n')[0] ?? String(err)})` }),
  );
  return loading;
}

/** libpcap's snaplen inside `cap` 0.2.1: fixed, whatever the caller asks. */
const CAP_SNAPLEN = 65_535;

/**
 * Every handle this process opened, kept alive for good. `cap` 0.2.1's destructor is not safe:
 * a handle whose `open()` threw is half-initialised (closing it, or letting the garbage collector
 * destroy it, stops a libuv poll handle that was never started and aborts the process), and the
 * collector destroying a handle after `close()` aborts the process now and then too (the live
 * tests' worker died in about one run in three, a few captures after the first one closed). A
 * closed handle costs a few hundred bytes; an open-failed one a socket too (the checks before
 * `open()` keep those to bad filters).
 */
const keptHandles: Cap[] = [];

/** `cap` names the link type; map the names it can return to `LINKTYPE_*` values. */
function linkTypeOf(name: string): number | undefined {
  switch (name) {
    case 'ETHERNET':
      return LinkType.ETHERNET;
    case 'NULL':
      return LinkType.NULL;
    case 'LINKTYPE_LINUX_SLL':
      return LinkType.LINUX_SLL;
    case 'RAW':
      return LinkType.RAW;
    case 'IEEE802_11_RADIO':
      return 127;
  }
  // "Unknown linktype N": a DLT value, equal to the LINKTYPE for every type netrx decodes.
  const m = /(\d+)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Whether this process may open packet sockets (Linux: CAP_NET_RAW, bit 13 of CapEff). */
function mayCapture(): boolean | undefined {
  if (process.getuid?.() === 0) return true;
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? (BigInt(`0x${m[1]}`) & (1n << 13n)) !== 0n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Opens a capture through `cap` (libpcap in-process). libpcap runs in immediate mode (set by the
 * addon when libpcap has it), so packets arrive as they are captured. The addon gives no
 * per-packet timestamps: frames are stamped on arrival from `clock` (a monotonic clock anchored
 * to wall time), microseconds after the kernel saw them. It writes each packet into one shared
 * buffer, so each is copied out. It reports no original length: `length` is the captured length.
 */
export function openCap(CapClass: typeof Cap, o: ResolvedLiveOptions, sink: BackendSink, stats: LiveCaptureStats, clock: Clock = monotonicClock): BackendHandle {
  // Checked first, because a failed open() leaves a handle that can never be freed (see above).
  let devices: CapDevice[] | undefined;
  try {
    devices = CapClass.deviceList();
  } catch {
    devices = undefined;
  }
  if (devices && !devices.some((d) => d.name === o.device)) {
    throw new LiveCaptureError('no-device', `no such capture device "${o.device}": list the devices with \`netrx devices\``);
  }
  if (mayCapture() === false) {
    throw classifyCaptureFailure('Operation not permitted (no CAP_NET_RAW)', o.device, o.filter, 'cap');
  }

  const cap = new CapClass();
  keptHandles.push(cap);
  const buffer = Buffer.alloc(Math.min(o.snaplen ?? CAP_SNAPLEN, CAP_SNAPLEN));
  let name: string;
  try {
    name = cap.open(o.device, o.filter ?? '', o.bufferSize, buffer);
  } catch (err) {
    throw classifyCaptureFailure((err as Error).message, o.device, o.filter, 'cap');
  }
  const linkType = linkTypeOf(name);
  if (linkType === undefined) {
    cap.close();
    throw new LiveCaptureError('failed', `live capture on ${o.device}: cap reports a link type netrx does not know (${name})`);
  }
  stats.linkType = linkType;
  let frameNumber = 0;
  let closed = false;
  cap.on('packet', (nbytes: number) => {
    if (closed) return;
    // The addon reuses `buffer` for the next packet: copy (Uint8Array's slice copies; Buffer's does not).
    const data = Uint8Array.prototype.slice.call(buffer, 0, nbytes);
    sink.frame({ linkType, timestamp: clock.now(), caplen: nbytes, length: nbytes, data, interfaceId: 0, frameNumber: ++frameNumber });
  });
  const close = (): void => {
    if (closed) return;
    closed = true;
    cap.close();
    cap.removeAllListeners('packet');
  };
  return {
    linkType,
    stop() {
      close();
      // libpcap hands over packets as they come, so none are pending in the addon.
      setImmediate(() => sink.end());
    },
    dispose: close,
  };
}
