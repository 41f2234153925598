import { Observable, Subject, type OperatorFunction } from 'rxjs';
import type { AppEvent, StreamClose, StreamEvent, StreamOpen } from '@netrx/core';

/**
 * Runs `inner` (normally `dissectStreams(registry)`) on TCP stream events and emits its
 * application events together with the streams' `open` and `close` events, so a consumer learns
 * when connections start and end: each `open` before anything `inner` makes of it, each `close`
 * after everything `inner` flushed for it. The inspector uses `close` for a connection's state.
 *
 * @example
 * ```ts
 * const registry = createRegistry([corePlugin, tcpPlugin, httpPlugin, websocketPlugin]);
 * fromCaptureFile('chat.pcap')
 *   .pipe(dissect(registry), reassembleTcp(registry), keepConnectionEvents(dissectStreams(registry)))
 *   .subscribe((e) => console.log(e.type)); // open, http.request, http.response, ws.message…, close
 * ```
 */
export function keepConnectionEvents(inner: OperatorFunction<StreamEvent, AppEvent>): OperatorFunction<StreamEvent, AppEvent | StreamOpen | StreamClose> {
  return (source) =>
    new Observable<AppEvent | StreamOpen | StreamClose>((subscriber) => {
      const input = new Subject<StreamEvent>();
      const innerSub = input.pipe(inner).subscribe(subscriber);
      const sub = source.subscribe({
        next: (e) => {
          if (e.type === 'open') subscriber.next(e);
          input.next(e);
          if (e.type === 'close') subscriber.next(e);
        },
        error: (err: unknown) => input.error(err),
        complete: () => input.complete(),
      });
      return () => {
        sub.unsubscribe();
        innerSub.unsubscribe();
      };
    });
}
