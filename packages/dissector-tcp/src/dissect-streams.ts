import { Observable, type OperatorFunction } from 'rxjs';
import type { AppEvent, Connection, MemoryBudget, Registry, StreamDissectorFactory, StreamEvent } from '@netrx/core';
import { DissectorChoice, dispatchLimits, type StreamDispatchLimits } from './dissector-choice.js';
import { StreamDispatch, type EventSink } from './stream-dispatch.js';

/** Options of {@link dissectStreams}. */
export interface DissectStreamsOptions extends StreamDispatchLimits {
  /**
   * Step 1 of the choice: a dissector pinned to a connection before anything else is considered
   * (an application that knows what a connection carries). Called once per connection.
   */
  readonly pin?: (connection: Connection) => StreamDissectorFactory | undefined;
  /**
   * The pipeline's memory budget, put on every dissector's `StreamContext` (the dissectors draw
   * what they hold on it). Without one, dissectors run without a budget.
   */
  readonly budget?: MemoryBudget;
}

/** A connection opened and left to the heuristics, its dispatch not made yet. */
const PROBE = 'probe';

/**
 * Dispatches each connection's byte streams to stream dissectors and emits what they find. The
 * dissector is chosen once per connection, in this fixed order (see DESIGN "Choosing a
 * dissector"): 1. `options.pin` (asked at the connection's `open`); 2. a decode-as rule on `tcp.port` (server port, then client
 * port); 3. negotiated (a dissector calling `ctx.switchTo`, as HTTP does after `101`); 4. the
 * `tcp.port` table (server port, then client port); 5. the `tcp` heuristics in priority order,
 * shown the first bytes of each direction (buffered until one matches or all reject); 6. raw:
 * nothing is emitted. The first match is pinned. {@link createStreamDispatch} is the same choice
 * for one byte stream, for dissectors that unwrap a layer.
 *
 * Dissectors get `data`, `gap` (only if they resume after gaps; otherwise a gap stops them with a
 * `stream.error`) and `end`, like Zeek's `DeliverStream`/`Undelivered`. A dissector that throws
 * is stopped for that connection only (`stream.error`); the rest go on.
 *
 * @example
 * ```ts
 * import { corePlugin, createRegistry, dissect } from '@netrx/core';
 * import { fromCaptureFile } from '@netrx/source-file';
 * import { dissectStreams, reassembleTcp, tcpPlugin } from '@netrx/dissector-tcp';
 * import { httpPlugin } from '@netrx/dissector-http';
 *
 * const registry = createRegistry([corePlugin, tcpPlugin, httpPlugin]);
 * fromCaptureFile('chat.pcap')
 *   .pipe(dissect(registry), reassembleTcp(registry), dissectStreams(registry))
 *   .subscribe((ev) => console.log(ev.type, ev.connection.id, ev.dir));
 * ```
 */
export function dissectStreams(registry: Registry, options: DissectStreamsOptions = {}): OperatorFunction<StreamEvent, AppEvent> {
  const limits = dispatchLimits(options, 'dissectStreams');
  return (source) =>
    new Observable<AppEvent>((subscriber) => {
      const choice = new DissectorChoice(registry, limits);
      // A connection's dispatch is made with its first bytes, gap or close: until then (and for
      // the many connections that never carry a byte) the map holds what was chosen at `open`.
      const flows = new Map<number, StreamDispatch | StreamDissectorFactory | typeof PROBE>();
      const sink: EventSink = { emit: (ev) => subscriber.next(ev) };
      const sub = source.subscribe({
        next: (ev) => {
          if (ev.type === 'open') {
            const c = ev.connection;
            const chosen = options.pin?.(c) ?? choice.byPort(c);
            if (chosen === undefined && choice.heuristics.length === 0) return; // raw
            flows.set(c.id, chosen ?? PROBE);
            return;
          }
          let flow = flows.get(ev.connection.id);
          if (flow === undefined) return;
          if (!(flow instanceof StreamDispatch)) {
            const made = new StreamDispatch(ev.connection, registry, sink, choice, flow === PROBE ? undefined : flow, options.budget);
            flows.set(ev.connection.id, made);
            made.start(ev.ts, ev.frame);
            flow = made;
          }
          if (ev.type === 'data') flow.data(ev.dir, ev.bytes, ev.ts, ev.frame);
          else if (ev.type === 'gap') flow.gap(ev.dir, ev.length, ev.ts, ev.frame);
          else flow.end(ev.ts, ev.frame);
          // Raw, stopped or closed: nothing more to do for this connection, so forget it now.
          if (flow.done) flows.delete(ev.connection.id);
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
      return () => {
        sub.unsubscribe();
        flows.clear();
      };
    });
}
