import type { CliArgs } from './args.js';
import type { CliIO } from './output.js';

/** Counts of what a command showed, for the summary a live capture ends with. */
export class ShownCounter {
  private readonly connections = new Set<number>();
  private items = 0;

  /** Items counted so far. */
  get count(): number {
    return this.items;
  }

  /** Counts one item (a message, a transaction) of connection `id`. */
  add(id: number): void {
    this.connections.add(id);
    this.items++;
  }

  /**
   * After a live capture (Ctrl-C), writes `netrx: 2 connections, 32 WebSocket messages` to stderr,
   * next to the capture's own packet and drop counters. Files need no summary: the output is it.
   */
  report(args: Pick<CliArgs, 'interface'>, io: CliIO, what: string): void {
    if (args.interface === undefined) return;
    const n = this.connections.size;
    io.stderr.write(`netrx: ${n} connection${n === 1 ? '' : 's'}, ${this.items} ${what}\n`);
  }
}
