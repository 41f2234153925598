// The line job each dissecting thread of a parallel `netrx` run loads (see `runParallel`): the
// command's own run, built in the thread from the same command line.
import { Writable } from 'node:stream';
import { isMainThread } from 'node:worker_threads';
import { defineLineJob, memoryBytes, type LineJob, type LineSink } from '@netrx/pipeline';
import type { CliArgs } from './args.js';
import { governHeap } from './heap-governor.js';
import { RunFacts, tlsLookoutPlugin } from './honest.js';
import { keyLogFiles } from './keylog.js';
import type { Command } from './main.js';
import type { LineWriter } from './output.js';
import { dropCounters } from './drops-report.js';
import { handOffCommandRuns, PARALLEL_COMMANDS, TLS_LOOKING, TLS_NOT_DECRYPTED } from './parallel-run.js';
import { loadPlugins } from './plugins.js';
import type { CommandRun } from './run.js';
import { ShownCounter } from './summary.js';

/** What the main thread gives each thread's job: the command line, and whether its stdout is a terminal (colours). */
export interface ParallelJobArgs {
  /** The command line, its key log files those the main thread found. */
  readonly args: CliArgs;
  readonly tty: boolean;
}

const commands: Record<string, () => Promise<Command>> = {
  packets: async () => (await import('./commands/packets.js')).packets,
  tcp: async () => (await import('./commands/tcp.js')).tcp,
  http: async () => (await import('./commands/http.js')).http,
  ws: async () => (await import('./commands/ws.js')).ws,
};

/**
 * What a command writes to stderr while it writes items (`netrx http`'s `stream.error` lines),
 * as lines of the job's messages channel, so they keep their place among the other threads'.
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

/** A stdout nothing is written to, that says whether the real one is a terminal (colours are decided by it). */
function stdoutLike(tty: boolean): Writable & { isTTY: boolean } {
  const w = new Writable({ write: (_chunk, _encoding, done) => done(new Error('a thread writes its output as lines')) });
  return Object.assign(w, { isTTY: tty });
}

/**
 * The command's run as a line job, built as `runCommand` builds it: its pipeline options with
 * `--decode-as`, the key log files, `--plugin` modules and the TLS lookout; its stages; its `each`
 * as the writer; its connection ids marked as the command writes them (`"stream":` in JSON lines,
 * `#3` in text and on stderr); and as counters, what the run's last lines report.
 */
export const cliLineJob = defineLineJob(async ({ args, tty }: ParallelJobArgs): Promise<LineJob<unknown>> => {
  const load = commands[args.command];
  if (load === undefined || !PARALLEL_COMMANDS.has(args.command)) throw new Error(`netrx ${args.command} does not run in worker threads`);
  let run: CommandRun<unknown> | undefined;
  handOffCommandRuns((r) => (run = r));
  const messages = new MessageLines();
  const stdout = stdoutLike(tty);
  await (await load())(args, { stdout, stderr: messages });
  if (run === undefined) throw new Error(`netrx ${args.command} did not build a run`);
  const r = run;
  // args.memory is this thread's share of --memory (parallel-run.ts). A worker thread's watch ends
  // with the thread; the main thread's share is watched by runParallel.
  if (!isMainThread) governHeap(memoryBytes(args.memory));
  const facts = new RunFacts();
  facts.totals = r.options?.tcp?.totals ?? facts.totals;
  const plugins = await loadPlugins(args.plugins);
  // The main thread has said where keys come from: nothing more on stderr.
  const quiet = new Writable({ write: (_c, _e, done) => done() });
  const keylog = keyLogFiles({ ...args, command: args.command }, { stdout, stderr: quiet }, {});
  const shown = new ShownCounter();
  return {
    options: {
      ...r.options,
      tcp: { ...r.options?.tcp, totals: facts.totals },
      decodeAs: args.decodeAs,
      keylog,
      extraPlugins: [...(r.options?.extraPlugins ?? []), ...plugins, tlsLookoutPlugin(facts)],
      memory: args.memory,
    },
    stages: (pipeline) => {
      // A thread's messages go out with its items only; a dissector that threw is said at once,
      // on the process's own stderr.
      facts.watch(pipeline, process.stderr, args.command, r.showsWarning);
      return r.stages(pipeline, facts);
    },
    write: (item, out, msgs) => {
      messages.sink = msgs;
      // The line sink has the LineWriter methods commands use (line, text, jsonStringBody, endLine).
      r.each(item, out as unknown as LineWriter, shown);
    },
    connectionIdAfter: [args.format === 'jsonl' ? '"stream":' : '#', '#'],
    firstFrame: r.firstFrame,
    get counters() {
      const c: Record<string, number> = { ...shown.counts(), [TLS_LOOKING]: facts.tlsLooking.size };
      for (const [reason, n] of facts.tlsNotDecrypted) c[TLS_NOT_DECRYPTED + reason] = n;
      const drops = facts.dropsNow();
      return drops === undefined ? c : { ...c, ...dropCounters(drops, facts.hiddenWarnings, facts.pipeline!.dissectStats.fragments) };
    },
  };
});
