import { concatBytes, copyBytes, type Direction, type StreamContext, type StreamDissector, type StreamDissectorFactory } from '@netrx/core';
import type { InnerDispatch } from './types.js';

/** Most plaintext bytes per direction shown to the heuristics before the stream is left raw. */
const MAX_PROBE = 4096;

/**
 * A small stand-in for the TCP dispatcher over a decrypted stream: the preferred dissector (by
 * ALPN) when there is one; else the `tcp.port` table (server port, then client port) and then the
 * `tcp` heuristics, each skipping the TLS dissector itself; else nothing (raw). `createStreamDispatch`
 * of `@netrx/dissector-tcp` replaces it once the pipeline wires one in.
 */
export const probeDispatch: InnerDispatch = (ctx, preferred) => {
  if (preferred !== undefined) return preferred.create(ctx);
  const table = ctx.registry.hasTable('tcp.port') ? ctx.registry.table('tcp.port') : undefined;
  const c = ctx.connection;
  for (const port of [c.server.port, c.client.port]) {
    const f = table?.get(port);
    if (f !== undefined && f.name !== 'tls') return f.create(ctx);
  }
  return new ProbeDissector(ctx);
};

/** Buffers the first bytes of each direction until a heuristic matches, then switches to it. */
class ProbeDissector implements StreamDissector {
  private readonly seen: Record<Direction, Uint8Array[]> = { c2s: [], s2c: [] };
  private readonly seenBytes: Record<Direction, number> = { c2s: 0, s2c: 0 };
  private readonly rejected: Record<Direction, boolean> = { c2s: false, s2c: false };
  private done = false;
  private readonly heuristics: readonly StreamDissectorFactory[];

  constructor(private readonly ctx: StreamContext) {
    let list: readonly StreamDissectorFactory[] = [];
    try {
      list = ctx.registry.heuristics('tcp').active;
    } catch {
      // No `tcp` heuristic list: nothing to try.
    }
    this.heuristics = list.filter((h) => h.name !== 'tls' && h.probe !== undefined);
  }

  data(dir: Direction, bytes: Uint8Array): void {
    if (this.done) return;
    this.seen[dir].push(copyBytes(bytes));
    this.seenBytes[dir] += bytes.length;
    if (this.rejected[dir]) {
      // Kept for the other direction's match, within the same bound.
      if (this.seenBytes[dir] > MAX_PROBE) this.giveUp();
      return;
    }
    const buf = concatBytes(this.seen[dir]);
    let undecided = false;
    for (const h of this.heuristics) {
      const n = h.probeBytes ?? 512;
      let answer;
      try {
        answer = h.probe!(buf.length > n ? buf.subarray(0, n) : buf, dir, this.ctx.connection);
      } catch {
        answer = 'reject';
      }
      if (answer === 'match') {
        this.done = true;
        this.ctx.switchTo(h, undefined, { c2s: concatBytes(this.seen.c2s), s2c: concatBytes(this.seen.s2c) });
        return;
      }
      if (answer === 'need-more' && buf.length < n) undecided = true;
    }
    if (!undecided || this.seenBytes[dir] > MAX_PROBE) this.rejected[dir] = true;
    // Both directions said no: the stream stays raw, and nothing more is kept.
    if (this.rejected.c2s && this.rejected.s2c) this.giveUp();
  }

  gap(): void {
    this.giveUp();
  }

  private giveUp(): void {
    this.done = true;
    this.seen.c2s = [];
    this.seen.s2c = [];
  }

  end(): void {
    this.done = true;
  }
}
