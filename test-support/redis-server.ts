/**
 * A real `redis-server` for tests: started on a free loopback port with a temporary `--dir`, no
 * RDB snapshots (`--save ''`), optionally an append-only file fsynced on every write (so a
 * server killed with SIGKILL comes back with everything it acknowledged), stopped by its PID.
 * When the binary is not installed, tests skip and say so plainly (`.ci/run` installs Debian's
 * redis-server). And reading back what a sink wrote ({@link readShards}).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';

/** The redis-server binary (`REDIS_SERVER` overrides), or undefined when there is none. */
export const redisServerPath: string | undefined = (() => {
  const p = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
  return existsSync(p) ? p : undefined;
})();

/** Call at the top of a test file: prints a plain notice when redis-server is missing. */
export function noteIfRedisMissing(what: string): boolean {
  if (redisServerPath) return false;
  console.warn(`SKIPPED: ${what}: redis-server is not installed (apt-get install redis-server), so these tests did not run`);
  return true;
}

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** Append-only file with `appendfsync always`: what was acknowledged survives SIGKILL. */
  readonly persistent?: boolean;
  /** `requirepass`. */
  readonly password?: string;
  /** More `redis-server` arguments (`['--enable-debug-command', 'yes']`). */
  readonly args?: readonly string[];
}

/** A running (or stopped) test server. */
export interface RedisServer {
  readonly port: number;
  readonly dir: string;
  /** PID of the running server (undefined while stopped). */
  readonly pid: number | undefined;
  /** `redis://127.0.0.1:PORT/KEY` plus an optional query (`shards=4`). */
  url(key: string, query?: string): string;
  /** SIGKILL, as a crash: waits until the process is gone. */
  kill(): Promise<void>;
  /**
   * SIGSTOP: the server freezes with its sockets open. The kernel still accepts connections (up
   * to the backlog) and takes what clients write, but nothing is answered until {@link resume}.
   */
  pause(): void;
  /** SIGCONT after {@link pause}: the server reads and answers what was written meanwhile. */
  resume(): void;
  /**
   * Starts it again on the same port and dir (killing it first if it runs). Resolves once it
   * accepts connections, or, with `loading: true`, as soon as it logs that it is loading its data
   * (it then answers data commands with `-LOADING` for a while).
   */
  restart(options?: { loading?: boolean }): Promise<void>;
  /** SIGTERM, waits for exit, and removes the dir. */
  stop(): Promise<void>;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Starts redis-server on a free loopback port; resolves once it accepts connections. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  if (!redisServerPath) throw new Error('redis-server is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'netrx-redis-'));
  let port = await freePort();
  let child: ChildProcess | undefined;
  const args = (): string[] => [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--save', '',
    '--appendonly', options.persistent ? 'yes' : 'no',
    '--appendfsync', 'always',
    '--daemonize', 'no',
    '--logfile', '',
    ...(options.password === undefined ? [] : ['--requirepass', options.password]),
    ...(options.args ?? []),
  ];
  const launch = async (until = 'Ready to accept connections'): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      const c = spawn(redisServerPath!, args(), { stdio: ['ignore', 'pipe', 'pipe'] });
      const outcome = await new Promise<string | undefined>((resolve) => {
        let log = '';
        const timer = setTimeout(() => resolve(`did not start within 15 s:\n${log}`), 15_000);
        const onData = (b: Buffer): void => {
          log += b.toString();
          if (log.includes(until)) {
            clearTimeout(timer);
            resolve(undefined);
          }
        };
        c.stdout!.on('data', onData);
        c.stderr!.on('data', onData);
        c.once('exit', (code) => {
          clearTimeout(timer);
          resolve(`exited with status ${code}:\n${log}`);
        });
      });
      if (outcome === undefined) {
        child = c;
        c.stdout!.resume();
        c.stderr!.resume();
        return;
      }
      c.kill('SIGKILL');
      // Another process took the port between freePort() and the bind: try another one, unless
      // this is a restart, which must keep its port.
      if (attempt < 3 && child === undefined && outcome.includes('Address already in use') && !restarting) {
        port = await freePort();
        continue;
      }
      throw new Error(`redis-server on port ${port} ${outcome}`);
    }
  };
  let restarting = false;
  let paused = false;
  const signal = (name: NodeJS.Signals): void => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) throw new Error(`redis-server on port ${port} is not running: cannot send ${name}`);
    process.kill(c.pid!, name);
  };
  const waitExit = async (name: NodeJS.Signals): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    process.kill(c.pid!, name);
    // A stopped process acts on SIGTERM only once continued.
    if (paused) process.kill(c.pid!, 'SIGCONT');
    paused = false;
    await gone;
  };
  await launch();
  return {
    get port() {
      return port;
    },
    dir,
    get pid() {
      return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
    },
    url: (key, query) => `redis://127.0.0.1:${port}/${key}${query ? '?' + query : ''}`,
    kill: () => waitExit('SIGKILL'),
    pause: () => {
      signal('SIGSTOP');
      paused = true;
    },
    resume: () => {
      signal('SIGCONT');
      paused = false;
    },
    restart: async (opts) => {
      await waitExit('SIGKILL');
      restarting = true;
      child = undefined;
      // Redis 7 logs "DB loaded from append only file" after loading; before it, this line.
      await launch(opts?.loading ? 'Reading RDB base file on AOF loading' : undefined);
    },
    stop: async () => {
      await waitExit('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One stream entry as read back. */
export interface StreamEntry {
  readonly shard: number;
  readonly entryId: string;
  readonly fields: Readonly<Record<string, string>>;
}

/** A RESP2 client on 127.0.0.1:port (the caller closes it). */
export async function plainClient(port: number, password?: string) {
  const client = createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: false }, RESP: 2, ...(password ? { password } : {}) });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** What a sink wrote, read back with a plain client: every entry of `KEY:0` … `KEY:{shards-1}`, shard by shard, each in stream order. */
export async function readShards(port: number, key: string, shards: number): Promise<StreamEntry[][]> {
  const client = await plainClient(port);
  try {
    const out: StreamEntry[][] = [];
    for (let shard = 0; shard < shards; shard++) {
      const raw = (await client.sendCommand(['XRANGE', `${key}:${shard}`, '-', '+'])) as [string, string[]][];
      out.push(
        raw.map(([entryId, flat]) => {
          const fields: Record<string, string> = {};
          for (let i = 0; i < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
          return { shard, entryId, fields };
        }),
      );
    }
    return out;
  } finally {
    client.destroy();
  }
}
