import type { CliArgs } from './args.js';
import type { CliIO } from './output.js';

/** Counts of what a command showed, for the summary a live capture ends with. */
export class ShownCounter {
  private readonly connections = new Set<number>();
  /** Connections counted elsewhere (worker threads), each once. */
  private otherConnections = 0;
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

  /** Adds counts made elsewhere (a worker thread's own counter's {@link counts}: no connection in two). */
  addCounts(c: { readonly connections: number; readonly items: number }): void {
    this.otherConnections += c.connections;
    this.items += c.items;
  }

  /** Connections and items counted so far. */
  counts(): { connections: number; items: number } {
    return { connections: this.connections.size + this.otherConnections, items: this.items };
  }

  /**
   * After a live capture (Ctrl-C), writes `netrx: 2 connections, 32 WebSocket messages` to stderr,
   * next to the capture's own packet and drop counters. Files need no summary: the output is it.
   */
  report(args: Pick<CliArgs, 'interface'>, io: CliIO, what: string): void {
    if (args.interface === undefined) return;
    const n = this.connections.size + this.otherConnections;
    io.stderr.write(`netrx: ${n} connection${n === 1 ? '' : 's'}, ${this.items} ${what}\n`);
  }
}
