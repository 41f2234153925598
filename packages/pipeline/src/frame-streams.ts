import { Observable, type OperatorFunction } from 'rxjs';
import { FrameDissector, type CapturedFrame, type DissectOptions, type Registry, type StreamEvent } from '@netrx/core';
import { TcpReassembler, type ReassembleTcpOptions } from '@netrx/dissector-tcp';

/**
 * Frames to TCP stream events in one stage: `dissect()` then `reassembleTcp()`, the same events
 * in the same order, without a packet object per frame between them. The reassembler keeps
 * nothing of a packet but its layers' values and payload views, so each frame is dissected into
 * one reused packet ({@link FrameDissector.dissectTransient}) and pushed straight on: no packet,
 * no layer list and no RxJS hop per frame. What {@link Pipeline.streams} is.
 *
 * Throws `ERR_INVALID_OPTION` for a bad option, where the pipeline is built (as both stages do).
 *
 * @example
 * ```ts
 * import { corePlugin, createRegistry } from '@netrx/core';
 * import { tcpPlugin } from '@netrx/dissector-tcp';
 * import { fromCaptureFile } from '@netrx/source-file';
 *
 * const registry = createRegistry([corePlugin, tcpPlugin]);
 * fromCaptureFile('chat.pcap').pipe(frameStreams(registry)).subscribe((ev) => console.log(ev.type));
 * ```
 */
export function frameStreams(
  registry: Registry,
  dissectOptions: DissectOptions = {},
  tcpOptions: Omit<ReassembleTcpOptions, 'clients'> = {},
): OperatorFunction<CapturedFrame, StreamEvent> {
  const clients = registry.heuristics('tcp.client').active;
  // Bad options are a configuration error: throw here, where the pipeline is built.
  new FrameDissector(registry, dissectOptions).close();
  new TcpReassembler({ ...tcpOptions, clients }, () => {});
  return (source) =>
    new Observable<StreamEvent>((subscriber) => {
      const engine = new FrameDissector(registry, dissectOptions);
      const reassembler = new TcpReassembler({ ...tcpOptions, clients }, (ev) => subscriber.next(ev));
      tcpOptions.onClock?.((ts, frameNumber) => reassembler.advance(ts, frameNumber));
      const subscription = source.subscribe({
        next: (frame) => reassembler.push(engine.dissectTransient(frame)),
        error: (err: unknown) => subscriber.error(err),
        complete: () => {
          reassembler.end();
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        engine.close();
      };
    });
}
