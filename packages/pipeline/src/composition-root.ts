// The composition root: the one place netrx uses dependency injection. tsyringe's decorators
// need the Reflect metadata polyfill loaded before tsyringe; only this module loads it.
import 'reflect-metadata';
import { container as rootContainer, inject, injectable, injectAll, type DependencyContainer } from 'tsyringe';
import { defer, type Observable, type OperatorFunction } from 'rxjs';
import { createRegistry, dissect, monotonicClock } from '@netrx/core';
import type { AppEvent, CapturedFrame, Clock, NetrxPlugin, Packet, Registry, StreamEvent } from '@netrx/core';
import { dissectStreams } from '@netrx/dissector-tcp';
import { MemoryKeyStore, type KeyLogFile, type TlsKeyStore } from '@netrx/dissector-tls';
import { createDefaultPlugins } from './default-plugins.js';
import { frameStreams } from './frame-streams.js';
import { openFrames } from './open-frames.js';
import type { FrameSourceOptions, PipelineOptions } from './pipeline-options.js';
import { openKeyLogs, secretsInto } from './pipeline-keys.js';
import { Tokens } from './tokens.js';

/**
 * One pipeline: its registry (built once from its plugins and decode-as rules), options, clock
 * and TLS key store, and the stages of the default chain — frames → {@link Pipeline.packets} →
 * {@link Pipeline.streams} → {@link Pipeline.events} — each a plain RxJS operator over this
 * pipeline's registry. Get one from {@link createPipeline} (which resolves it from a container of
 * its own), or construct it directly: it needs no container.
 *
 * Every subscription to a stage starts fresh state (connections, reassembly); the registry is
 * shared and only read while packets flow. The key store is the pipeline's for its whole life:
 * key log files (`options.keylog`) are read into it, and so are the Decryption Secrets Blocks of
 * every pcapng file {@link Pipeline.frames} reads; the TLS plugin of {@link createDefaultPlugins}
 * decrypts with it.
 *
 * @example
 * ```ts
 * import { MemoryKeyStore } from '@netrx/dissector-tls';
 * import { Pipeline, createDefaultPlugins } from '@netrx/pipeline';
 *
 * const keys = new MemoryKeyStore();
 * const pipeline = new Pipeline(createDefaultPlugins(keys), { file: 'examples/chat-server/capture/chat.pcap' }, undefined, keys);
 * pipeline.frames().pipe(pipeline.streams()).subscribe((ev) => console.log(ev.type, ev.connection.id));
 * ```
 */
@injectable()
export class Pipeline {
  /** The registry every stage of this pipeline dissects with. */
  readonly registry: Registry;
  /** The key log files of `options.keylog`, in order, re-read as they grow. */
  readonly keyLogFiles: readonly KeyLogFile[];

  /**
   * @param plugins - every plugin to register ({@link createPipelineContainer} gathers them from
   *   the options and the container; `options.plugins` and `options.extraPlugins` are not read here)
   * @param options - the source and the options of each stage; `options.decodeAs` is applied to the registry
   * @param clock - what stamps live frames that come without kernel timestamps
   * @param keys - where TLS secrets go and come from: key log files (`options.keylog`) and the
   *   Decryption Secrets Blocks of capture files are read into it (a new {@link MemoryKeyStore}
   *   when omitted); give the same store to the TLS plugin among `plugins`
   *
   * Throws `ERR_INVALID_OPTION` for key log files with a store that cannot read them.
   */
  constructor(
    @injectAll(Tokens.Plugin, { isOptional: true }) readonly plugins: readonly NetrxPlugin[],
    @inject(Tokens.PipelineOptions) readonly options: PipelineOptions = {},
    @inject(Tokens.Clock) readonly clock: Clock = monotonicClock,
    @inject(Tokens.KeyStore) readonly keys: TlsKeyStore = new MemoryKeyStore(),
  ) {
    this.registry = createRegistry(plugins);
    for (const rule of options.decodeAs ?? []) this.registry.addDecodeAs(rule);
    this.keyLogFiles = openKeyLogs(options.keylog, keys);
  }

  /**
   * The frames of `source` (the pipeline's own options unless given) through {@link openFrames},
   * with this pipeline's clock; the TLS key logs a pcapng file carries (Decryption Secrets
   * Blocks) go to the pipeline's key store as they are read, then to `fileOptions.onSecrets`.
   * Throws `ERR_INVALID_OPTION` unless exactly one of a file and live options is given.
   */
  frames(source: FrameSourceOptions = this.options): Observable<CapturedFrame> {
    if (source.file === undefined) return openFrames(source, this.clock);
    const onSecrets = secretsInto(this.keys, source.fileOptions?.onSecrets);
    return openFrames({ ...source, fileOptions: { ...source.fileOptions, onSecrets } }, this.clock);
  }

  /** Frames to packets: `dissect()` with this pipeline's registry and `options.dissect`. */
  packets(): OperatorFunction<CapturedFrame, Packet> {
    return dissect(this.registry, this.options.dissect);
  }

  /**
   * Frames to TCP stream events: {@link Pipeline.packets}, then `reassembleTcp()` with
   * `options.tcp` — fused into one stage ({@link frameStreams}) that makes no packet object per frame.
   */
  streams(): OperatorFunction<CapturedFrame, StreamEvent> {
    return frameStreams(this.registry, this.options.dissect, this.options.tcp);
  }

