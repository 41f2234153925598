import { ErrorReply } from 'redis';
import { RedisSinkError, type RedisSinkErrorCode } from './errors.js';
import { formatRedisSinkTarget, type RedisSinkTarget } from './parse-redis-sink-url.js';
import { RecordQueue } from './record-queue.js';
import { RedisConnection } from './redis-connection.js';
import { resolveRedisSinkOptions, type RedisSinkOptions, type RedisSinkSettings } from './redis-sink-options.js';
import type { RedisSinkStats, RedisStreamRecord } from './types.js';
import { XaddCommand } from './xadd-command.js';

/** A pipelined batch of XADDs awaiting its replies. */
interface Batch {
  readonly records: RedisStreamRecord[];
  readonly generation: number;
  done: boolean;
  /** When it was sent (performance.now()): Redis has not been heard from since, if it never answers. */
  readonly sentAt: number;
  /** Its reply deadline. */
  timer: NodeJS.Timeout | undefined;
}

type State = 'new' | 'connecting' | 'open' | 'closing' | 'closed' | 'failed';

/**
 * Writes records to Redis Streams: each record is one `XADD KEY:{shard} [MAXLEN ~ M] * …` with
 * the fields `id`, `source`, `stream`, `dir`, `type`, `ts`, `client`, `server` and `json`, into
 * the shard `shardKey mod shards`, so one connection's records stay in order in one stream while
 * consumer groups spread the streams.
 *
 * Throughput: records given in one synchronous run (a file chunk pushed through the pipeline)
 * are sent together, as pipelined batches of `batchSize` XADDs with up to `maxBatchesInFlight`
 * batches awaiting replies.
 *
 * Backpressure: at most `window` records are held unacknowledged. With `overflow: 'wait'`,
 * {@link ready} returns a promise while the window is full, for a file reader to await between
 * chunks (`fromCaptureFile(path, { beforeNextChunk: () => sink.ready() })`); with
 * `'drop-oldest'` the oldest unsent records are dropped and counted (`stats.dropped`).
 *
 * Faults: when the connection is lost, or a batch gets no reply within `replyTimeoutMs` (Redis
 * frozen or hung with its socket open), the sink reconnects with exponential backoff; the records
 * Redis had not acknowledged are sent again, in their order and before anything newer, once it is
 * back (`stats.retried`). Records whose reply was lost may then be stored twice: delivery is
 * at-least-once and each record's `id` is stable, so consumers de-duplicate by `id`; a
 * connection's first copies are in order, so keeping the first copy of each id keeps the order.
 * If Redis stays away or silent longer than `reconnect.giveUpAfterMs`, or refuses a command, the sink
 * fails: {@link flush} and {@link close} reject with a {@link RedisSinkError} that says how many
 * records were written, and {@link onFailure} listeners are called.
 *
 * @example
 * ```ts
 * const sink = new RedisStreamSink({ target: 'redis://127.0.0.1:6379/netrx', source: 'tap-1' });
 * await sink.connect(); // fails clearly, before anything is read, when Redis is unreachable
 * const ids = new RedisRecordBuilder(sink.source);
 * await lastValueFrom(
 *   fromCaptureFile('chat.pcap', { beforeNextChunk: () => sink.ready() }).pipe(
 *     dissect(registry), reassembleTcp(registry), dissectStreams(registry), websocketMessages(),
 *     map((m) => ids.appEvent(m, m.kind, websocketMessageJson(m))),
 *     toRedisStreams(sink),
 *   ),
 * ); // the sink's stats: written, retried, dropped…
 * ```
 */
export class RedisStreamSink {
  /** Where the sink writes. */
  readonly target: RedisSinkTarget;
  /** The `source` field of every entry. */
  readonly source: string;
  /** Counters, up to date at any time. */
  readonly stats: RedisSinkStats = { accepted: 0, written: 0, retried: 0, dropped: 0, reconnects: 0, pending: 0, pendingHighWater: 0 };

  private readonly settings: RedisSinkSettings;
  private readonly xadd: XaddCommand;
  private readonly connection: RedisConnection;

  private state: State = 'new';
  private readonly queue = new RecordQueue();
  private inflight: Batch[] = [];
  /** Bumped when the connection is lost: replies to batches of an older generation are ignored. */
  private generation = 0;
  private pumpScheduled = false;
  private failure: RedisSinkError | undefined;
  private readyWait: { promise: Promise<void>; resolve: () => void } | undefined;
  private flushWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private readonly failureListeners = new Set<(err: RedisSinkError) => void>();

