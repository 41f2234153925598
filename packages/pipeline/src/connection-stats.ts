import { Observable, Subject, type OperatorFunction } from 'rxjs';
import { formatEndpoint, formatTimestamp, type AppEvent, type Direction, type StreamClose, type StreamEvent } from '@netrx/core';
// For the event types `ws.message`, `http.request` and `http.response` (declaration merging).
import type {} from '@netrx/dissector-http';
import type {} from '@netrx/dissector-websocket';

/** A count per direction. */
export interface PerDirection<T> {
  readonly c2s: T;
  readonly s2c: T;
}

/** Per-second rates over a connection's (or the capture's) duration; null for a duration of 0. */
export interface Rates {
  readonly packetsPerSecond: number | null;
  readonly bytesPerSecond: number | null;
  readonly messagesPerSecond: number | null;
}

/** The largest message of a connection. */
export interface LargestMessage {
  readonly dir: Direction;
  /** `text`, `binary`… for WebSocket; `request`, `response` for HTTP (the body's length). */
  readonly type: string;
  readonly length: number;
  /** When its last byte was captured, `seconds.nanoseconds`. */
  readonly ts: string;
}

/**
 * One connection's statistics, when it has closed: the objects `netrx stats --format jsonl`
 * writes (keys in this order).
 */
export interface ConnectionStats {
  /** The connection's index (`#N`). */
  readonly stream: number;
  readonly client: string;
  readonly server: string;
  /** The tunnel the connection came through (`vxlan vni 42`), when it came through one. */
  readonly tunnel?: string;
  /** What its messages were: `websocket`, `http`, both (`http+websocket`: an upgrade), or null (no messages). */
  readonly protocol: string | null;
  /** Time of its first segment, `seconds.nanoseconds`. */
  readonly firstTs: string;
  /** Time of its last segment. */
  readonly lastTs: string;
  /** Seconds from the first segment to the last. */
  readonly duration: number;
  /** TCP segments per direction. */
  readonly packets: PerDirection<number>;
  /** Reassembled bytes per direction. */
  readonly bytes: PerDirection<number>;
  /** Messages by direction and type (WebSocket `text`, `binary`, `ping`, `pong`, `close`; HTTP `request`, `response`). */
  readonly messages: PerDirection<Readonly<Record<string, number>>>;
  /** All messages. */
  readonly messageCount: number;
  readonly rates: Rates;
  /** The largest message, if there were any. */
  readonly largest: LargestMessage | null;
  /** The WebSocket close code, from the first close message (null without one). */
  readonly closeCode: number | null;
  /** Its reason. */
  readonly closeReason: string | null;
  /** How the TCP connection ended: `fin`, `rst`, `idle`, `end`. */
  readonly close: string;
}

/** The whole capture's statistics, after the last connection: `{"totals":true,…}` in `netrx stats --format jsonl`. */
export interface CaptureStatsTotals {
  readonly totals: true;
  readonly connections: number;
  /** First segment of any connection (null when there was none). */
  readonly firstTs: string | null;
  readonly lastTs: string | null;
  readonly duration: number;
  readonly packets: PerDirection<number>;
  readonly bytes: PerDirection<number>;
  readonly messages: PerDirection<Readonly<Record<string, number>>>;
  readonly messageCount: number;
  readonly rates: Rates;
  /** The largest message of all, with its connection. */
  readonly largest: (LargestMessage & { readonly stream: number }) | null;
}

/** What {@link connectionStats} emits: one per connection, then the totals. */
export type StatsRecord = ConnectionStats | CaptureStatsTotals;

/** Counters of one connection while it is open. */
interface Running {
  readonly messages: { c2s: Record<string, number>; s2c: Record<string, number> };
  count: number;
  protocols: Set<string>;
  largest: LargestMessage | null;
  closeCode: number | null;
  closeReason: string | null;
}

function rates(packets: number, bytes: number, messages: number, duration: number): Rates {
  if (duration <= 0) return { packetsPerSecond: null, bytesPerSecond: null, messagesPerSecond: null };
  const r = (n: number): number => Math.round((n / duration) * 1000) / 1000;
  return { packetsPerSecond: r(packets), bytesPerSecond: r(bytes), messagesPerSecond: r(messages) };
}