  /** Frames to application events: {@link Pipeline.streams}, then {@link Pipeline.appEvents}. */
  events(): OperatorFunction<CapturedFrame, AppEvent> {
    const streams = this.streams();
    const dispatch = this.appEvents();
    return (frames) => frames.pipe(streams, dispatch);
  }

  /**
   * TCP stream events to application events: `dissectStreams()` with this pipeline's registry and
   * `options.streams` — the last stage of {@link Pipeline.events} alone, for a chain that wraps it
   * (the inspector passes each connection's open and close through beside what it yields).
   *
   * @example
   * ```ts
   * import { keepConnectionEvents } from '@netrx/inspector';
   *
   * pipeline.frames().pipe(pipeline.streams(), keepConnectionEvents(pipeline.appEvents()));
   * ```
   */
  appEvents(): OperatorFunction<StreamEvent, AppEvent> {
    return dissectStreams(this.registry, this.options.streams);
  }

  /**
   * The whole default chain over the pipeline's own source: {@link Pipeline.frames} through
   * {@link Pipeline.events}. A missing or doubled source errors the observable; each
   * subscription reads the source again.
   */
  capture(): Observable<AppEvent> {
    return defer(() => this.frames()).pipe(this.events());
  }
}

/**
 * The container of one pipeline, a child of `options.container` (tsyringe's root container when
 * omitted): {@link Tokens.KeyStore} (the parent's, resolved once, or a new {@link MemoryKeyStore}),
 * {@link Tokens.Plugin} once per plugin (`options.plugins` or {@link createDefaultPlugins} with
 * that key store, then `options.extraPlugins`, then the plugins registered in the parent),
 * {@link Tokens.PipelineOptions}, {@link Tokens.Clock} ({@link monotonicClock} unless the
 * parent has one), and {@link Pipeline} with its {@link Tokens.Registry}, each resolved once.
 * Nothing is registered in the parent.
 *
 * @example
 * ```ts
 * const c = createPipelineContainer({ file: 'x.pcap', decodeAs: ['tcp.port==7272,websocket'] });
 * const registry = c.resolve<Registry>(Tokens.Registry);
 * ```
 */
export function createPipelineContainer(options: PipelineOptions = {}): DependencyContainer {
  const parent = options.container ?? rootContainer;
  const c = parent.createChildContainer();
  // A child's registrations of a token hide its parent's: gather the parent's plugins here.
  const inherited = parent.isRegistered(Tokens.Plugin, true) ? parent.resolveAll<NetrxPlugin>(Tokens.Plugin) : [];
  // One store per pipeline, shared by its TLS plugin, its key log files and its file reader.
  const keys = parent.isRegistered(Tokens.KeyStore, true) ? parent.resolve<TlsKeyStore>(Tokens.KeyStore) : new MemoryKeyStore();
  c.register(Tokens.KeyStore, { useValue: keys });
  for (const plugin of [...(options.plugins ?? createDefaultPlugins(keys)), ...(options.extraPlugins ?? []), ...inherited]) {
    c.register(Tokens.Plugin, { useValue: plugin });
  }
  c.register(Tokens.PipelineOptions, { useValue: options });
  if (!parent.isRegistered(Tokens.Clock, true)) c.register(Tokens.Clock, { useValue: monotonicClock });
  c.registerSingleton(Pipeline);
  c.register(Tokens.Registry, { useFactory: (dc) => dc.resolve(Pipeline).registry });
  return c;
}

/**
 * A container for your own registrations ({@link Tokens}: a clock, a key store, extra plugins), to pass as
 * {@link PipelineOptions.container} to any number of pipelines: a child of tsyringe's root
 * container, so nothing you register is global. (This package loads the `reflect-metadata`
 * polyfill tsyringe needs; import tsyringe yourself only after it.)
 *
 * @example
 * ```ts
 * import { Tokens, createContainer, createPipeline } from '@netrx/pipeline';
 *
 * const mine = createContainer();
 * mine.register(Tokens.Clock, { useValue: { now: () => 1_700_000_000_000_000_000n } });
 * const pipeline = createPipeline({ live: { device: 'lo' }, container: mine });
 * ```
 */
export function createContainer(): DependencyContainer {
  return rootContainer.createChildContainer();
}

/**
 * Builds a pipeline from a container of its own ({@link createPipelineContainer}): the plugins,
 * options and clock are resolved once, here; the stages never touch the container. Throws a
 * `NetrxError` for a plugin set that cannot register (duplicates, missing dependencies) or a bad
 * decode-as rule.
 *
 * @example
 * ```ts
 * import { createPipeline } from '@netrx/pipeline';
 * import { websocketMessages } from '@netrx/dissector-websocket';
 *
 * const pipeline = createPipeline({ file: 'examples/chat-server/capture/chat.pcap' });
 * pipeline.capture().pipe(websocketMessages()).subscribe((m) => console.log(m.dir, m.text));
 * ```
 */
export function createPipeline(options: PipelineOptions = {}): Pipeline {
  return createPipelineContainer(options).resolve(Pipeline);
}
