import { createRequire } from 'node:module';
import { NetrxError } from '@netrx/core';
import { DisplayFilterError } from '@netrx/pipeline';
import { parseArgs, type CliArgs } from './args.js';
import { helpFor, USAGE } from './help.js';
import type { CliIO } from './output.js';

/** A subcommand: runs with parsed arguments and returns the exit status. */
export type Command = (args: CliArgs, io: CliIO) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  packets: async () => (await import('./commands/packets.js')).packets,
  tcp: async () => (await import('./commands/tcp.js')).tcp,
  http: async () => (await import('./commands/http.js')).http,
  ws: async () => (await import('./commands/ws.js')).ws,
  tls: async () => (await import('./commands/tls.js')).tls,
  devices: async () => (await import('./commands/devices.js')).devices,
  stats: async () => (await import('./commands/stats.js')).stats,
  ui: async () => (await import('./commands/ui.js')).ui,
};

export { USAGE } from './help.js';

/** netrx's version, from this package's package.json. */
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/**
 * Errors from netrx's catalogues (`NetrxError`, `@netrx/sink-redis`'s `RedisSinkError`): their
 * message says what happened and what to do, so it is printed alone. Anything else is a bug and
 * shows its stack. Matched by name, so the Redis client is loaded only by runs that use it.
 */
const CATALOGUE_ERRORS = new Set(['NetrxError', 'RedisSinkError']);

/** Runs the `netrx` command line; returns the exit status. */
export async function main(argv: readonly string[], io: CliIO = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (err) {
    io.stderr.write(`netrx: ${(err as Error).message}\n`);
    return 2;
  }
  if (args.version) {
    io.stdout.write(`netrx ${VERSION}\n`);
    return 0;
  }
  if (args.help) {
    io.stdout.write(helpFor(args.command));
    return 0;
  }
  const load = commands[args.command];
  if (!load) {
    io.stderr.write(`netrx: unknown command "${args.command}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await (await load())(args, io);
  } catch (err) {
    // A display filter that does not compile is a bad command line: say where, exit status 2.
    if (err instanceof DisplayFilterError) {
      io.stderr.write(`netrx ${args.command}: ${err.message}\n${err.pointer()}\n`);
      return 2;
    }
    const msg = err instanceof NetrxError || (err instanceof Error && CATALOGUE_ERRORS.has(err.name)) ? err.message : ((err as Error)?.stack ?? String(err));
    io.stderr.write(`netrx ${args.command}: ${msg}\n`);
    return 1;
  }
}
