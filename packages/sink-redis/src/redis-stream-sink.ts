import { hostname } from 'node:os';
import { createClient, ErrorReply } from 'redis';
import { connectionShardKey } from './connection-shard-key.js';
import { RedisSinkError, type RedisSinkErrorCode } from './errors.js';
import { formatRedisSinkTarget, parseRedisSinkUrl, type RedisSinkTarget } from './parse-redis-sink-url.js';
import { RecordQueue } from './record-queue.js';
import type { RedisSinkOverflow, RedisSinkStats, RedisStreamRecord } from './types.js';

/** How the sink reconnects after losing Redis. */
export interface RedisReconnectOptions {
  /** First wait before reconnecting, in ms (default 50); doubled each attempt. */
  readonly initialDelayMs?: number;
  /** Longest wait between attempts, in ms (default 2000). */
  readonly maxDelayMs?: number;
  /** Give up (fail the sink) when Redis has been away this long, in ms (default: the URL's `?timeout=`, else 30000). */
  readonly giveUpAfterMs?: number;
}

/** Options of {@link RedisStreamSink}. */
export interface RedisSinkOptions {
  /** Where to write: a `redis://` URL (see {@link parseRedisSinkUrl}) or a parsed target. */
  readonly target: string | RedisSinkTarget;
  /** Names this netrx instance in every entry's `source` field (default: the host name). */
  readonly source?: string;
  /**
   * When the window is full: `wait` (default; for a file: nothing is lost, the reader waits on
   * {@link RedisStreamSink.ready}) or `drop-oldest` (for a live capture, which cannot wait: the
   * oldest records not yet on the wire are dropped and counted).
   */
  readonly overflow?: RedisSinkOverflow;
  /** Most records held that Redis has not acknowledged (default 20000). */
  readonly window?: number;
  /** XADDs per pipelined batch (default 500). */
  readonly batchSize?: number;
  /** Batches on the wire at once, awaiting their replies (default 4). */
  readonly maxBatchesInFlight?: number;
  /** Reconnection backoff and when to give up. */
  readonly reconnect?: RedisReconnectOptions;
  /** How long connecting may take, at the start and on each reconnection attempt, in ms (default 5000). */
  readonly connectTimeoutMs?: number;
  /**
   * How long a batch may wait for its replies, in ms (default 10000, or `reconnect.giveUpAfterMs`
   * when that is shorter). A Redis that stops answering with its socket open (frozen, stopped,
   * a dead host whose TCP connection has not timed out) is then treated as a lost connection:
   * the socket is dropped and the sink reconnects, resends, or gives up as it does when the
   * connection closes. One timer per batch, not per XADD.
   */
  readonly replyTimeoutMs?: number;
}

