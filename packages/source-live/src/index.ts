/**
 * `@netrx/source-live`: live packet capture as an `Observable<CapturedFrame>`, through libpcap
 * in-process (the optional `cap` addon) or a `tcpdump -U -w -` child, with a bounded buffer
 * between capture and pipeline; and the list of capture devices.
 *
 * @packageDocumentation
 * @module @netrx/source-live
 */
export { fromLiveCapture } from './from-live-capture.js';
export { createLiveCaptureStats } from './options.js';
export type { BufferPolicy, LiveBackendName, LiveCaptureOptions, LiveCaptureStats } from './options.js';
export { LiveCaptureError } from './live-capture-error.js';
export type { LiveCaptureErrorKind } from './live-capture-error.js';
export { listDevices } from './list-devices.js';
export type { LiveDevice, LiveDeviceAddress } from './list-devices.js';
