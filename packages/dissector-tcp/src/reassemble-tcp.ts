import { Observable, type OperatorFunction } from 'rxjs';
import type { Packet, Registry, StreamEvent } from '@netrx/core';
import { reassemblerLimits, type ReassembleTcpOptions } from './reassembler-options.js';
import { TcpReassembler } from './tcp-reassembler.js';

/**
 * Reassembles TCP byte streams from dissected packets: per connection and direction, in packet
 * time, `open`, in-order `data` (views of the frames: copy what you keep), `gap` for bytes that
 * were never captured, and `close` with per-direction counters. At the end of input every open
 * connection is flushed and closed (reason `end`). State is per subscription.
 *
 * Who is the client of a connection seen without its SYN is asked of the registry's `tcp.client`
 * list (filled by the plugins above TCP). See {@link TcpReassembler} for the rules and
 * {@link ReassembleTcpOptions} for the limits and the memory budget (`options.budget`: the
 * pipeline's `MemoryBudget`, whose reclaimer this operator registers per subscription and removes
 * when the subscription ends). Throws
 * `ERR_INVALID_OPTION` for an option that is not a positive number.
 *
 * @example
 * ```ts
 * import { corePlugin, createRegistry, dissect } from '@netrx/core';
 * import { fromCaptureFile } from '@netrx/source-file';
 * import { reassembleTcp, tcpPlugin } from '@netrx/dissector-tcp';
 *
 * const registry = createRegistry([corePlugin, tcpPlugin]);
 * fromCaptureFile('chat.pcap')
 *   .pipe(dissect(registry), reassembleTcp(registry))
 *   .subscribe((ev) => {
 *     if (ev.type === 'data') console.log(ev.connection.id, ev.dir, ev.bytes.length);
 *   });
 * ```
 */
export function reassembleTcp(registry: Registry, options: Omit<ReassembleTcpOptions, 'clients'> = {}): OperatorFunction<Packet, StreamEvent> {
  const clients = registry.heuristics('tcp.client').active;
  // Bad options are a configuration error: throw here, where the pipeline is built.
  reassemblerLimits(options);
  return (source) =>
    new Observable<StreamEvent>((subscriber) => {
      const reassembler = new TcpReassembler({ ...options, clients }, (ev) => subscriber.next(ev));
      options.onClock?.((ts, frameNumber) => reassembler.advance(ts, frameNumber));
      const sub = source.subscribe({
        next: (packet) => reassembler.push(packet),
        error: (err) => subscriber.error(err),
        complete: () => {
          reassembler.end();
          subscriber.complete();
        },
      });
      return () => {
        sub.unsubscribe();
        reassembler.dispose();
      };
    });
}
