import { corePlugin, createRegistry, type NetrxPlugin, type Registry } from '@netrx/core';
import { tcpPlugin } from '@netrx/dissector-tcp';
import { httpPlugin } from '@netrx/dissector-http';
import { websocketPlugin } from '@netrx/dissector-websocket';
import type { CliArgs } from './args.js';

/** The plugins `netrx` registers: the base dissectors, TCP, HTTP/1.1 and WebSocket. */
export const defaultPlugins: readonly NetrxPlugin[] = [corePlugin, tcpPlugin, httpPlugin, websocketPlugin];

/** The registry a command uses: the default plugins plus the command line's decode-as rules. */
export function createCliRegistry(args: Pick<CliArgs, 'decodeAs'>): Registry {
  const registry = createRegistry(defaultPlugins);
  for (const rule of args.decodeAs) registry.addDecodeAs(rule);
  return registry;
}
