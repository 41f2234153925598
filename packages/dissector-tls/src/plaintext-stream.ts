import {
  copyBytes,
  type AppEvent,
  type Direction,
  type Registry,
  type StreamContext,
  type StreamDissector,
  type StreamDissectorFactory,
} from '@netrx/core';
import type { InnerDispatch, TlsConnection } from './types.js';

/**
 * The decrypted byte stream of one TLS connection, as the next dissector sees it: its
 * {@link StreamContext} (the {@link TlsConnection}, the outer context's registry and emit) and
 * the dissector {@link InnerDispatch} chose. A `switchTo` made by that dissector (HTTP after a
 * `101`) is applied when its call returns, with the leftovers delivered first, as the TCP
 * dispatcher does. A dissector that throws is stopped (a `stream.error`); TLS goes on.
 *
 * @internal
 */
export class PlaintextStream implements StreamContext {
  readonly registry: Registry;
  private dissector: StreamDissector | undefined;
  private name: string;
  private switching: { factory: StreamDissectorFactory; init: unknown; leftover?: Partial<Record<Direction, Uint8Array>> } | undefined;
  private stopped = false;

  constructor(
    private readonly outer: StreamContext,
    readonly connection: TlsConnection,
    dispatch: InnerDispatch,
    preferred: StreamDissectorFactory | undefined,
  ) {
    this.registry = outer.registry;
    this.name = preferred?.name ?? 'dispatch';
    try {
      this.dissector = dispatch(this, preferred);
    } catch (err) {
      this.fail('c2s', 'create', err, 0n, 0);
    }
  }

  emit(event: AppEvent): void {
    this.outer.emit(event);
  }

  switchTo(factory: StreamDissectorFactory, init: unknown, leftover?: Partial<Record<Direction, Uint8Array>>): void {
    // Leftovers are views valid only during the running call: keep copies.
    this.switching = { factory, init, leftover: leftover && { c2s: leftover.c2s && copyBytes(leftover.c2s), s2c: leftover.s2c && copyBytes(leftover.s2c) } };
  }

  /** Delivers plaintext bytes of one direction (a view valid during the call). */
  data(dir: Direction, bytes: Uint8Array, ts: bigint, frame: number): void {
    if (this.stopped || this.dissector === undefined) return;
    try {
      this.dissector.data(dir, bytes, ts, frame);
    } catch (err) {
      this.fail(dir, 'data', err, ts, frame);
      return;
    }
    if (this.switching) this.applySwitch(ts, frame);
  }

  /** `length` plaintext bytes (an estimate: TLS hides the exact count) of `dir` are missing. */
  gap(dir: Direction, length: number, ts: bigint, frame: number): void {
    if (this.stopped || this.dissector === undefined) return;
    try {
      this.dissector.gap(dir, length, ts, frame);
    } catch (err) {
      this.fail(dir, 'gap', err, ts, frame);
      return;
    }
    if (this.switching) this.applySwitch(ts, frame);
  }

  /** The connection ended. */
  end(ts: bigint, frame: number): void {
    if (this.stopped || this.dissector === undefined) return;
    try {
      this.dissector.end(ts, frame);
    } catch (err) {
      this.fail('c2s', 'end', err, ts, frame);
    }
    this.stopped = true;
  }

  private applySwitch(ts: bigint, frame: number): void {
    const { factory, init, leftover } = this.switching!;
    this.switching = undefined;
    this.name = factory.name;
    try {
      this.dissector = factory.create(this, init);
    } catch (err) {
      this.fail('c2s', 'create', err, ts, frame);
      return;
    }
    for (const dir of ['c2s', 's2c'] as const) {
      const first = leftover?.[dir];
      if (first !== undefined && first.length > 0) this.data(dir, first, ts, frame);
    }
  }

  private fail(dir: Direction, what: string, err: unknown, ts: bigint, frame: number): void {
    this.stopped = true;
    this.dissector = undefined;
    this.outer.emit({
      type: 'stream.error',
      connection: this.connection,
      dir,
      firstTs: ts,
      lastTs: ts,
      firstFrame: frame,
      lastFrame: frame,
      dissector: this.name,
      diagnostic: { code: 'ERR_TCP_DISSECTOR_THREW', severity: 'error', message: `${this.name}.${what} threw: ${err instanceof Error ? err.message : String(err)}` },
    });
  }
}
