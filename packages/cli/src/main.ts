import { NetrxError } from '@netrx/core';
import { parseArgs, type CliArgs } from './args.js';
import type { CliIO } from './output.js';

/** A subcommand: runs with parsed arguments and returns the exit status. */
export type Command = (args: CliArgs, io: CliIO) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  packets: async () => (await import('./commands/packets.js')).packets,
  tcp: async () => (await import('./commands/tcp.js')).tcp,
  http: async () => (await import('./commands/http.js')).http,
  ws: async () => (await import('./commands/ws.js')).ws,
  devices: async () => (await import('./commands/devices.js')).devices,
};

/** The usage text `netrx --help` prints. */
export const USAGE = `netrx: stream protocol dissection for people and programs

usage: netrx <command> [-r FILE | -i DEVICE] [filter…] [options]

commands:
  packets   one line per packet: time, link, layers, endpoints, lengths
  tcp       one line per TCP connection: endpoints, bytes and sha256 per direction, gaps
  http      HTTP/1.1 requests and responses
  ws        WebSocket messages: unmasked, inflated, reassembled
  devices   list capture devices

options:
  -r FILE               read a capture file (pcap, pcapng, optionally gzipped)
  -i DEVICE             capture live (as root); filter words after the options are BPF
  --format text|jsonl   text for people (default), jsonl for programs (one JSON object a line)
  --decode-as RULE      force a dissector, as tshark's -d: tcp.port==7272,websocket
  --full                never shorten payloads in text output
  -w FILE               with -i: also write the raw packets to FILE as pcapng
  --backend cap|tcpdump with -i: the capture backend (default: cap when it loads)
  -c COUNT              stop after COUNT packets
  --workers N           dissect in N threads (default: one per core for a file, 1 for -i);
                        the output is the same as with one
  --no-progress         no progress bar on stderr
`;

/** Runs the `netrx` command line; returns the exit status. */
export async function main(argv: readonly string[], io: CliIO = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (err) {
    io.stderr.write(`netrx: ${(err as Error).message}\n`);
    return 2;
  }
  if (args.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const load = commands[args.command];
  if (!load) {
    io.stderr.write(`netrx: unknown command "${args.command}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await (await load())(args, io);
  } catch (err) {
    const msg = err instanceof NetrxError ? err.message : ((err as Error)?.stack ?? String(err));
    io.stderr.write(`netrx ${args.command}: ${msg}\n`);
    return 1;
  }
}
