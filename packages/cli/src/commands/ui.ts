import { NetrxError } from '@netrx/core';
import { keepConnectionEvents, runInspector, yieldToEventLoop } from '@netrx/inspector';
import { createPipeline } from '@netrx/pipeline';
import type { CliArgs } from '../args.js';
import { keyLogFiles } from '../keylog.js';
import type { CliIO } from '../output.js';
import { openFrames } from '../source.js';

/**
 * `netrx ui`: the inspector page (`@netrx/inspector`) for a capture file (`-r FILE`) or a live
 * capture (`-i DEVICE [filter…]`), dissected by the same pipeline as every other command (the
 * default plugins, `--decode-as`, `--keylog`, `-c`, `-w`). Prints the page's URL — below a random token, so
 * only who has the URL gets in — alone on stdout, and serves until Ctrl-C or SIGTERM, also after
 * a file has been read. Listens on 127.0.0.1 unless `--host` says otherwise (with a warning on
 * stderr); `--port N` (a free one by default), `--open` (launch a browser), `--max-messages N`
 * (the ring's size). Exit status 0, or 1 when the source failed part-way (the page still showed
 * what was read before) or the server could not listen.
 */
export async function ui(args: CliArgs, io: CliIO): Promise<number> {
  // As every command without records to send does (run.ts).
  if (args.sink !== undefined) throw new NetrxError('ERR_INVALID_OPTION', '--sink writes the records of netrx ws, http and tcp, not of netrx ui');
  const pipeline = createPipeline({ decodeAs: args.decodeAs, keylog: keyLogFiles(args, io), memory: args.memory });
  // Reading a file, the server must get turns between chunks, or the page would wait for the end.
  const frames = openFrames(args, io, pipeline, yieldToEventLoop);
  // Each connection's open and close beside its application events: the page shows when it ended.
  const events$ = frames.pipe(pipeline.streams(), keepConnectionEvents(pipeline.appEvents()));
  try {
    return await runInspector({
      events$,
      title: title(args),
      port: args.port,
      host: args.host,
      open: args.open,
      maxMessages: args.maxMessages,
      stdout: io.stdout,
      stderr: io.stderr,
    });
  } catch (err) {
    // Listening failed (a port in use, an address not on this machine): nothing was read.
    const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
    if (e.syscall !== 'listen') throw err;
    io.stderr.write(`netrx ui: cannot listen on ${e.address ?? args.host ?? '127.0.0.1'}:${e.port ?? args.port ?? 0}: ${e.code ?? e.message}\n`);
    return 1;
  }
}

/** The page's title: the capture file, or the device and its filter. */
function title(args: CliArgs): string {
  if (args.interface !== undefined) return `${args.interface}${args.filter ? ` ${args.filter}` : ''}`;
  return args.read === '-' ? 'standard input' : (args.read ?? '');
}
