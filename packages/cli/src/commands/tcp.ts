import type { CliArgs } from '../args.js';
import type { CliIO } from '../output.js';

/** `netrx tcp`: not built yet. */
export async function tcp(_args: CliArgs, io: CliIO): Promise<number> {
  io.stderr.write('netrx tcp: not implemented yet\n');
  return 2;
}
