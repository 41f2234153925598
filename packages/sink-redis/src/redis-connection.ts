import { createClient, ErrorReply } from 'redis';
import { RedisSinkError, type RedisSinkErrorCode } from './errors.js';
import type { RedisSinkSettings } from './redis-sink-options.js';
import { checkShardCount, shardCountKey } from './shard-count.js';
import type { RedisSinkStats } from './types.js';

/** The part of the node-redis client the sink uses. */
export interface SinkClient {
  /** Connected and past the handshake. */
  readonly isReady: boolean;
  /** Opens the socket (and authenticates). */
  connect(): Promise<unknown>;
  /** Sends one command; settles with its reply. */
  sendCommand(args: readonly (string | Buffer)[]): Promise<unknown>;
  /** Closes after the replies still awaited. */
  close(): Promise<void>;
  /** Closes at once. */
  destroy(): void;
  /** Listens to `error`, `ready` and `terminated`. */
  on(event: string, listener: (arg: unknown) => void): unknown;
}

/** What the connection tells the sink that owns it. */
export interface RedisConnectionEvents {
  /** The connection was lost: the commands awaiting replies must be sent again once Redis answers. */
  lost(): void;
  /** Redis answers again (after a reconnection, or after loading its data set): sending may resume. */
  answering(): void;
  /** Redis stayed away longer than the give-up time, or refused a command: the sink fails. */
  failed(code: RedisSinkErrorCode, message: string, cause: unknown): void;
}

/**
 * `idle`: not connected yet; `connecting`: the first connection, not retried; `open`: reconnects
 * and probes until stopped; `stopped`: every event of the client is ignored.
 */
type Phase = 'idle' | 'connecting' | 'open' | 'stopped';

/**
 * The sink's link to Redis: connects with a deadline and checks the shard count, reconnects with
 * exponential backoff after losing Redis (or after it stops answering: {@link noAnswer}), probes
 * with a cheap command until Redis has loaded its data set (`-LOADING`), and fails the sink
 * (through {@link RedisConnectionEvents.failed}) once Redis has been away `giveUpAfterMs`,
 * whatever the client is doing meanwhile. Its own commands (the shard check, the probe) go out
 * only while the sink's are held ({@link sending} false).
 */
export class RedisConnection {
  /** Why Redis was last away or refused, for the message when the sink gives up. */
  private lastError: unknown;
  private phase: Phase = 'idle';
  private current: SinkClient | undefined;
  /** The connection is usable: ready, and not loading its data set. */
  private usable = false;
  /** When the connection was lost (performance.now()), or undefined while connected. */
  private downSince: number | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  /** The probe's reply deadline. */
  private probeDeadline: NodeJS.Timeout | undefined;
  /** Fails the sink when Redis has been away `giveUpAfterMs`, whatever the client is doing meanwhile. */
  private giveUpTimer: NodeJS.Timeout | undefined;
  /** `KEY:shards`: the shard count of the key's first writer. */
  private readonly shardsKey: string;

  constructor(
    private readonly settings: RedisSinkSettings,
    /** The sink's counters: `reconnects` is counted here, `written` and `pending` are told when giving up. */
    private readonly stats: RedisSinkStats,
    private readonly events: RedisConnectionEvents,
  ) {
    this.shardsKey = shardCountKey(settings.target.key);
  }

  /** The client to send on while Redis takes commands (connected, not loading), else undefined. */
  get client(): SinkClient | undefined {
    return this.usable && this.current?.isReady === true ? this.current : undefined;
  }

  /** Whether commands can be sent now: connected, and Redis not loading its data after a restart. */
  get sending(): boolean {
    return this.client !== undefined;
  }

  /** `HOST:PORT` (`[v6]:PORT`), for messages. */
  get where(): string {
    const t = this.settings.target;
    const h = t.host.includes(':') ? `[${t.host}]` : t.host;
    return `${h}:${t.port}`;
  }

