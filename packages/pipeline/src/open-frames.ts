import { take, type Observable } from 'rxjs';
import { NetrxError, type CapturedFrame, type Clock } from '@netrx/core';
import { fromCaptureFile } from '@netrx/source-file';
import { fromLiveCapture } from '@netrx/source-live';
import { filterFrames } from './filter-frames.js';
import type { FrameSourceOptions } from './pipeline-options.js';

/**
 * The frames of a source: a capture file through `fromCaptureFile()` or a live capture through
 * `fromLiveCapture()`, only those the capture `filter` accepts when one is given ({@link
 * filterFrames} for a file; libpcap in the kernel for a live capture), ending after `count`
 * frames when given. `clock` is offered to the live
 * capture, which stamps frames that come without kernel timestamps (the `cap` backend) with it;
 * a `clock` in the live options themselves wins. Nothing is read until the result is subscribed.
 *
 * Throws `ERR_INVALID_OPTION` unless exactly one of `file` and `live` is given, or for a `count`
 * that is not a whole number from 1.
 *
 * @example
 * ```ts
 * import { openFrames } from '@netrx/pipeline';
 *
 * openFrames({ file: 'examples/chat-server/capture/chat.pcap', count: 10 })
 *   .subscribe((f) => console.log(f.frameNumber, f.caplen));
 * ```
 */
export function openFrames(source: FrameSourceOptions, clock?: Clock): Observable<CapturedFrame> {
  if (source.file !== undefined && source.live !== undefined) {
    throw new NetrxError('ERR_INVALID_OPTION', 'a pipeline reads a file or live options, not both');
  }
  const { count } = source;
  if (count !== undefined && (!Number.isInteger(count) || count < 1)) {
    throw new NetrxError('ERR_INVALID_OPTION', `count must be a whole number from 1, not ${count}`);
  }
  let frames: Observable<CapturedFrame>;
  if (source.file !== undefined) {
    frames = fromCaptureFile(source.file, source.fileOptions);
    if (source.filter !== undefined) frames = frames.pipe(filterFrames(source.filter));
  } else if (source.live !== undefined) {
    frames = fromLiveCapture({ clock, filter: source.filter, ...source.live });
  } else throw new NetrxError('ERR_INVALID_OPTION', 'a pipeline needs a file or live options');
  return count === undefined ? frames : frames.pipe(take(count));
}
