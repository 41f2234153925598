import type { CliArgs } from '../args.js';
import type { CliIO } from '../output.js';

/** `netrx devices`: not built yet. */
export async function devices(_args: CliArgs, io: CliIO): Promise<number> {
  io.stderr.write('netrx devices: not implemented yet\n');
  return 2;
}
