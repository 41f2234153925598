import type { CliArgs } from '../args.js';
import type { CliIO } from '../output.js';

/** `netrx ws`: not built yet. */
export async function ws(_args: CliArgs, io: CliIO): Promise<number> {
  io.stderr.write('netrx ws: not implemented yet\n');
  return 2;
}
