import { NetrxError } from './errors.js';
import { Registry } from './registry.js';
import { CORE_VERSION, satisfies } from './version.js';

/**
 * A dissector plugin. Registration runs in two phases, as Wireshark's: first every plugin's
 * `register` declares the tables and heuristic lists it offers its children; then every plugin's
 * `handoff` attaches it to its parents (ports, upgrade tokens, heuristics).
 *
 * @example
 * ```ts
 * export const chatPlugin = definePlugin({
 *   name: 'chat',
 *   coreVersion: '^0.1.0',
 *   dependencies: ['websocket'],
 *   handoff(registry) {
 *     registry.table('ws.port').add(7272, chatDissector);
 *   },
 * });
 * ```
 */
export interface NetrxPlugin {
  /** Unique name. */
  readonly name: string;
  /** Range of `@netrx/core` versions supported (`^0.1.0`, `>=0.1.0 <2.0.0`). */
  readonly coreVersion: string;
  /** Names of plugins that must be registered too; they are set up first. */
  readonly dependencies?: readonly string[];
  /** Phase 1: declare tables and heuristic lists. */
  register?(registry: Registry): void;
  /** Phase 2: add own dissectors to parents' tables and lists. */
  handoff?(registry: Registry): void;
}

/** Checks a plugin definition's shape and returns it; for plugin modules to export. */
export function definePlugin<P extends NetrxPlugin>(plugin: P): P {
  if (typeof plugin?.name !== 'string' || plugin.name === '') {
    throw new NetrxError('ERR_PLUGIN_INVALID', 'a plugin needs a non-empty string name');
  }
  if (typeof plugin.coreVersion !== 'string') {
    throw new NetrxError('ERR_PLUGIN_INVALID', `plugin "${plugin.name}" needs a coreVersion range such as "^0.1.0"`);
  }
  return plugin;
}

/**
 * Registers plugins into a registry, in dependency order: checks names are unique, each supports
 * this core version and its dependencies are present, then runs every `register`, then every
 * `handoff`. Throws a {@link NetrxError} before touching the registry if any check fails.
 */
export function registerPlugins(registry: Registry, plugins: readonly NetrxPlugin[]): void {
  const byName = new Map<string, NetrxPlugin>();
  for (const p of plugins) {
    definePlugin(p);
    if (byName.has(p.name)) {
      throw new NetrxError('ERR_PLUGIN_DUPLICATE', `plugin "${p.name}" is registered twice`);
    }
    const ok = satisfies(CORE_VERSION, p.coreVersion);
    if (ok !== true) {
      throw new NetrxError(
        'ERR_PLUGIN_CORE_VERSION',
        ok === undefined
          ? `plugin "${p.name}" has an unreadable coreVersion range "${p.coreVersion}"`
          : `plugin "${p.name}" supports core ${p.coreVersion}, but this is core ${CORE_VERSION}`,
      );
    }
    byName.set(p.name, p);
  }
  for (const p of plugins) {
    for (const dep of p.dependencies ?? []) {
      if (!byName.has(dep)) {
        throw new NetrxError('ERR_PLUGIN_DEPENDENCY', `plugin "${p.name}" depends on "${dep}", which is not registered`);
      }
    }
  }
  const ordered = topoSort(plugins, byName);
  for (const p of ordered) p.register?.(registry);
  for (const p of ordered) p.handoff?.(registry);
}

function topoSort(plugins: readonly NetrxPlugin[], byName: Map<string, NetrxPlugin>): NetrxPlugin[] {
  const out: NetrxPlugin[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (p: NetrxPlugin, path: string[]): void => {
    const s = state.get(p.name);
    if (s === 'done') return;
    if (s === 'visiting') {
      throw new NetrxError('ERR_PLUGIN_DEPENDENCY', `plugin dependency cycle: ${[...path, p.name].join(' -> ')}`);
    }
    state.set(p.name, 'visiting');
    for (const dep of p.dependencies ?? []) visit(byName.get(dep)!, [...path, p.name]);
    state.set(p.name, 'done');
    out.push(p);
  };
  for (const p of plugins) visit(p, []);
  return out;
}

/** Creates a registry with these plugins registered: the way to set up a pipeline without DI. */
export function createRegistry(plugins: readonly NetrxPlugin[]): Registry {
  const registry = new Registry();
  registerPlugins(registry, plugins);
  return registry;
}
