import { Observable, type OperatorFunction } from 'rxjs';

/**
 * Items in stream order (`#0`, `#1`…): each waits until every connection seen before it has been
 * written. Connections are numbered in the order they are first seen and every one closes (at the
 * latest at the end of input), so what waits is bounded by the connections open at once. Items
 * without a stream number (totals) pass at once when nothing waits, else after what waits.
 */
export function inStreamOrder<T>(streamOf: (item: T) => number | undefined): OperatorFunction<T, T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      const waiting = new Map<number, T>();
      let next = 0;
      const flushAll = (): void => {
        for (const id of [...waiting.keys()].sort((a, b) => a - b)) subscriber.next(waiting.get(id)!);
        waiting.clear();
      };
      return source.subscribe({
        next(item) {
          const id = streamOf(item);
          if (id === undefined) {
            flushAll();
            subscriber.next(item);
            return;
          }
          waiting.set(id, item);
          for (let w = waiting.get(next); w !== undefined; w = waiting.get(next)) {
            waiting.delete(next++);
            subscriber.next(w);
          }
        },
        error: (err: unknown) => subscriber.error(err),
        complete() {
          // Numbers with no item (none expected) must not hold the rest back.
          flushAll();
          subscriber.complete();
        },
      });
    });
}
