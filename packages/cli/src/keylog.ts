import { existsSync } from 'node:fs';
import { NetrxError } from '@netrx/core';
import type { CliArgs } from './args.js';
import type { CliIO } from './output.js';

/**
 * The TLS key log files of a run: every `--keylog FILE`, or else the `SSLKEYLOGFILE` environment
 * variable when it is set (the file browsers, curl and Node's `--tls-keylog` write), which is said
 * on stderr. The pipeline reads them and re-reads them as they grow.
 *
 * Reading a capture file (`-r`), a `--keylog` file that does not exist is an error
 * (`ERR_INVALID_OPTION`: a typo would otherwise look like "no key"); a missing `SSLKEYLOGFILE` is
 * only noted and not used. Capturing live (`-i`), a missing file is noted and read once it
 * appears: a browser creates it with its first TLS connection.
 */
export function keyLogFiles(args: Pick<CliArgs, 'command' | 'keylog' | 'interface'>, io: CliIO, env: NodeJS.ProcessEnv = process.env): string[] {
  const live = args.interface !== undefined;
  const fromEnv = args.keylog.length === 0 ? env['SSLKEYLOGFILE'] : undefined;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!live && !existsSync(fromEnv)) {
      io.stderr.write(`netrx: SSLKEYLOGFILE=${fromEnv} does not exist: no TLS keys from it\n`);
      return [];
    }
    io.stderr.write(`netrx: TLS keys from SSLKEYLOGFILE=${fromEnv}${live && !existsSync(fromEnv) ? ' (not there yet: read once it appears)' : ''}\n`);
    return [fromEnv];
  }
  for (const file of args.keylog) {
    if (existsSync(file)) continue;
    if (!live) throw new NetrxError('ERR_INVALID_OPTION', `--keylog ${file}: no such file`);
    io.stderr.write(`netrx: key log ${file} does not exist yet: it is read once it appears\n`);
  }
  return [...args.keylog];
}
