import 'reflect-metadata';
import { container as rootContainer, injectable, injectAll, instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import type { NetrxPlugin } from './plugin.js';
import { registerPlugins } from './plugin.js';
import { Registry } from './registry.js';

/** A source of "now" in nanoseconds since the epoch; injectable so tests can fix time. */
export interface Clock {
  /** Nanoseconds since the Unix epoch. */
  now(): bigint;
}

const anchorWall = BigInt(Date.now()) * 1_000_000n;
const anchorMono = process.hrtime.bigint();

/**
 * Wall-clock time that never goes backwards: a monotonic clock anchored once to wall time. Live
 * sources that get no kernel timestamps (the `cap` backend) stamp packets with it on arrival.
 */
export const monotonicClock: Clock = {
  now: () => anchorWall + (process.hrtime.bigint() - anchorMono),
};

/** DI tokens. Per-packet and per-flow objects are never resolved through the container. */
export const Tokens = {
  /** Every registered {@link NetrxPlugin} (resolved with `@injectAll`). */
  Plugin: Symbol.for('netrx.Plugin'),
  /** The pipeline's {@link Registry}, with all plugins registered. */
  Registry: Symbol.for('netrx.Registry'),
  /** The pipeline's options object (whatever the application passes). */
  Options: Symbol.for('netrx.Options'),
  /** The pipeline's {@link Clock}. */
  Clock: Symbol.for('netrx.Clock'),
} as const;

/** Builds the registry from every plugin registered in the container. */
@injectable()
export class RegistryBuilder {
  constructor(@injectAll(Tokens.Plugin) private readonly plugins: NetrxPlugin[]) {}

  /** A new registry with every plugin registered. */
  build(): Registry {
    const registry = new Registry();
    registerPlugins(registry, this.plugins);
    return registry;
  }
}

/** What {@link createPipelineContainer} needs. */
export interface PipelineContainerOptions {
  /** The plugins of the pipeline. */
  readonly plugins: readonly NetrxPlugin[];
  /** Decode-as rules applied once the plugins are registered (`tcp.port==7272,websocket`). */
  readonly decodeAs?: readonly string[];
  /** The pipeline's options, resolved as {@link Tokens.Options}. */
  readonly options?: unknown;
  /** The clock; {@link monotonicClock} by default. */
  readonly clock?: Clock;
  /** Parent container; the tsyringe root container by default. Nothing is registered in it. */
  readonly parent?: DependencyContainer;
}

/**
 * Creates the child container for one pipeline: plugins, options and clock registered in it, and
 * the {@link Registry} built from the plugins on first resolve. Nothing goes into the parent.
 *
 * @example
 * ```ts
 * const c = createPipelineContainer({ plugins: [corePlugin, tcpPlugin] });
 * const registry = c.resolve<Registry>(Tokens.Registry);
 * ```
 */
export function createPipelineContainer(opts: PipelineContainerOptions): DependencyContainer {
  const c = (opts.parent ?? rootContainer).createChildContainer();
  for (const p of opts.plugins) c.register(Tokens.Plugin, { useValue: p });
  c.register(Tokens.Options, { useValue: opts.options ?? {} });
  c.register(Tokens.Clock, { useValue: opts.clock ?? monotonicClock });
  c.register(Tokens.Registry, {
    useFactory: instanceCachingFactory((dc) => {
      const registry = dc.resolve(RegistryBuilder).build();
      for (const rule of opts.decodeAs ?? []) registry.addDecodeAs(rule);
      return registry;
    }),
  });
  return c;
}
