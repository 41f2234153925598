import type { CliArgs } from '../args.js';
import type { CliIO } from '../output.js';

/** `netrx packets`: not built yet. */
export async function packets(_args: CliArgs, io: CliIO): Promise<number> {
  io.stderr.write('netrx packets: not implemented yet\n');
  return 2;
}
