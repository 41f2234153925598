/**
 * Chunk poisoning: bytes handed to a `write()`/`data()` call, or carried by an event, are views
 * valid only during the call (a capture source reuses its read buffer; the TCP reassembler hands
 * out views of packet payloads). These helpers make that true in tests: once the call returns,
 * the bytes are overwritten with {@link POISON}, so code that kept a view instead of a copy reads
 * 0xEE afterwards and the test that looks at what it kept fails.
 */
import { Observable, type MonoTypeOperatorFunction } from 'rxjs';

/** The byte a chunk is overwritten with once the call that got it returns. */
export const POISON = 0xee;

/**
 * Whether the helpers poison: always, unless `NETRX_POISON=0` runs the suite without the harness
 * (every test must pass both ways: poisoning only takes away bytes nobody may read).
 */
export const POISONING = process.env['NETRX_POISON'] !== '0';

/**
 * Calls `use` with a copy of `chunk` lying in the middle of a larger buffer of its own (as a
 * capture source's read buffer holds it) and, when `poison` (the default), fills that whole
 * buffer with {@link POISON} once `use` returns. The caller's `chunk` is never written, so a test
 * may feed the same bytes again.
 */
export function withPoisonedChunk<T>(chunk: Uint8Array, use: (view: Uint8Array) => T, poison = true): T {
  const backing = new Uint8Array(chunk.length + 16).fill(POISON);
  const view = backing.subarray(8, 8 + chunk.length);
  view.set(chunk);
  const result = use(view);
  if (poison && POISONING) backing.fill(POISON);
  return result;
}

/**
 * `fn` wrapped so that its argument at `index` (a chunk) is handed over as a copy that is
 * poisoned once `fn` returns ({@link withPoisonedChunk}). For a method, bind it first:
 * `tls.data = poisonArgument(tls.data.bind(tls), 1)`.
 */
export function poisonArgument<A extends unknown[], R>(fn: (...args: A) => R, index: number): (...args: A) => R {
  return (...args: A): R => {
    const chunk = args[index];
    if (!(chunk instanceof Uint8Array)) return fn(...args);
    return withPoisonedChunk(chunk, (view) => {
      const copy = [...args] as A;
      copy[index] = view;
      return fn(...copy);
    });
  };
}

/**
 * Replaces `obj[method]` (a `write`/`data`-style method) with one whose argument at `index` is
 * poisoned after each call ({@link poisonArgument}); returns `obj`.
 */
export function poisonMethod<O extends object, K extends keyof O>(obj: O, method: K, index: number): O {
  const fn = obj[method] as unknown as (...args: unknown[]) => unknown;
  (obj as Record<K, unknown>)[method] = poisonArgument(fn.bind(obj), index);
  return obj;
}

/**
 * An operator for observables whose values carry views: each value is passed on unchanged and,
 * once the (synchronous) downstream has handled it, the bytes `viewsOf` picks from it are
 * overwritten IN PLACE with {@link POISON}. Put it right after the stage whose output is valid
 * only during the call (after a source for packets, after `reassembleTcp` for data events); the
 * bytes must belong to the run (a source's buffers), not to a fixture the test reuses.
 */
export function poisonViews<T>(viewsOf: (value: T) => Uint8Array | undefined): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) =>
      source.subscribe({
        next(value) {
          subscriber.next(value);
          if (POISONING) viewsOf(value)?.fill(POISON);
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => subscriber.complete(),
      }),
    );
}
