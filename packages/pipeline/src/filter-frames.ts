import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import { LinkType, type CapturedFrame } from '@netrx/core';
import { runBpf, type BpfProgram } from './bpf-program.js';
import { compileCaptureFilter, type CaptureFilterOptions } from './capture-filter.js';

/**
 * Keeps the frames a capture filter (pcap-filter(7), as tcpdump takes it) accepts, for frames
 * read from a file: the expression is compiled by libpcap ({@link compileCaptureFilter}) once per
 * link type met (a pcapng file may have several), and the classic BPF program runs over each
 * frame's captured bytes (`runBpf`, a BPF interpreter). The kept frames are the ones `tcpdump -r FILE EXPR`
 * prints. (A live capture needs none of this: libpcap filters in the kernel, see
 * `LiveCaptureOptions.filter`.)
 *
 * The expression is checked when the result is subscribed (compiled for Ethernet), so a syntax
 * error fails before anything is read; one that is wrong only for a link type met later (`vlan`
 * on a Linux cooked capture) errors the observable when that link type comes. Both are
 * `NetrxError`s `ERR_INVALID_OPTION` with libpcap's message.
 *
 * @example
 * ```ts
 * import { createPipeline, filterFrames } from '@netrx/pipeline';
 *
 * const pipeline = createPipeline({ file: 'examples/chat-server/capture/chat.pcap' });
 * pipeline.frames().pipe(filterFrames('tcp port 55432 and tcp[tcpflags] & tcp-syn != 0'))
 *   .subscribe((f) => console.log(f.frameNumber));
 * ```
 */
export function filterFrames(expression: string, options: CaptureFilterOptions = {}): MonoTypeOperatorFunction<CapturedFrame> {
  return (frames) =>
    new Observable<CapturedFrame>((subscriber) => {
      const programs = new Map<number, BpfProgram>();
      programs.set(LinkType.ETHERNET, compileCaptureFilter(expression, LinkType.ETHERNET, options));
      let lastType = LinkType.ETHERNET as number;
      let last = programs.get(lastType)!;
      return frames.subscribe({
        next(frame) {
          if (frame.linkType !== lastType) {
            let p = programs.get(frame.linkType);
            if (p === undefined) {
              try {
                p = compileCaptureFilter(expression, frame.linkType, options);
              } catch (err) {
                subscriber.error(err);
                return;
              }
              programs.set(frame.linkType, p);
            }
            lastType = frame.linkType;
            last = p;
          }
          if (runBpf(last, frame.data, frame.length) !== 0) subscriber.next(frame);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}