  /**
   * Connects and checks the key's shard count, within `connectTimeoutMs`; rejects with
   * `ERR_REDIS_SINK_CONNECT`, `ERR_REDIS_SINK_AUTH`, `ERR_REDIS_SINK_SHARDS` or `ERR_REDIS_SINK_REPLY`.
   */
  async connect(): Promise<void> {
    this.phase = 'connecting';
    const client = this.newClient();
    const timeout = this.settings.connectTimeoutMs;
    // A server that accepts the connection but never answers (stopped, hung: the client's own
    // connect timeout covers only the TCP handshake) must not hold the run before it has read anything.
    let deadline: NodeJS.Timeout | undefined;
    const silent = new Promise<never>((_, reject) => {
      deadline = setTimeout(() => reject(this.connectError(new Error(`no answer within ${seconds(timeout)} s`))), timeout);
    });
    try {
      await Promise.race([client.connect().catch(this.explainConnectError), silent]);
      await Promise.race([checkShardCount(client, this.settings.target, this.where, this.settings).catch(this.explainConnectError), silent]);
    } catch (err) {
      this.phase = 'stopped';
      client.destroy();
      throw err;
    } finally {
      clearTimeout(deadline);
    }
    this.phase = 'open';
    this.usable = true;
  }

  /**
   * A command failed: `-LOADING` (Redis restarted and is loading its data set) or anything else
   * while the client still says ready (the socket did not close) holds sending until a probe is
   * answered; a closed socket is reconnected by the client, and `ready` probes.
   */
  commandFailed(err: unknown): void {
    this.lastError = err;
    if ((err instanceof ErrorReply && err.message.startsWith('LOADING')) || this.sending) {
      this.usable = false;
      this.startProbe();
    }
  }

  /**
   * No reply to `what` (sent at `sentAt`) within `replyTimeoutMs`: Redis stopped answering with
   * its socket open (SIGSTOP, a hung server, a host gone without a reset). The connection is
   * dropped and a new one made, as after a socket error; the give-up clock runs from `sentAt`,
   * when Redis was last possibly alive.
   */
  noAnswer(what: string, sentAt: number): void {
    this.lastError = new Error(`Redis did not answer ${what} within ${seconds(this.settings.replyTimeoutMs)} s`);
    this.markDown(sentAt);
    this.reopen();
  }

  /** Stops everything and closes the socket gracefully (replies still awaited come in first). */
  async close(): Promise<void> {
    this.stopTimers();
    this.phase = 'stopped';
    await this.current?.close().catch(() => this.current?.destroy());
  }

  /** Stops everything and drops the socket at once. */
  destroy(): void {
    this.phase = 'stopped';
    this.usable = false;
    this.stopTimers();
    this.current?.destroy();
  }

