// Types for the doc links only.
import type { Clock, MemoryBudget, NetrxPlugin, Registry, monotonicClock } from '@netrx/core';
import type { MemoryKeyStore, TlsKeyStore } from '@netrx/dissector-tls';
import type { createContainer, createPipelineContainer } from './composition-root.js';
import type { createDefaultPlugins } from './default-plugins.js';
import type { PipelineOptions } from './pipeline-options.js';

/**
 * The injection tokens of a pipeline's container (see {@link createPipelineContainer}). Register
 * your own value for one in a container you pass as {@link PipelineOptions.container} (make one
 * with {@link createContainer}) to swap it for every pipeline built from that container. Per-packet and per-connection objects are never
 * resolved through the container: it is read once, when the pipeline is built.
 *
 * Symbols from `Symbol.for`, so two copies of this package in one application share them.
 *
 * @example
 * ```ts
 * import { Tokens, capture, createContainer } from '@netrx/pipeline';
 *
 * const mine = createContainer();
 * mine.register(Tokens.Clock, { useValue: { now: () => 1_700_000_000_000_000_000n } });
 * mine.register(Tokens.Plugin, { useValue: myPlugin });   // added to the default plugins
 * capture({ live: { device: 'lo' }, container: mine });
 * ```
 */
export const Tokens = {
  /**
   * One {@link NetrxPlugin} per registration; the pipeline takes them all
   * (`@injectAll`). Registrations in a container you pass are added to the pipeline's own
   * plugins (the default set, or {@link PipelineOptions.plugins}, plus
   * {@link PipelineOptions.extraPlugins}).
   */
  Plugin: Symbol.for('netrx.Plugin'),
  /** The pipeline's {@link Registry}, built once from every plugin and the decode-as rules. */
  Registry: Symbol.for('netrx.Registry'),
  /** The options the pipeline was built with ({@link PipelineOptions}). */
  PipelineOptions: Symbol.for('netrx.PipelineOptions'),
  /**
   * The pipeline's {@link Clock}: what stamps live frames that come without kernel
   * timestamps. {@link monotonicClock} unless a container you pass has one.
   */
  Clock: Symbol.for('netrx.Clock'),
  /**
   * The pipeline's TLS key store ({@link TlsKeyStore}): where the TLS plugin of
   * {@link createDefaultPlugins} finds each connection's secrets, and where key log files
   * (`keylog` option) and the Decryption Secrets Blocks of pcapng files go. A new
   * {@link MemoryKeyStore} per pipeline unless a container you pass has one: register your own
   * (a `MemoryKeyStore` your application feeds from Node's `'keylog'` events, or any object with
   * `get(clientRandom)`) to feed or swap it.
   */
  KeyStore: Symbol.for('netrx.KeyStore'),
  /**
   * The pipeline's {@link MemoryBudget}: what IP fragments, TCP reassembly and the stream
   * dissectors draw on. A new one of {@link PipelineOptions.memory} bytes per pipeline unless a
   * container you pass has one: register your own to share one budget among several pipelines.
   */
  MemoryBudget: Symbol.for('netrx.MemoryBudget'),
} as const;
