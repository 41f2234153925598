import type { CliArgs } from '../args.js';
import type { CliIO } from '../output.js';

/** `netrx http`: not built yet. */
export async function http(_args: CliArgs, io: CliIO): Promise<number> {
  io.stderr.write('netrx http: not implemented yet\n');
  return 2;
}