  constructor(options: RedisSinkOptions) {
    const settings = resolveRedisSinkOptions(options);
    this.settings = settings;
    this.target = settings.target;
    this.source = settings.source;
    this.xadd = new XaddCommand(this.target, this.source);
    this.connection = new RedisConnection(settings, this.stats, {
      lost: () => this.requeueInflight(),
      answering: () => this.pump(),
      failed: (code, message, cause) => this.fail(code, message, cause),
    });
  }

  /** `redis://host:port/key` (password hidden), for messages. */
  get description(): string {
    return formatRedisSinkTarget(this.target);
  }

  /** Whether records are being sent now: connected, and Redis not loading its data after a restart. */
  get connected(): boolean {
    return this.connection.sending && this.active;
  }

  /**
   * Connects to Redis and checks that the key's recorded shard count (`KEY:shards`, set by the
   * first writer) is this sink's. Rejects with `ERR_REDIS_SINK_CONNECT` (unreachable, with what
   * to check), `ERR_REDIS_SINK_AUTH` or `ERR_REDIS_SINK_SHARDS`: call it before reading anything.
   */
  async connect(): Promise<void> {
    if (this.state !== 'new') throw new RedisSinkError('ERR_REDIS_SINK_STATE', `connect() was already called on the sink to ${this.description}`);
    this.state = 'connecting';
    try {
      await this.connection.connect();
    } catch (err) {
      this.state = 'failed';
      throw err;
    }
    this.state = 'open';
    this.schedulePump();
  }

  /**
   * Takes a record. It is sent with the next batch (after the current synchronous run). Throws
   * `ERR_REDIS_SINK_CLOSED` once the sink is closed or has failed (its cause is the failure), and
   * `ERR_REDIS_SINK_STATE` before {@link connect} has been called.
   */
  write(record: RedisStreamRecord): void {
    if (this.state === 'new') throw new RedisSinkError('ERR_REDIS_SINK_STATE', `the sink to ${this.description} is not connected: call connect() before writing`);
    if (this.state === 'failed' || this.state === 'closed' || this.state === 'closing') {
      throw new RedisSinkError('ERR_REDIS_SINK_CLOSED', `the sink to ${this.description} is ${this.state === 'failed' ? 'failed' : 'closed'}: no more records can be written`, { cause: this.failure });
    }
    const s = this.stats;
    s.accepted++;
    this.queue.push(record);
    s.pending++;
    if (s.pending > s.pendingHighWater) s.pendingHighWater = s.pending;
    if (this.settings.overflow === 'drop-oldest') {
      while (s.pending > this.settings.window && this.queue.length > 0) {
        this.queue.shift();
        s.pending--;
        s.dropped++;
      }
    }
    this.schedulePump();
  }

  /**
   * `undefined` when the window has room; while it is full (`overflow: 'wait'`), a promise that
   * settles once Redis has taken half of it, or the sink has failed or closed. It never rejects:
   * a failure is reported by {@link flush}, {@link close} and {@link onFailure}. Await it between
   * file chunks (`fromCaptureFile`'s `beforeNextChunk`).
   */
  ready(): Promise<void> | undefined {
    if (this.readyWait) return this.readyWait.promise;
    if (this.settings.overflow !== 'wait' || this.stats.pending < this.settings.window || this.state === 'failed' || this.state === 'closed') return undefined;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.readyWait = { promise, resolve };
    return promise;
  }

  /** Calls `listener` once if the sink fails; returns a function that removes it. */
  onFailure(listener: (err: RedisSinkError) => void): () => void {
    if (this.failure) {
      const f = this.failure;
      queueMicrotask(() => listener(f));
      return () => {};
    }
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  /** Settles once every record written so far is acknowledged; rejects if the sink fails first. */
  flush(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.stats.pending === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.flushWaiters.push({ resolve, reject }));
  }

  /**
   * Flushes, disconnects and returns the counters. Rejects with the failure if the sink failed
   * (the message says how many records were written).
   */
  async close(): Promise<RedisSinkStats> {
    if (this.state === 'closed') return { ...this.stats };
    if (this.state === 'new') {
      this.state = 'closed';
      return { ...this.stats };
    }
    if (this.state !== 'failed') this.state = 'closing';
    await this.flush();
    this.state = 'closed';
    this.clearReplyDeadlines();
    await this.connection.close();
    return { ...this.stats };
  }

  /** Stops at once: disconnects without waiting; records not acknowledged are abandoned (still counted in `stats.pending`). */
  destroy(): void {
    if (this.state === 'closed' || this.state === 'failed') return;
    this.state = 'closed';
    this.stopConnection();
    this.readyWait?.resolve();
    this.readyWait = undefined;
    const err = new RedisSinkError('ERR_REDIS_SINK_CLOSED', `the sink to ${this.description} was destroyed with ${this.stats.pending} records not written`);
    for (const w of this.flushWaiters.splice(0)) w.reject(err);
  }

