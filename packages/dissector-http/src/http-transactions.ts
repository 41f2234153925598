import { Observable, type OperatorFunction } from 'rxjs';
import type { AppEvent, Connection } from '@netrx/core';
import type { HttpRequest, HttpResponse } from './types.js';

/** A request and its response on one connection, with timings. */
export interface HttpTransaction {
  readonly connection: Connection;
  /** Absent when the response's request was not captured (a capture that began midstream). */
  readonly request?: HttpRequest;
  /** Absent when no response came before the connection's dissection ended or the input completed. */
  readonly response?: HttpResponse;
  /** Interim `1xx` responses (100 Continue, 103 Early Hints) that came before the final one. */
  readonly informational: readonly HttpResponse[];
  /** Packet time of the request's first byte (or the response's, without a request), ns since the epoch. */
  readonly startTs: bigint;
  /** Packet time of the response's last byte (or the request's, without a response). */
  readonly endTs: bigint;
  /** `endTs - startTs` in nanoseconds: request first byte to response last byte. */
  readonly duration: bigint;
}

/** Options of {@link httpTransactions}. */
export interface HttpTransactionsOptions {
  /** Most unanswered requests kept per connection (default 1024); older ones are emitted unanswered. */
  readonly maxPendingPerConnection?: number;
  /**
   * Most connections with requests in flight (default 65536). Events carry no close, so a
   * connection whose last requests are never answered is forgotten, oldest first, past this cap:
   * its requests are emitted unanswered.
   */
  readonly maxConnections?: number;
}

interface Pending {
  readonly request: HttpRequest;
  readonly informational: HttpResponse[];
}

function transaction(connection: Connection, request: HttpRequest | undefined, response: HttpResponse | undefined, informational: readonly HttpResponse[]): HttpTransaction {
  const startTs = request?.firstTs ?? response!.firstTs;
  const endTs = response?.lastTs ?? request!.lastTs;
  return { connection, request, response, informational, startTs, endTs, duration: endTs - startTs };
}

/**
 * Pairs `http.request` and `http.response` events into transactions, per connection, in the
 * order the responses complete. Requests never answered are emitted without a response when
 * their connection's dissection fails (`stream.error`), when a later response shows they were
 * skipped, or when the input completes. State is kept only for connections with requests in
 * flight, and freed when the subscription ends.
 *
 * @example
 * ```ts
 * fromCaptureFile('web.pcap').pipe(dissect(registry), reassembleTcp(registry), dissectStreams(registry), httpTransactions())
 *   .subscribe((t) => console.log(t.request?.target, t.response?.status, Number(t.duration) / 1e6, 'ms'));
 * ```
 */
export function httpTransactions(options: HttpTransactionsOptions = {}): OperatorFunction<AppEvent, HttpTransaction> {
  const maxPending = options.maxPendingPerConnection ?? 1024;
  const maxConnections = options.maxConnections ?? 65536;
  return (source) =>
    new Observable<HttpTransaction>((subscriber) => {
      const inFlight = new Map<number, Pending[]>();
      const flush = (connection: Connection, list: readonly Pending[]): void => {
        for (const p of list) subscriber.next(transaction(connection, p.request, undefined, p.informational));
      };
      const sub = source.subscribe({
        next(event) {
          switch (event.type) {
            case 'http.request': {
              const id = event.connection.id;
              let list = inFlight.get(id);
              if (!list) {
                if (inFlight.size >= maxConnections) {
                  // A Map iterates in insertion order: the first entry is the longest waiting.
                  const [oldId, oldList] = inFlight.entries().next().value!;
                  inFlight.delete(oldId);
                  flush(oldList[0]!.request.connection, oldList);
                }
                inFlight.set(id, (list = []));
              }
              if (list.length >= maxPending) flush(event.connection, list.splice(0, 1));
              list.push({ request: event, informational: [] });
              return;
            }
            case 'http.response': {
              const id = event.connection.id;
              const list = inFlight.get(id);
              const at = event.request && list ? list.findIndex((p) => p.request === event.request) : -1;
              const s = event.status;
              if (s >= 100 && s < 200 && s !== 101) {
                if (at >= 0) list![at]!.informational.push(event);
                else subscriber.next(transaction(event.connection, event.request, event, []));
                return;
              }
              if (at < 0) {
                subscriber.next(transaction(event.connection, event.request, event, []));
                return;
              }
              // Requests before this one were never answered (their responses fell into a gap).
              flush(event.connection, list!.splice(0, at));
              const p = list!.shift()!;
              if (list!.length === 0) inFlight.delete(id);
              subscriber.next(transaction(event.connection, p.request, event, p.informational));
              return;
            }
            case 'stream.error': {
              const list = inFlight.get(event.connection.id);
              if (list) {
                inFlight.delete(event.connection.id);
                flush(event.connection, list);
              }
              return;
            }
            default:
              return;
          }
        },
        error(err) {
          subscriber.error(err);
        },
        complete() {
          for (const list of inFlight.values()) if (list[0]) flush(list[0].request.connection, list);
          inFlight.clear();
          subscriber.complete();
        },
      });
      return () => {
        sub.unsubscribe();
        inFlight.clear();
      };
    });
}
