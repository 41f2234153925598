// Runs the `netrx` command line in-process with captured output, for the command tests.
import { Writable } from 'node:stream';
import { main } from '../main.js';

/** Runs `netrx …` with captured output. */
export async function run(...argv: string[]): Promise<{ status: number; out: string; err: string }> {
  return runWith({ tty: false }, ...argv);
}

/** As {@link run}, with stderr claiming to be a terminal or not. */
export async function runWith(opts: { tty: boolean }, ...argv: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        append(chunk.toString());
        cb();
      },
    });
  const status = await main(argv, { stdout: sink((s) => (out += s)), stderr: Object.assign(sink((s) => (err += s)), { isTTY: opts.tty }) });
  return { status, out, err };
}