  // ---- sending

  /** Open or closing (flushing): connection events and replies still matter. */
  private get active(): boolean {
    return this.state === 'open' || this.state === 'closing';
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    // After the current synchronous run (a whole file chunk through the pipeline), so its
    // records go out as full pipelined batches.
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    const client = this.connection.client;
    if (!client || !this.active) return;
    const { batchSize, maxBatchesInFlight, replyTimeoutMs } = this.settings;
    while (this.queue.length > 0 && this.inflight.length < maxBatchesInFlight) {
      const n = Math.min(batchSize, this.queue.length);
      const records = new Array<RedisStreamRecord>(n);
      const replies = new Array<Promise<unknown>>(n);
      for (let i = 0; i < n; i++) {
        const r = this.queue.shift()!;
        records[i] = r;
        replies[i] = client.sendCommand(this.xadd.args(r));
      }
      const batch: Batch = { records, generation: this.generation, done: false, sentAt: performance.now(), timer: undefined };
      batch.timer = setTimeout(() => this.onBatchStalled(batch), replyTimeoutMs);
      this.inflight.push(batch);
      Promise.all(replies).then(
        () => this.onBatchDone(batch),
        (err: unknown) => this.onBatchFailed(batch, err),
      );
    }
  }

  private onBatchDone(batch: Batch): void {
    clearTimeout(batch.timer);
    if (batch.generation !== this.generation) return;
    batch.done = true;
    // Replies come in order on one connection; count batches from the front only.
    while (this.inflight.length > 0 && this.inflight[0]!.done) {
      const b = this.inflight.shift()!;
      this.stats.written += b.records.length;
      this.stats.pending -= b.records.length;
    }
    this.afterProgress();
    this.pump();
  }

  private onBatchFailed(batch: Batch, err: unknown): void {
    clearTimeout(batch.timer);
    if (batch.generation !== this.generation || this.failure) return;
    // `-LOADING` (Redis is up but still loading its data set after a restart) is waited out, then
    // the batches are resent in order; any other refusal fails the sink.
    if (err instanceof ErrorReply && !err.message.startsWith('LOADING')) {
      return this.fail(
        'ERR_REDIS_SINK_REPLY',
        `Redis at ${this.connection.where} refused XADD to ${this.target.key}:*: ${err.message}; ${this.stats.written} records were written, ${this.stats.pending} were not`,
        err,
      );
    }
    this.requeueInflight();
    this.connection.commandFailed(err);
  }

  /** No reply to a whole batch within the deadline: the connection is dropped and made anew (see {@link RedisConnection.noAnswer}). */
  private onBatchStalled(batch: Batch): void {
    if (batch.done || batch.generation !== this.generation || !this.active) return;
    this.requeueInflight();
    this.connection.noAnswer(`${batch.records.length} XADDs`, batch.sentAt);
  }

  /** Puts the records on the wire back at the front of the queue, to be sent again in order. */
  private requeueInflight(): void {
    if (this.inflight.length === 0) return;
    const again: RedisStreamRecord[] = [];
    for (const b of this.inflight) {
      clearTimeout(b.timer);
      for (const r of b.records) again.push(r);
    }
    this.inflight = [];
    this.generation++;
    this.stats.retried += again.length;
    this.queue.unshiftAll(again);
  }

  private afterProgress(): void {
    const s = this.stats;
    if (this.readyWait && s.pending <= this.settings.lowWater) {
      this.readyWait.resolve();
      this.readyWait = undefined;
    }
    if (s.pending === 0 && this.flushWaiters.length > 0) for (const w of this.flushWaiters.splice(0)) w.resolve();
  }

  /** Drops the connection at once and stops the batches' reply deadlines. */
  private stopConnection(): void {
    this.connection.destroy();
    this.clearReplyDeadlines();
  }

  private clearReplyDeadlines(): void {
    for (const b of this.inflight) clearTimeout(b.timer);
  }

  private fail(code: RedisSinkErrorCode, message: string, cause: unknown): void {
    if (this.failure) return;
    const err = new RedisSinkError(code, message, { cause });
    this.failure = err;
    this.state = 'failed';
    this.stopConnection();
    this.readyWait?.resolve();
    this.readyWait = undefined;
    for (const w of this.flushWaiters.splice(0)) w.reject(err);
    for (const l of [...this.failureListeners]) l(err);
    this.failureListeners.clear();
  }
}

/** Creates a {@link RedisStreamSink} and connects it; rejects as {@link RedisStreamSink.connect} does. */
export async function createRedisSink(options: RedisSinkOptions): Promise<RedisStreamSink> {
  const sink = new RedisStreamSink(options);
  await sink.connect();
  return sink;
}
