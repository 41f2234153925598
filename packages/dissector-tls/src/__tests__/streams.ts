// Test helper: the reassembled TCP byte streams of a capture, as the events a stream dissector gets.
import { lastValueFrom, toArray } from 'rxjs';
import { corePlugin, createRegistry, dissect, type Direction } from '@netrx/core';
import { reassembleTcp, tcpPlugin } from '@netrx/dissector-tcp';
import { fromCaptureFile } from '@netrx/source-file';
import type { TlsStreamDissector } from '../tls-dissector.js';

/** One `data` event of a connection (bytes copied). */
export interface Chunk {
  readonly dir: Direction;
  readonly bytes: Uint8Array;
  readonly ts: bigint;
  readonly frame: number;
}

/** The data events of each connection of a capture, in order. */
export async function streamsOf(path: string): Promise<Chunk[][]> {
  const registry = createRegistry([corePlugin, tcpPlugin]);
  const events = await lastValueFrom(fromCaptureFile(path).pipe(dissect(registry), reassembleTcp(registry), toArray()));
  const byId = new Map<number, Chunk[]>();
  for (const e of events) {
    if (e.type === 'open') byId.set(e.connection.id, []);
    else if (e.type === 'data') byId.get(e.connection.id)!.push({ dir: e.dir, bytes: e.bytes.slice(), ts: e.ts, frame: e.frame });
  }
  return [...byId.values()];
}

/** Feeds chunks to a dissector, then ends it. */
export function feed(tls: TlsStreamDissector, chunks: readonly Chunk[], end = true): void {
  for (const c of chunks) tls.data(c.dir, c.bytes, c.ts, c.frame);
  if (end) tls.end(chunks.at(-1)?.ts ?? 0n, chunks.at(-1)?.frame ?? 0);
}