function addCounts(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/**
 * TCP stream events to per-connection statistics, each emitted when its connection closes, then
 * the capture's totals: endpoints, first and last times, duration, segments and reassembled bytes
 * per direction, messages by type and direction (WebSocket messages, HTTP requests and
 * responses, as `dissect` finds them), rates, the largest message, the WebSocket close code.
 *
 * `dissect` turns the stream events into application events — the pipeline's `dissectStreams()`;
 * it is run inside, on the same events, so each connection's messages are counted before its
 * close is.
 *
 * @example
 * ```ts
 * import { dissectStreams } from '@netrx/dissector-tcp';
 * import { connectionStats, createPipeline } from '@netrx/pipeline';
 *
 * const pipeline = createPipeline({ file: 'examples/chat-server/capture/chat.pcap' });
 * pipeline.frames()
 *   .pipe(pipeline.streams(), connectionStats(dissectStreams(pipeline.registry)))
 *   .subscribe((s) => console.log(JSON.stringify(s)));
 * ```
 */
export function connectionStats(dissect: OperatorFunction<StreamEvent, AppEvent>): OperatorFunction<StreamEvent, StatsRecord> {
  return (events) =>
    new Observable<StatsRecord>((subscriber) => {
      const open = new Map<number, Running>();
      const running = (id: number): Running => {
        let r = open.get(id);
        if (r === undefined) {
          r = { messages: { c2s: {}, s2c: {} }, count: 0, protocols: new Set(), largest: null, closeCode: null, closeReason: null };
          open.set(id, r);
        }
        return r;
      };
      const totals = {
        connections: 0,
        first: undefined as bigint | undefined,
        last: undefined as bigint | undefined,
        packets: { c2s: 0, s2c: 0 },
        bytes: { c2s: 0, s2c: 0 },
        messages: { c2s: {} as Record<string, number>, s2c: {} as Record<string, number> },
        count: 0,
        largest: null as (LargestMessage & { stream: number }) | null,
      };
      const message = (id: number, dir: Direction, type: string, length: number, ts: bigint, protocol: string): void => {
        const r = running(id);
        r.messages[dir][type] = (r.messages[dir][type] ?? 0) + 1;
        r.count++;
        r.protocols.add(protocol);
        if (r.largest === null || length > r.largest.length) r.largest = { dir, type, length, ts: formatTimestamp(ts) };
      };
      const app = new Subject<StreamEvent>();
      const appSubscription = app.pipe(dissect).subscribe({
        next(ev) {
          const id = ev.connection.id;
          if (ev.type === 'ws.message') {
            message(id, ev.dir, ev.kind, ev.payload.length, ev.lastTs, 'websocket');
            const r = running(id);
            if (ev.kind === 'close' && r.closeCode === null && ev.closeCode !== undefined) {
              r.closeCode = ev.closeCode;
              r.closeReason = ev.closeReason ?? '';
            }
          } else if (ev.type === 'http.request' || ev.type === 'http.response') {
            message(id, ev.dir, ev.type === 'http.request' ? 'request' : 'response', ev.bodyLength ?? ev.body.length, ev.lastTs, 'http');
          }
        },
        error: (err: unknown) => subscriber.error(err),
      });
      const closed = (ev: StreamClose): ConnectionStats => {
        const c = ev.connection;
        const r = running(c.id);
        open.delete(c.id);
        const first = ev.firstSeen ?? ev.ts;
        const last = ev.lastSeen ?? ev.ts;
        const duration = Number(last - first) / 1e9;
        const packets = { c2s: ev.stats.c2s.packets ?? 0, s2c: ev.stats.s2c.packets ?? 0 };
        const bytes = { c2s: ev.stats.c2s.bytes, s2c: ev.stats.s2c.bytes };
        totals.connections++;
        if (totals.first === undefined || first < totals.first) totals.first = first;
        if (totals.last === undefined || last > totals.last) totals.last = last;
        for (const d of ['c2s', 's2c'] as const) {
          totals.packets[d] += packets[d];
          totals.bytes[d] += bytes[d];
          addCounts(totals.messages[d], r.messages[d]);
        }
        totals.count += r.count;
        if (r.largest !== null && (totals.largest === null || r.largest.length > totals.largest.length)) totals.largest = { ...r.largest, stream: c.id };
        return {
          stream: c.id,
          client: formatEndpoint(c.client),
          server: formatEndpoint(c.server),
          ...c.via,
          protocol: r.protocols.size === 0 ? null : [...r.protocols].sort().join('+'),
          firstTs: formatTimestamp(first),
          lastTs: formatTimestamp(last),
          duration,
          packets,
          bytes,
          messages: r.messages,
          messageCount: r.count,
          rates: rates(packets.c2s + packets.s2c, bytes.c2s + bytes.s2c, r.count, duration),
          largest: r.largest,
          closeCode: r.closeCode,
          closeReason: r.closeReason,
          close: ev.reason,
        };
      };
      const subscription = events.subscribe({
        next(ev) {
          app.next(ev);
          if (ev.type === 'close') subscriber.next(closed(ev));
        },
        error: (err: unknown) => subscriber.error(err),
        complete() {
          app.complete();
          const duration = totals.first === undefined ? 0 : Number(totals.last! - totals.first) / 1e9;
          subscriber.next({
            totals: true,
            connections: totals.connections,
            firstTs: totals.first === undefined ? null : formatTimestamp(totals.first),
            lastTs: totals.last === undefined ? null : formatTimestamp(totals.last),
            duration,
            packets: totals.packets,
            bytes: totals.bytes,
            messages: totals.messages,
            messageCount: totals.count,
            rates: rates(totals.packets.c2s + totals.packets.s2c, totals.bytes.c2s + totals.bytes.s2c, totals.count, duration),
            largest: totals.largest,
          });
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        appSubscription.unsubscribe();
        open.clear();
      };
    });
}
