import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NetrxError, definePlugin, type NetrxPlugin } from '@netrx/core';

/** Whether `v` has the shape of a plugin definition (a name and a core version range). */
function looksLikePlugin(v: unknown): v is NetrxPlugin {
  return typeof v === 'object' && v !== null && typeof (v as NetrxPlugin).name === 'string' && typeof (v as NetrxPlugin).coreVersion === 'string';
}

/**
 * Loads the plugin modules `--plugin FILE` names (relative to the working directory), in order.
 * A module gives its plugins as its default export — a plugin, a list of plugins, or a function
 * returning either (called without arguments) — or, without a default export, as named exports
 * that are plugins. Each is checked as built-in plugins are ({@link definePlugin}); the registry
 * then checks names, core versions and dependencies when the pipeline is built.
 *
 * Throws `ERR_INVALID_OPTION` for a file that is not there and `ERR_PLUGIN_INVALID` for a module
 * that fails to load or exports no plugin.
 */
export async function loadPlugins(files: readonly string[]): Promise<NetrxPlugin[]> {
  const plugins: NetrxPlugin[] = [];
  for (const file of files) {
    const path = resolve(file);
    if (!existsSync(path)) throw new NetrxError('ERR_INVALID_OPTION', `--plugin ${file}: no such file (${path})`);
    let module: Record<string, unknown>;
    try {
      module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    } catch (err) {
      // Node resolves the module's imports from its own folder, not from netrx's.
      const netrx = /Cannot find (?:package|module) '(@netrx\/[^'/]+)/.exec((err as Error).message)?.[1];
      const hint = netrx === undefined ? '' : ` — a plugin's imports resolve from its own folder: install ${netrx} in its project, or import nothing from @netrx (docs/writing-a-dissector.md, "Loading a plugin with --plugin")`;
      throw new NetrxError('ERR_PLUGIN_INVALID', `--plugin ${file}: the module did not load: ${(err as Error).message}${hint}`, { cause: err });
    }
    let found: unknown[];
    if (module['default'] !== undefined) {
      let d: unknown = module['default'];
      if (typeof d === 'function') {
        try {
          d = (d as () => unknown)();
        } catch (err) {
          throw new NetrxError('ERR_PLUGIN_INVALID', `--plugin ${file}: its default export threw when called: ${(err as Error).message}`, { cause: err });
        }
      }
      found = Array.isArray(d) ? d : [d];
      const wrong = found.find((p) => !looksLikePlugin(p));
      if (wrong !== undefined || found.length === 0) {
        throw new NetrxError('ERR_PLUGIN_INVALID', `--plugin ${file}: the default export is not a plugin (an object with name and coreVersion, as definePlugin() makes)`);
      }
    } else {
      found = Object.values(module).filter(looksLikePlugin);
      if (found.length === 0) {
        throw new NetrxError('ERR_PLUGIN_INVALID', `--plugin ${file}: the module exports no plugin: export default definePlugin({ name, coreVersion, handoff(registry) { … } })`);
      }
    }
    for (const p of found) plugins.push(definePlugin(p as NetrxPlugin));
  }
  return plugins;
}
