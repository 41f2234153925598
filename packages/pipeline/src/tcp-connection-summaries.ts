import { createHash, type Hash } from 'node:crypto';
import { Observable, type OperatorFunction } from 'rxjs';
import { formatEndpoint, formatTimestamp, type DirectionStats, type StreamClose, type StreamEvent } from '@netrx/core';

/** One direction of a {@link TcpConnectionSummary}. */
export interface TcpDirectionSummary {
  /** Reassembled bytes (gaps skipped, not zero-filled). */
  readonly bytes: number;
  /** sha256 of the reassembled bytes, hex. */
  readonly sha256: string;
  /** Holes reported as `gap` events. */
  readonly gaps: number;
  /** Bytes missing in those holes. */
  readonly gapBytes: number;
  /** Segments (or parts of them) that repeated bytes already seen, dropped. */
  readonly retransmitted: number;
  /** Bytes that overlapped earlier data with different content (the first copy was kept). */
  readonly overlapConflicts: number;
  /** Bytes dropped because a buffer cap was reached, or that came after their hole was reported. */
  readonly droppedBytes: number;
  /** How this direction ended: `fin`, `rst`, `idle` or `end`. */
  readonly close: string;
}

/**
 * One TCP connection, when it has closed: the JSON contract of `netrx tcp --format jsonl` (one
 * `JSON.stringify` of this object a line, keys in this order).
 */
export interface TcpConnectionSummary {
  /** The connection's index (`#0`, `#1`… in every command's output). */
  readonly stream: number;
  /** The client's endpoint, `10.0.0.1:40000` or `[2001:db8::1]:50000`. */
  readonly client: string;
  /** The server's endpoint. */
  readonly server: string;
  /**
   * The tunnel the connection came through (`vxlan vni 42`, `gre key 7`, `gre key 9 / vxlan vni 42`),
   * absent for a connection captured as it is: like every `Connection.via` entry, written after
   * `server`. Two connections with the same endpoints through different tunnels are two connections.
   */
  readonly tunnel?: string;
  /** How the client was decided: `syn`, `port`, or the `tcp.client` entry that knew (`http`, `ws-mask`). */
  readonly clientBy: string;
  /** How the connection ended. */
  readonly close: string;
  /** Client to server. */
  readonly c2s: TcpDirectionSummary;
  /** Server to client. */
  readonly s2c: TcpDirectionSummary;
  /** Time of the connection's first segment, `seconds.nanoseconds` since the epoch. */
  readonly firstTs: string;
  /** Time of its last segment. */
  readonly lastTs: string;
  /** Seconds from the first segment to the last. */
  readonly duration: number;
  /** Segments seen, per direction (pure ACKs and retransmissions included). */
  readonly packets: { readonly c2s: number; readonly s2c: number };
}

/**
 * Bytes of a direction kept as they are before a hash is made for them: a Node `Hash` holds an
 * OpenSSL context (~1 KiB with its objects), more than a flood's connections carry.
 */
const SMALL_DIRECTION = 64;

/** sha256 of nothing, hex: the digest of a direction that carried no bytes. */
const EMPTY_SHA256 = createHash('sha256').digest('hex');

/** The running sha256 of one direction: its first bytes as they are, then a hash of them and the rest. */
class DirectionHash {
  private head: Uint8Array | undefined;
  private hash: Hash | undefined;

  update(bytes: Uint8Array): void {
    if (this.hash !== undefined) {
      this.hash.update(bytes);
      return;
    }
    const head = this.head;
    const length = (head?.length ?? 0) + bytes.length;
    if (length > SMALL_DIRECTION) {
      this.hash = createHash('sha256');
      if (head !== undefined) this.hash.update(head);
      this.hash.update(bytes);
      this.head = undefined;
      return;
    }
    const joined = new Uint8Array(length);
    if (head !== undefined) joined.set(head);
    joined.set(bytes, length - bytes.length);
    this.head = joined;
  }

  digest(): string {
    if (this.hash !== undefined) return this.hash.digest('hex');
    return this.head === undefined ? EMPTY_SHA256 : createHash('sha256').update(this.head).digest('hex');
  }
}

/** The running sha256 of each direction of one connection, made at the direction's first bytes. */
interface DirectionHashes {
  c2s?: DirectionHash;
  s2c?: DirectionHash;
}

/**
 * TCP stream events to one {@link TcpConnectionSummary} per connection, emitted when its `close`
 * event comes (`reassembleTcp()` closes what is left at the end of input): byte counts, the
 * sha256 of each direction's reassembled bytes, gaps, retransmissions, overlap conflicts, how
 * each side closed, then the times of the first and last segments, the duration and the segments
 * per direction. Hashing happens as the data flows; no stream bytes are kept.
 *
 * @example
 * ```ts
 * import { createPipeline, tcpConnectionSummaries } from '@netrx/pipeline';
 *
 * const pipeline = createPipeline({ file: 'examples/chat-server/capture/chat.pcap' });
 * pipeline.frames()
 *   .pipe(pipeline.streams(), tcpConnectionSummaries())
 *   .subscribe((c) => console.log(JSON.stringify(c)));
 * ```
 */
export function tcpConnectionSummaries(): OperatorFunction<StreamEvent, TcpConnectionSummary> {
  return (events) =>
    new Observable<TcpConnectionSummary>((subscriber) => {
      const hashes = new Map<number, DirectionHashes>();
      const subscription = events.subscribe({
        next: (ev) => {
          const id = ev.connection.id;
          if (ev.type === 'data') {
            let h = hashes.get(id);
            if (h === undefined) hashes.set(id, (h = {}));
            (h[ev.dir] ??= new DirectionHash()).update(ev.bytes);
          } else if (ev.type === 'close') {
            const summary = summarize(ev, hashes.get(id) ?? {});
            hashes.delete(id);
            subscriber.next(summary);
          }
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
      return () => {
        subscription.unsubscribe();
        hashes.clear();
      };
    });
}

/** The summary of a closed connection from its close event and its hashes. */
function summarize(ev: StreamClose, hashes: DirectionHashes): TcpConnectionSummary {
  const c = ev.connection;
  const first = ev.firstSeen ?? ev.ts;
  const last = ev.lastSeen ?? ev.ts;
  const dir = (s: Readonly<DirectionStats>, h: DirectionHash | undefined): TcpDirectionSummary => ({
    bytes: s.bytes,
    sha256: h === undefined ? EMPTY_SHA256 : h.digest(),
    gaps: s.gaps,
    gapBytes: s.gapBytes,
    retransmitted: s.retransmitted,
    overlapConflicts: s.overlapConflicts,
    droppedBytes: s.droppedBytes,
    close: s.close ?? ev.reason,
  });
  return {
    stream: c.id,
    client: formatEndpoint(c.client),
    server: formatEndpoint(c.server),
    ...c.via,
    clientBy: c.clientBy,
    close: ev.reason,
    c2s: dir(ev.stats.c2s, hashes.c2s),
    s2c: dir(ev.stats.s2c, hashes.s2c),
    // Added after the fields above, which programs read in this order.
    firstTs: formatTimestamp(first),
    lastTs: formatTimestamp(last),
    duration: Number(last - first) / 1e9,
    packets: { c2s: ev.stats.c2s.packets ?? 0, s2c: ev.stats.s2c.packets ?? 0 },
  };
}
