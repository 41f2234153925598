// Test helper: reassembles a capture file through the real pipeline and summarises each connection.
import { createHash, type Hash } from 'node:crypto';
import { EMPTY, catchError, lastValueFrom, map, toArray } from 'rxjs';
import { copyBytes, corePlugin, createRegistry, formatEndpoint, type DirectionStats, type StreamClose, type StreamEvent } from '@netrx/core';
import { fromCaptureFile } from '@netrx/source-file';
import { dissect } from '@netrx/core';
import { reassembleTcp, tcpPlugin, type ReassembleTcpOptions } from '@netrx/dissector-tcp';
import { poisonViews } from '../../../../test-support/poison.js';

export interface DirectionSummary {
  bytes: number;
  sha256: string;
  /** The reassembled bytes (gaps skipped). */
  data: Buffer;
  stats: Readonly<DirectionStats>;
}

export interface ConnectionSummary {
  id: number;
  client: string;
  server: string;
  clientBy: string;
  close: StreamClose['reason'];
  c2s: DirectionSummary;
  s2c: DirectionSummary;
}

/** Runs `file` through dissect → reassembleTcp and returns one summary per connection, by id. */
export async function reassembleFile(file: string, options: ReassembleTcpOptions = {}): Promise<ConnectionSummary[]> {
  const registry = createRegistry([corePlugin, tcpPlugin]);
  // A corrupt file yields its good records, then errors: reassemble what was read, as tshark does.
  const frames = fromCaptureFile(file).pipe(catchError(() => EMPTY));
  const events = await lastValueFrom(
    frames.pipe(
      // Each frame's bytes are poisoned once the reassembler (and everything after it) had the
      // packet: data events are views of it, valid only during the call, so they are copied here.
      poisonViews((f) => f.data),
      dissect(registry),
      reassembleTcp(registry, options),
      map((ev) => (ev.type === 'data' ? { ...ev, bytes: copyBytes(ev.bytes) } : ev)),
      toArray(),
    ),
  );
  return summarise(events);
}

/** Summarises stream events (data copied, so views may be reused afterwards). */
export function summarise(events: readonly StreamEvent[]): ConnectionSummary[] {
  const parts = new Map<number, { c2s: Buffer[]; s2c: Buffer[]; hash: Record<'c2s' | 's2c', Hash> }>();
  const out: ConnectionSummary[] = [];
  for (const ev of events) {
    const id = ev.connection.id;
    if (ev.type === 'open') parts.set(id, { c2s: [], s2c: [], hash: { c2s: createHash('sha256'), s2c: createHash('sha256') } });
    else if (ev.type === 'data') {
      const p = parts.get(id)!;
      p[ev.dir].push(Buffer.from(ev.bytes));
      p.hash[ev.dir].update(ev.bytes);
    } else if (ev.type === 'close') {
      const p = parts.get(id)!;
      const dir = (d: 'c2s' | 's2c'): DirectionSummary => {
        const data = Buffer.concat(p[d]);
        return { bytes: data.length, sha256: p.hash[d].digest('hex'), data, stats: ev.stats[d] };
      };
      out.push({
        id,
        client: formatEndpoint(ev.connection.client),
        server: formatEndpoint(ev.connection.server),
        clientBy: ev.connection.clientBy,
        close: ev.reason,
        c2s: dir('c2s'),
        s2c: dir('s2c'),
      });
    }
  }
  return out.sort((a, b) => a.id - b.id);
}
