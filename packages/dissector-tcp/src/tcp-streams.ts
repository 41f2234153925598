import { Observable, Subject, type OperatorFunction } from 'rxjs';
import type { Connection, StreamClose, StreamData, StreamEvent, StreamGap } from '@netrx/core';

/** One connection's events split by direction; every Observable completes when it closes. */
export interface TcpConnectionStreams {
  readonly connection: Connection;
  /** Client-to-server `data` and `gap` events. */
  readonly c2s: Observable<StreamData | StreamGap>;
  /** Server-to-client `data` and `gap` events. */
  readonly s2c: Observable<StreamData | StreamGap>;
  /** Emits the `close` event, then completes. */
  readonly closed: Observable<StreamClose>;
}

/**
 * Groups stream events per connection, as `groupBy` would: emits a {@link TcpConnectionStreams}
 * at each `open`. The inner Observables are hot: subscribe to them synchronously when the group
 * is emitted, or events are missed. Data views are valid only during the callback.
 *
 * @example
 * ```ts
 * import { corePlugin, createRegistry, dissect } from '@netrx/core';
 * import { fromCaptureFile } from '@netrx/source-file';
 * import { reassembleTcp, tcpPlugin, tcpStreams } from '@netrx/dissector-tcp';
 *
 * const registry = createRegistry([corePlugin, tcpPlugin]);
 * fromCaptureFile('chat.pcap')
 *   .pipe(dissect(registry), reassembleTcp(registry), tcpStreams())
 *   .subscribe(({ connection, c2s, s2c }) => {
 *     c2s.subscribe((ev) => ev.type === 'data' && console.log(connection.id, '→', ev.bytes.length));
 *     s2c.subscribe((ev) => ev.type === 'data' && console.log(connection.id, '←', ev.bytes.length));
 *   });
 * ```
 */
export function tcpStreams(): OperatorFunction<StreamEvent, TcpConnectionStreams> {
  return (source) =>
    new Observable<TcpConnectionStreams>((subscriber) => {
      interface Group {
        c2s: Subject<StreamData | StreamGap>;
        s2c: Subject<StreamData | StreamGap>;
        closed: Subject<StreamClose>;
      }
      const groups = new Map<number, Group>();
      const finish = (g: Group): void => {
        g.c2s.complete();
        g.s2c.complete();
        g.closed.complete();
      };
      const sub = source.subscribe({
        next: (ev) => {
          const id = ev.connection.id;
          if (ev.type === 'open') {
            const g: Group = { c2s: new Subject(), s2c: new Subject(), closed: new Subject() };
            groups.set(id, g);
            subscriber.next({ connection: ev.connection, c2s: g.c2s.asObservable(), s2c: g.s2c.asObservable(), closed: g.closed.asObservable() });
            return;
          }
          const g = groups.get(id);
          if (g === undefined) return;
          if (ev.type === 'close') {
            groups.delete(id);
            g.closed.next(ev);
            finish(g);
          } else g[ev.dir].next(ev);
        },
        error: (err) => {
          for (const g of groups.values()) {
            g.c2s.error(err);
            g.s2c.error(err);
            g.closed.error(err);
          }
          groups.clear();
          subscriber.error(err);
        },
        complete: () => {
          for (const g of groups.values()) finish(g);
          groups.clear();
          subscriber.complete();
        },
      });
      return () => {
        sub.unsubscribe();
        for (const g of groups.values()) finish(g);
        groups.clear();
      };
    });
}
