import type { StreamDissectorFactory } from '@netrx/core';
import type { TlsKeyStore } from './key-store.js';
import { TlsStreamDissector } from './tls-dissector.js';
import { probeTls } from './tls-probe.js';
import type { InnerDispatch } from './types.js';

/** Options of {@link createTlsDissectorFactory}. */
export interface TlsDissectorOptions {
  /** Where secrets come from. Without one, no connection is decrypted (each says why). */
  readonly keys?: TlsKeyStore;
  /**
   * What dissects the decrypted bytes (see {@link InnerDispatch}). By default the TCP stream
   * dispatch (`createStreamDispatch`): the ALPN's dissector from the `tls.alpn` table, else the
   * `tcp.port` table, else the `tcp` heuristics — never TLS itself. A protocol ALPN negotiated
   * that has no `tls.alpn` entry is not dispatched.
   */
  readonly inner?: InnerDispatch;
  /**
   * Most record bytes held per connection while its key (or its ServerHello) has not come
   * (default 4 MiB); past it the connection is given up as not decrypted.
   */
  readonly maxHeldBytes?: number;
  /** Most diagnostics kept per connection in its `tls.connection` event (default 16; all are counted). */
  readonly maxWarnings?: number;
}

/**
 * Makes the `tls` stream dissector factory (for the `tcp.port` table, the `tcp` heuristics and
 * decode-as rules) with these options. It resumes after gaps: the records a gap held are lost,
 * and the direction goes on at the next record that authenticates.
 *
 * @example
 * ```ts
 * const keys = new MemoryKeyStore();
 * keys.addKeyLog(readFileSync('keys.log', 'utf8'));
 * registry.table('tcp.port').add(8443, createTlsDissectorFactory({ keys }));
 * ```
 */
export function createTlsDissectorFactory(options: TlsDissectorOptions = {}): StreamDissectorFactory {
  const factory: StreamDissectorFactory = {
    name: 'tls',
    resumesAfterGap: true,
    probeBytes: 16,
    probe: probeTls,
    create: (ctx) => new TlsStreamDissector(ctx, options, factory),
  };
  return factory;
}
