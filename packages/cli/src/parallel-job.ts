// The line job each worker thread of a parallel `netrx` run loads (see `runParallel`): the
// command's own run, built in the worker from the same command line.
import { Writable } from 'node:stream';
import { defineLineJob, type LineJob, type LineSink } from '@netrx/pipeline';
import type { CliArgs } from './args.js';
import type { Command } from './main.js';
import { handOffCommandRuns, PARALLEL_COMMANDS } from './parallel-run.js';
import type { CommandRun } from './run.js';
import { ShownCounter } from './summary.js';

const commands: Record<string, () => Promise<Command>> = {
  packets: async () => (await import('./commands/packets.js')).packets,
  tcp: async () => (await import('./commands/tcp.js')).tcp,
  http: async () => (await import('./commands/http.js')).http,
  ws: async () => (await import('./commands/ws.js')).ws,
};

/**
 * What a command writes to stderr while it writes items (`netrx http`'s `stream.error` lines),
 * as lines of the job's messages channel, so they keep their place among the other workers'.
 */
class MessageLines extends Writable {
  sink: LineSink | undefined;
  private partial = '';

  constructor() {
    super({ decodeStrings: false });
  }

  override _write(chunk: string | Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    const text = this.partial + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    const lines = text.split('\n');
    this.partial = lines.pop()!;
    for (const l of lines) this.sink?.line(l);
    done();
  }
}

/**
 * The command's run as a line job: its pipeline options and `--decode-as` rules, its stages, its
 * `each` as the writer, and its connection ids marked as the command writes them (`"stream":` in
 * JSON lines, `#3` in text and on stderr).
 */
export const cliLineJob = defineLineJob(async (args: CliArgs): Promise<LineJob<unknown>> => {
  const load = commands[args.command];
  if (load === undefined || !PARALLEL_COMMANDS.has(args.command)) throw new Error(`netrx ${args.command} does not run in worker threads`);
  let run: CommandRun<unknown> | undefined;
  handOffCommandRuns((r) => (run = r));
  const messages = new MessageLines();
  const stdout = new Writable({ write: (_chunk, _encoding, done) => done(new Error('a worker writes its output as lines')) });
  await (await load())(args, { stdout, stderr: messages });
  if (run === undefined) throw new Error(`netrx ${args.command} did not build a run`);
  const r = run;
  const shown = new ShownCounter();
  return {
    options: { ...r.options, decodeAs: args.decodeAs },
    stages: r.stages,
    write: (item, out, msgs) => {
      messages.sink = msgs;
      r.each(item, out, shown);
    },
    connectionIdAfter: [args.format === 'jsonl' ? '"stream":' : '#', '#'],
    get counters() {
      return shown.counts();
    },
  };
});