/** The part of the node-redis client the sink uses. */
interface SinkClient {
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  sendCommand(args: readonly (string | Buffer)[]): Promise<unknown>;
  close(): Promise<void>;
  destroy(): void;
  on(event: string, listener: (arg: unknown) => void): unknown;
}

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

  private readonly overflow: RedisSinkOverflow;
  private readonly window: number;
  private readonly lowWater: number;
  private readonly batchSize: number;
  private readonly maxBatches: number;
  private readonly initialDelay: number;
  private readonly maxDelay: number;
  private readonly giveUpAfter: number;
  private readonly connectTimeout: number;
  private readonly replyTimeout: number;
  /** `KEY:0` … `KEY:{shards-1}`. */
  private readonly keys: string[];
  /** `['MAXLEN', '~', M]` or nothing. */
  private readonly trim: string[];
  private readonly shardsKey: string;

  private state: State = 'new';
  private client: SinkClient | undefined;
  private readonly queue = new RecordQueue();
  private inflight: Batch[] = [];
  /** Bumped when the connection is lost: replies to batches of an older generation are ignored. */
  private generation = 0;
  /** The connection is usable: ready, and not loading its data set. */
  private usable = false;
  private pumpScheduled = false;
  /** When the connection was lost (performance.now()), or undefined while connected. */
  private downSince: number | undefined;
  private lastError: unknown;
  private failure: RedisSinkError | undefined;
  private readyWait: { promise: Promise<void>; resolve: () => void } | undefined;
  private flushWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private readonly failureListeners = new Set<(err: RedisSinkError) => void>();
  private probeTimer: NodeJS.Timeout | undefined;
  /** The probe's reply deadline. */
  private probeDeadline: NodeJS.Timeout | undefined;
  /** Fails the sink when Redis has been away `giveUpAfter`, whatever the client is doing meanwhile. */
  private giveUpTimer: NodeJS.Timeout | undefined;

  constructor(options: RedisSinkOptions) {
    this.target = typeof options.target === 'string' ? parseRedisSinkUrl(options.target) : options.target;
    this.source = options.source ?? hostname();
    this.overflow = options.overflow ?? 'wait';
    this.window = positive('window', options.window ?? 20_000);
    this.lowWater = Math.floor(this.window / 2);
    this.batchSize = positive('batchSize', options.batchSize ?? 500);
    this.maxBatches = positive('maxBatchesInFlight', options.maxBatchesInFlight ?? 4);
    this.initialDelay = positive('reconnect.initialDelayMs', options.reconnect?.initialDelayMs ?? 50);
    this.maxDelay = positive('reconnect.maxDelayMs', options.reconnect?.maxDelayMs ?? 2000);
    this.giveUpAfter = positive('reconnect.giveUpAfterMs', options.reconnect?.giveUpAfterMs ?? this.target.giveUpAfterMs ?? 30_000);
    this.connectTimeout = positive('connectTimeoutMs', options.connectTimeoutMs ?? 5000);
    this.replyTimeout = positive('replyTimeoutMs', options.replyTimeoutMs ?? Math.min(10_000, this.giveUpAfter));
    if (this.overflow !== 'wait' && this.overflow !== 'drop-oldest') {
      throw new RedisSinkError('ERR_REDIS_SINK_OPTION', `overflow must be wait or drop-oldest, not "${String(this.overflow)}"`);
    }
    const { key, shards, maxlen } = this.target;
    this.keys = Array.from({ length: shards }, (_, i) => `${key}:${i}`);
    this.trim = maxlen === undefined ? [] : ['MAXLEN', '~', String(maxlen)];
    this.shardsKey = `${key}:shards`;
  }

  /** `redis://host:port/key` (password hidden), for messages. */
  get description(): string {
    return formatRedisSinkTarget(this.target);
  }

  /** Whether records are being sent now: connected, and Redis not loading its data after a restart. */
  get connected(): boolean {
    return this.usable && this.client?.isReady === true && (this.state === 'open' || this.state === 'closing');
  }

  /**
   * Connects to Redis and checks that the key's recorded shard count (`KEY:shards`, set by the
   * first writer) is this sink's. Rejects with `ERR_REDIS_SINK_CONNECT` (unreachable, with what
   * to check), `ERR_REDIS_SINK_AUTH` or `ERR_REDIS_SINK_SHARDS`: call it before reading anything.
   */
  async connect(): Promise<void> {
    if (this.state !== 'new') throw new RedisSinkError('ERR_REDIS_SINK_STATE', `connect() was already called on the sink to ${this.description}`);
    this.state = 'connecting';
    const client = this.newClient();
    // A server that accepts the connection but never answers (stopped, hung: the client's own
    // connect timeout covers only the TCP handshake) must not hold the run before it has read anything.
    let deadline: NodeJS.Timeout | undefined;
    const silent = new Promise<never>((_, reject) => {
      deadline = setTimeout(() => reject(this.connectError(new Error(`no answer within ${seconds(this.connectTimeout)} s`))), this.connectTimeout);
    });
    try {
      await Promise.race([client.connect().catch((err: unknown) => Promise.reject(this.connectError(err))), silent]);
      await Promise.race([this.checkShards(), silent]);
    } catch (err) {
      this.state = 'failed';
      client.destroy();
      throw err;
    } finally {
      clearTimeout(deadline);
    }
    this.state = 'open';
    this.usable = true;
    this.schedulePump();
  }

  /** A client with the sink's settings and listeners (those of a replaced client are ignored). */
  private newClient(): SinkClient {
    const t = this.target;
    const client = createClient({
      socket: { host: t.host, port: t.port, connectTimeout: this.connectTimeout, reconnectStrategy: (retries: number, cause: Error) => this.reconnectDelay(retries, cause) },
      ...(t.username === undefined ? {} : { username: t.username }),
      ...(t.password === undefined ? {} : { password: t.password }),
      // RESP2: XADD and SET need nothing newer, and Redis 5 (the first with streams) has no HELLO.
      RESP: 2,
      // Commands are never queued by the client while it is offline: the sink keeps the records
      // itself and sends them again, in order, once the connection is back.
      disableOfflineQueue: true,
      // No per-command timer (one per XADD would cost more than the XADD): the sink keeps one
      // reply deadline per batch, and a socket that closes is noticed at once.
      commandOptions: { timeout: 0 },
    }) as unknown as SinkClient;
    this.client = client;
    client.on('error', (err) => client === this.client && this.onConnectionError(err));
    client.on('ready', () => client === this.client && this.onReady());
    client.on('terminated', (cause) => client === this.client && this.onTerminated(cause));
    return client;
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
    if (this.overflow === 'drop-oldest') {
      while (s.pending > this.window && this.queue.length > 0) {
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
    if (this.overflow !== 'wait' || this.stats.pending < this.window || this.state === 'failed' || this.state === 'closed') return undefined;
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
    this.stopTimers();
    await this.client?.close().catch(() => this.client?.destroy());
    return { ...this.stats };
  }

  /** Stops at once: disconnects without waiting; records not acknowledged are abandoned (still counted in `stats.pending`). */
  destroy(): void {
    if (this.state === 'closed' || this.state === 'failed') return;
    this.state = 'closed';
    this.stopTimers();
    this.client?.destroy();
    this.readyWait?.resolve();
    this.readyWait = undefined;
    const err = new RedisSinkError('ERR_REDIS_SINK_CLOSED', `the sink to ${this.description} was destroyed with ${this.stats.pending} records not written`);
    for (const w of this.flushWaiters.splice(0)) w.reject(err);
  }

  // ---- sending

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
    const client = this.client;
    if (!client || !this.usable || !client.isReady || (this.state !== 'open' && this.state !== 'closing')) return;
    while (this.queue.length > 0 && this.inflight.length < this.maxBatches) {
      const n = Math.min(this.batchSize, this.queue.length);
      const records = new Array<RedisStreamRecord>(n);
      const replies = new Array<Promise<unknown>>(n);
      for (let i = 0; i < n; i++) {
        const r = this.queue.shift()!;
        records[i] = r;
        replies[i] = client.sendCommand(this.xadd(r));
      }
      const batch: Batch = { records, generation: this.generation, done: false, sentAt: performance.now(), timer: undefined };
      batch.timer = setTimeout(() => this.onBatchStalled(batch), this.replyTimeout);
      this.inflight.push(batch);
      Promise.all(replies).then(
        () => this.onBatchDone(batch),
        (err: unknown) => this.onBatchFailed(batch, err),
      );
    }
  }

  /** `XADD KEY:{shard} [MAXLEN ~ M] * id … source … json …`. */
  private xadd(r: RedisStreamRecord): (string | Buffer)[] {
    const f = r.fields;
    const shard = ((r.shardKey ?? connectionShardKey(f.client, f.server)) >>> 0) % this.keys.length;
    const args: (string | Buffer)[] = ['XADD', this.keys[shard]!, ...this.trim, '*', 'id', r.id, 'source', this.source, 'stream', String(f.stream)];
    if (f.dir !== undefined) args.push('dir', f.dir);
    if (f.type !== undefined) args.push('type', f.type);
    // Bytes go to the socket as they are (node-redis takes a Buffer, not any Uint8Array: a view, not a copy).
    const json = typeof r.json === 'string' || Buffer.isBuffer(r.json) ? r.json : Buffer.from(r.json.buffer, r.json.byteOffset, r.json.byteLength);
    args.push('ts', f.ts, 'client', f.client, 'server', f.server, 'json', json);
    return args;
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
    if (err instanceof ErrorReply) {
      // Redis is up but still loading its data set after a restart: wait, then resend in order.
      if (err.message.startsWith('LOADING')) {
        this.requeueInflight(err);
        this.usable = false;
        this.startProbe();
        return;
      }
      return this.fail(
        'ERR_REDIS_SINK_REPLY',
        `Redis at ${this.where()} refused XADD to ${this.target.key}:*: ${err.message}; ${this.stats.written} records were written, ${this.stats.pending} were not`,
        err,
      );
    }
    this.requeueInflight(err);
    // Usually the connection is gone and 'ready' resumes sending once it is back; if the client
    // still says ready (a command failed without the socket closing), resume after a probe.
    if (this.client?.isReady && this.usable) {
      this.usable = false;
      this.startProbe();
    }
  }

  /**
   * No reply to a whole batch within the deadline: Redis stopped answering with its socket open
   * (SIGSTOP, a hung server, a host gone without a reset). The connection is dropped and a new
   * one made, as after a socket error: the batches are resent once Redis answers, or the sink
   * gives up `giveUpAfter` after this batch was sent (when Redis was last possibly alive).
   */
  private onBatchStalled(batch: Batch): void {
    if (batch.done || batch.generation !== this.generation || (this.state !== 'open' && this.state !== 'closing')) return;
    const err = new Error(`Redis did not answer ${batch.records.length} XADDs within ${seconds(this.replyTimeout)} s`);
    this.markDown(batch.sentAt);
    this.requeueInflight(err);
    this.reopen();
  }

  /** Drops the connection (destroying the client, whose socket may never close by itself) and connects anew with the reconnection backoff. */
  private reopen(): void {
    this.usable = false;
    this.stopProbe();
    const old = this.client;
    const client = this.newClient();
    old?.destroy();
    // Failing for good is reported by 'terminated' (onTerminated) or the give-up timer.
    client.connect().catch(() => {});
  }

  /** Puts the records on the wire back at the front of the queue, to be sent again in order. */
  private requeueInflight(cause: unknown): void {
    this.lastError = cause;
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
    if (this.readyWait && s.pending <= this.lowWater) {
      this.readyWait.resolve();
      this.readyWait = undefined;
    }
    if (s.pending === 0 && this.flushWaiters.length > 0) for (const w of this.flushWaiters.splice(0)) w.resolve();
  }

  // ---- connection events

  private onConnectionError(err: unknown): void {
    if (this.state !== 'open' && this.state !== 'closing') return;
    this.usable = false;
    this.markDown();
    this.requeueInflight(err);
  }

  private onReady(): void {
    if (this.state !== 'open' && this.state !== 'closing') return;
    this.stats.reconnects++;
    // The server may still be loading its data (AOF/RDB) after a restart: probe before sending.
    this.startProbe();
  }

  private onTerminated(cause: unknown): void {
    if (this.state !== 'open' && this.state !== 'closing') return;
    // node-redis's ReconnectStrategyError wraps the socket's error, which says why.
    this.lastError = (cause as { socketError?: unknown } | undefined)?.socketError ?? this.lastError ?? cause;
    this.failLost();
  }

  private reconnectDelay(retries: number, cause: Error): number | Error {
    // The first connection is not retried: connect() fails at once and says why.
    if (this.state === 'connecting') return cause;
    if (this.state !== 'open' && this.state !== 'closing') return new Error('the sink is closed');
    this.lastError = cause;
    this.markDown();
    if (performance.now() - this.downSince! >= this.giveUpAfter) return new Error('gave up reconnecting');
    return Math.min(this.maxDelay, this.initialDelay * 2 ** Math.min(retries, 20));
  }

  /** Sends a cheap data command until Redis answers it (not `LOADING`), then resumes sending. */
  private startProbe(attempt = 0): void {
    this.stopProbe();
    const client = this.client;
    if (!client || (this.state !== 'open' && this.state !== 'closing')) return;
    const sentAt = performance.now();
    // A Redis that accepts connections but does not answer (still stopped) must not hold the probe forever.
    this.probeDeadline = setTimeout(() => {
      this.probeDeadline = undefined;
      if (client !== this.client || (this.state !== 'open' && this.state !== 'closing')) return;
      this.lastError = new Error(`Redis did not answer EXISTS within ${seconds(this.replyTimeout)} s`);
      this.markDown(sentAt);
      this.reopen();
    }, this.replyTimeout);
    client.sendCommand(['EXISTS', this.shardsKey]).then(
      () => {
        if (client !== this.client || (this.state !== 'open' && this.state !== 'closing')) return;
        this.stopProbe();
        this.usable = true;
        this.markUp();
        this.pump();
      },
      (err: unknown) => {
        if (client !== this.client || (this.state !== 'open' && this.state !== 'closing')) return;
        this.stopProbe();
        if (err instanceof ErrorReply && err.message.startsWith('LOADING')) {
          this.lastError = err;
          this.markDown();
          if (performance.now() - this.downSince! >= this.giveUpAfter) return this.failLost();
          const delay = Math.min(this.maxDelay, this.initialDelay * 2 ** Math.min(attempt, 20));
          this.probeTimer = setTimeout(() => this.startProbe(attempt + 1), delay);
          return;
        }
        if (err instanceof ErrorReply) return this.fail('ERR_REDIS_SINK_REPLY', `Redis at ${this.where()} refused EXISTS ${this.shardsKey}: ${err.message}`, err);
        // The connection dropped again: the client reconnects and 'ready' probes again.
      },
    );
  }

  private stopProbe(): void {
    clearTimeout(this.probeTimer);
    clearTimeout(this.probeDeadline);
    this.probeTimer = undefined;
    this.probeDeadline = undefined;
  }

  /**
   * Redis is away (since `at`, default now, unless it already was): starts the give-up clock.
   * The timer ends the wait even when the client is stuck in between (a connection accepted by a
   * stopped server, its handshake unanswered), where no reconnection attempt would check it.
   */
  private markDown(at = performance.now()): void {
    if (this.downSince !== undefined && this.downSince <= at) return;
    this.downSince = at;
    clearTimeout(this.giveUpTimer);
    this.giveUpTimer = setTimeout(() => {
      this.giveUpTimer = undefined;
      if (this.downSince !== undefined && (this.state === 'open' || this.state === 'closing')) this.failLost();
    }, Math.max(0, at + this.giveUpAfter - performance.now()));
  }

  /** Redis answers again. */
  private markUp(): void {
    this.downSince = undefined;
    clearTimeout(this.giveUpTimer);
    this.giveUpTimer = undefined;
  }

  private stopTimers(): void {
    this.stopProbe();
    this.markUp();
    for (const b of this.inflight) clearTimeout(b.timer);
  }

  /** `KEY:shards` holds the shard count of the key's first writer; every writer must agree. */
  private async checkShards(): Promise<void> {
    const client = this.client!;
    const n = String(this.target.shards);
    for (let attempt = 0; ; attempt++) {
      try {
        await client.sendCommand(['SET', this.shardsKey, n, 'NX']);
        const have = await client.sendCommand(['GET', this.shardsKey]);
        if (have !== n) {
          throw new RedisSinkError(
            'ERR_REDIS_SINK_SHARDS',
            `${this.target.key} at ${this.where()} is already written with ${String(have)} shards (${this.shardsKey}), not ${n}: add ?shards=${String(have)} to the URL, or use another key`,
          );
        }
        return;
      } catch (err) {
        if (err instanceof ErrorReply && err.message.startsWith('LOADING') && attempt * this.initialDelay < this.connectTimeout) {
          await new Promise((r) => setTimeout(r, this.initialDelay));
          continue;
        }
        if (err instanceof RedisSinkError) throw err;
        if (err instanceof ErrorReply && /^(NOAUTH|NOPERM)/.test(err.message)) {
          throw new RedisSinkError('ERR_REDIS_SINK_AUTH', `Redis at ${this.where()} needs credentials (${err.message}): put them in the --sink URL, redis://[user:]password@HOST:PORT/KEY`, { cause: err });
        }
        if (err instanceof ErrorReply) throw new RedisSinkError('ERR_REDIS_SINK_REPLY', `Redis at ${this.where()} refused SET ${this.shardsKey}: ${err.message}`, { cause: err });
        throw this.connectError(err);
      }
    }
  }

  // ---- failing

  private failLost(): void {
    const s = this.stats;
    const secs = seconds(this.giveUpAfter);
    this.fail(
      'ERR_REDIS_SINK_LOST',
      `lost the connection to Redis at ${this.where()} and it did not come back within ${secs} s (${describeCause(this.lastError)}): ${s.written} records were written to ${this.target.key}, ${s.pending} were not`,
      this.lastError,
    );
  }

  private fail(code: RedisSinkErrorCode, message: string, cause: unknown): void {
    if (this.failure) return;
    const err = new RedisSinkError(code, message, { cause });
    this.failure = err;
    this.state = 'failed';
    this.usable = false;
    this.stopTimers();
    this.client?.destroy();
    this.readyWait?.resolve();
    this.readyWait = undefined;
    for (const w of this.flushWaiters.splice(0)) w.reject(err);
    for (const l of [...this.failureListeners]) l(err);
    this.failureListeners.clear();
  }

  private connectError(err: unknown): RedisSinkError {
    // connect() rejects with node-redis's ReconnectStrategyError; the socket's error is the why.
    const cause = (err as { socketError?: unknown } | undefined)?.socketError ?? err;
    const text = describeCause(cause);
    if (cause instanceof ErrorReply && /^(WRONGPASS|NOAUTH|NOPERM)/.test(cause.message)) {
      return new RedisSinkError('ERR_REDIS_SINK_AUTH', `Redis at ${this.where()} refused the credentials (${text}): check the user and password in the --sink URL`, { cause });
    }
    return new RedisSinkError('ERR_REDIS_SINK_CONNECT', `cannot connect to Redis at ${this.where()} (${text}): is redis-server running and listening there?`, { cause });
  }

  private where(): string {
    const h = this.target.host.includes(':') ? `[${this.target.host}]` : this.target.host;
    return `${h}:${this.target.port}`;
  }
}

/** Creates a {@link RedisStreamSink} and connects it; rejects as {@link RedisStreamSink.connect} does. */
export async function createRedisSink(options: RedisSinkOptions): Promise<RedisStreamSink> {
  const sink = new RedisStreamSink(options);
  await sink.connect();
  return sink;
}

/** `0.3`, `10`: milliseconds as seconds for messages. */
function seconds(ms: number): string {
  return (ms / 1000).toLocaleString('en', { maximumFractionDigits: 1 });
}

function positive(name: string, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RedisSinkError('ERR_REDIS_SINK_OPTION', `${name} must be a whole number of at least 1, not ${n}`);
  return n;
}

/** `connection refused (ECONNREFUSED)`, or the error's message. */
function describeCause(err: unknown): string {
  if (err === undefined) return 'no error reported';
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ECONNREFUSED') return 'connection refused (ECONNREFUSED)';
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return `no such host (${e.code})`;
  if (e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH') return `host unreachable (${e.code})`;
  return e.message ?? String(err);
}
