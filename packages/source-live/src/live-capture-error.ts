import { NetrxError } from '@netrx/core';

/** Why a live capture failed: each kind has its own remedy in the message. */
export type LiveCaptureErrorKind =
  /** Not allowed to capture: not root and no CAP_NET_RAW. */
  | 'permission'
  /** The device does not exist. */
  | 'no-device'
  /** libpcap rejected the capture filter. */
  | 'bad-filter'
  /** The requested backend (or, by default, both) cannot run here. */
  | 'no-backend'
  /** The bounded buffer overflowed under the `error` policy. */
  | 'overflow'
  /** Anything else the backend reported. */
  | 'failed';

/**
 * A live capture failure: a {@link NetrxError} with code `ERR_CAPTURE_LIVE`, a {@link kind} a
 * program can branch on, and a message saying what happened and what to do.
 */
export class LiveCaptureError extends NetrxError {
  constructor(
    readonly kind: LiveCaptureErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('ERR_CAPTURE_LIVE', message, options);
  }
}

const PERMISSION = /permission|not permitted|EPERM|EACCES/i;
const NO_DEVICE = /no such device|doesn't exist|does not exist|no such interface|SIOCGIFINDEX/i;

/**
 * Turns a libpcap/tcpdump message into a {@link LiveCaptureError} of the right kind. libpcap's
 * messages have no codes, so the kind is read off their wording; a message that names neither
 * permission nor device, on a capture with a filter, comes from compiling the filter.
 */
export function classifyCaptureFailure(message: string, device: string, filter: string | undefined, backend: string): LiveCaptureError {
  const detail = message.trim().replace(/\s+/g, ' ');
  if (PERMISSION.test(detail)) {
    // The capability belongs on the program that opens the capture: node itself for the cap
    // addon, the tcpdump child for the tcpdump backend.
    const program = backend === 'tcpdump' ? 'tcpdump' : 'node';
    return new LiveCaptureError(
      'permission',
      `no permission to capture on ${device} (${backend}: ${detail}): run as root, or grant ${program} the capability: setcap cap_net_raw,cap_net_admin=eip "$(readlink -f "$(command -v ${program})")"`,
    );
  }
  if (NO_DEVICE.test(detail)) {
    return new LiveCaptureError('no-device', `no such capture device "${device}" (${backend}: ${detail}): list the devices with \`netrx devices\``);
  }
  if (filter !== undefined && filter !== '' && /filter|syntax|parse|unknown|illegal|expression|can't|invalid/i.test(detail)) {
    return new LiveCaptureError('bad-filter', `bad capture filter "${filter}": ${detail.replace(/^can't parse filter expression: /, '')} (the syntax is pcap-filter(7), as for tcpdump)`);
  }
  return new LiveCaptureError('failed', `live capture on ${device} failed (${backend}): ${detail}`);
}