  /** A client with the sink's settings and listeners (those of a replaced client are ignored). */
  private newClient(): SinkClient {
    const t = this.settings.target;
    const client = createClient({
      socket: { host: t.host, port: t.port, connectTimeout: this.settings.connectTimeoutMs, reconnectStrategy: (retries: number, cause: Error) => this.reconnectDelay(retries, cause) },
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
    this.current = client;
    client.on('error', (err) => client === this.current && this.onConnectionError(err));
    client.on('ready', () => client === this.current && this.onReady());
    client.on('terminated', (cause) => client === this.current && this.onTerminated(cause));
    return client;
  }

  /** Drops the connection (destroying the client, whose socket may never close by itself) and connects anew with the reconnection backoff. */
  private reopen(): void {
    this.usable = false;
    this.stopProbe();
    const old = this.current;
    const client = this.newClient();
    old?.destroy();
    // Failing for good is reported by 'terminated' (onTerminated) or the give-up timer.
    client.connect().catch(() => {});
  }

  // ---- client events

  private onConnectionError(err: unknown): void {
    if (this.phase !== 'open') return;
    this.usable = false;
    this.markDown();
    this.lastError = err;
    this.events.lost();
  }

  private onReady(): void {
    if (this.phase !== 'open') return;
    this.stats.reconnects++;
    // The server may still be loading its data (AOF/RDB) after a restart: probe before sending.
    this.startProbe();
  }

  private onTerminated(cause: unknown): void {
    if (this.phase !== 'open') return;
    // node-redis's ReconnectStrategyError wraps the socket's error, which says why.
    this.lastError = (cause as { socketError?: unknown } | undefined)?.socketError ?? this.lastError ?? cause;
    this.failLost();
  }

  private reconnectDelay(retries: number, cause: Error): number | Error {
    // The first connection is not retried: connect() fails at once and says why.
    if (this.phase === 'connecting') return cause;
    if (this.phase !== 'open') return new Error('the sink is closed');
    this.lastError = cause;
    this.markDown();
    if (performance.now() - this.downSince! >= this.settings.giveUpAfterMs) return new Error('gave up reconnecting');
    return this.backoff(retries);
  }

  /** `initialDelayMs` doubled `attempt` times, at most `maxDelayMs`. */
  private backoff(attempt: number): number {
    return Math.min(this.settings.maxDelayMs, this.settings.initialDelayMs * 2 ** Math.min(attempt, 20));
  }

  // ---- waiting for Redis to answer

  /** Sends a cheap data command until Redis answers it (not `LOADING`), then resumes sending. */
  private startProbe(attempt = 0): void {
    this.stopProbe();
    const client = this.current;
    if (!client || this.phase !== 'open') return;
    const sentAt = performance.now();
    // A Redis that accepts connections but does not answer (still stopped) must not hold the probe forever.
    this.probeDeadline = setTimeout(() => {
      this.probeDeadline = undefined;
      if (client === this.current && this.phase === 'open') this.noAnswer('EXISTS', sentAt);
    }, this.settings.replyTimeoutMs);
    client.sendCommand(['EXISTS', this.shardsKey]).then(
      () => {
        if (client !== this.current || this.phase !== 'open') return;
        this.stopProbe();
        this.usable = true;
        this.markUp();
        this.events.answering();
      },
      (err: unknown) => {
        if (client !== this.current || this.phase !== 'open') return;
        this.stopProbe();
        if (err instanceof ErrorReply && err.message.startsWith('LOADING')) {
          this.lastError = err;
          this.markDown();
          if (performance.now() - this.downSince! >= this.settings.giveUpAfterMs) return this.failLost();
          this.probeTimer = setTimeout(() => this.startProbe(attempt + 1), this.backoff(attempt));
          return;
        }
        if (err instanceof ErrorReply) return this.events.failed('ERR_REDIS_SINK_REPLY', `Redis at ${this.where} refused EXISTS ${this.shardsKey}: ${err.message}`, err);
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
      if (this.downSince !== undefined && this.phase === 'open') this.failLost();
    }, Math.max(0, at + this.settings.giveUpAfterMs - performance.now()));
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
  }

  // ---- failing

  private failLost(): void {
    const s = this.stats;
    this.events.failed(
      'ERR_REDIS_SINK_LOST',
      `lost the connection to Redis at ${this.where} and it did not come back within ${seconds(this.settings.giveUpAfterMs)} s (${describeCause(this.lastError)}): ${s.written} records were written to ${this.settings.target.key}, ${s.pending} were not`,
      this.lastError,
    );
  }

  /** Rejects with `err` if it is already a {@link RedisSinkError}, else with {@link connectError}'s explanation. */
  private readonly explainConnectError = (err: unknown): Promise<never> => Promise.reject(err instanceof RedisSinkError ? err : this.connectError(err));

  private connectError(err: unknown): RedisSinkError {
    // connect() rejects with node-redis's ReconnectStrategyError; the socket's error is the why.
    const cause = (err as { socketError?: unknown } | undefined)?.socketError ?? err;
    const text = describeCause(cause);
    if (cause instanceof ErrorReply && /^(WRONGPASS|NOAUTH|NOPERM)/.test(cause.message)) {
      return new RedisSinkError('ERR_REDIS_SINK_AUTH', `Redis at ${this.where} refused the credentials (${text}): check the user and password in the --sink URL`, { cause });
    }
    return new RedisSinkError('ERR_REDIS_SINK_CONNECT', `cannot connect to Redis at ${this.where} (${text}): is redis-server running and listening there?`, { cause });
  }
}

/** `0.3`, `10`: milliseconds as seconds for messages. */
function seconds(ms: number): string {
  return (ms / 1000).toLocaleString('en', { maximumFractionDigits: 1 });
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
