// Test helpers: a TLS dissector on a fake connection, with a recording inner dissector.
import {
  corePlugin,
  createRegistry,
  type AppEvent,
  type Connection,
  type Direction,
  type MemoryBudget,
  type StreamContext,
  type StreamDissector,
  type StreamDissectorFactory,
} from '@netrx/core';
import { tcpPlugin } from '@netrx/dissector-tcp';
import { poisonMethod } from '../../../../test-support/poison.js';
import { TlsStreamDissector } from '../tls-dissector.js';
import type { TlsDissectorOptions } from '../tls-dissector-factory.js';
import type { InnerDispatch, TlsConnection, TlsConnectionEvent } from '../types.js';

export const connection: Connection = {
  id: 7,
  family: 4,
  client: { address: '10.0.0.1', port: 50000 },
  server: { address: '10.0.0.2', port: 443 },
  clientBy: 'syn',
};

/** What the inner dissector was given, per direction, in order. */
export interface Recorded {
  readonly chunks: Record<Direction, Buffer[]>;
  readonly gaps: Record<Direction, number[]>;
  /** The contexts dispatch was called with (one per connection). */
  readonly contexts: StreamContext[];
  readonly preferred: (StreamDissectorFactory | undefined)[];
  ended: boolean;
  /** Everything in order: data sizes and gaps. */
  readonly log: [kind: 'data' | 'gap', dir: Direction, length: number][];
  bytes(dir: Direction): Buffer;
}

/** An {@link InnerDispatch} that records everything. */
export function recorder(): { inner: InnerDispatch; rec: Recorded } {
  const rec: Recorded = {
    chunks: { c2s: [], s2c: [] },
    gaps: { c2s: [], s2c: [] },
    contexts: [],
    preferred: [],
    ended: false,
    log: [],
    bytes(dir) {
      return Buffer.concat(this.chunks[dir]);
    },
  };
  const inner: InnerDispatch = (ctx, preferred) => {
    rec.contexts.push(ctx);
    rec.preferred.push(preferred);
    const d: StreamDissector = {
      data(dir, bytes) {
        rec.chunks[dir].push(Buffer.from(bytes));
        rec.log.push(['data', dir, bytes.length]);
      },
      gap(dir, length) {
        rec.gaps[dir].push(length);
        rec.log.push(['gap', dir, length]);
      },
      end() {
        rec.ended = true;
      },
    };
    return d;
  };
  return { inner, rec };
}

/** A TLS dissector on {@link connection}, its events and its recorder; `budget` is its context's memory budget. */
export function tlsSession(options: TlsDissectorOptions = {}, budget?: MemoryBudget): {
  tls: TlsStreamDissector;
  events: AppEvent[];
  rec: Recorded;
  summary(): TlsConnectionEvent;
  innerConnection(): TlsConnection;
} {
  const { inner, rec } = recorder();
  const events: AppEvent[] = [];
  const registry = createRegistry([corePlugin, tcpPlugin]);
  // What HTTP's plugin adds when TLS is registered: ALPN `http/1.1` names a dissector.
  registry.addTable<StreamDissectorFactory>('tls.alpn').add('http/1.1', { name: 'http', resumesAfterGap: true, create: () => ({ data() {}, gap() {}, end() {} }) });
  const ctx: StreamContext = {
    connection,
    registry,
    ...(budget && { budget }),
    emit: (e) => events.push(e),
    switchTo: () => {
      throw new Error('TLS never switches');
    },
  };
  // Every chunk given to data() is poisoned once the call returns (bytes are views valid only
  // during it): the record parser, the handshake reassembler and the gap resync must copy what
  // they hold across calls.
  const tls = poisonMethod(new TlsStreamDissector(ctx, { inner, ...options }), 'data', 1);
  return {
    tls,
    events,
    rec,
    summary: () => {
      const s = events.filter((e): e is TlsConnectionEvent => e.type === 'tls.connection');
      if (s.length !== 1) throw new Error(`${s.length} tls.connection events`);
      return s[0]!;
    },
    innerConnection: () => rec.contexts[0]!.connection as TlsConnection,
  };
}
