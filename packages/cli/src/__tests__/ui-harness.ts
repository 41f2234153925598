// `netrx ui` as a user runs it: the built command in a process of its own (`node
// packages/cli/bin/netrx.js ui …`), its URL read from stdout, stopped with a signal.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** The command, as installed: it runs the built `dist/`. */
export const BIN = join(ROOT, 'packages/cli/bin/netrx.js');
/** The bundled chat capture: two connections, 32 messages. */
export const CHAT = join(ROOT, 'examples/chat-server/capture/chat.pcap');

/**
 * Builds the command (`tsc -b packages/cli`: quick when `dist/` is up to date), so the process
 * runs the sources under test. Throws with the compiler's output when it fails.
 */
export function buildCommand(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-b', 'packages/cli'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`tsc -b packages/cli failed:\n${r.stdout}${r.stderr}${r.error?.message ?? ''}`);
}

/** Runs `netrx …` to its end (for the commands that end, and for `ui` failing to start). */
export function netrx(args: readonly string[], env: NodeJS.ProcessEnv = process.env): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

/** A running `netrx ui`. */
export interface UiProcess {
  /** The URL it printed (its first line on stdout). */
  readonly url: string;
  readonly child: ChildProcess;
  /** What it wrote to stderr so far. */
  stderr(): string;
  /** Everything it wrote to stdout so far. */
  stdout(): string;
  /** Sends `signal` and waits for the exit status (throws after 20 s). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Settles with the exit status when the process ends. */
  readonly exited: Promise<number | null>;
}

/**
 * Starts `netrx ui …args` and resolves once it printed its URL; rejects (with its stderr) when it
 * exits first or prints nothing in `ms`.
 */
export function startUi(args: readonly string[], env: NodeJS.ProcessEnv = process.env, ms = 30_000): Promise<UiProcess> {
  const child = spawn(process.execPath, [BIN, 'ui', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise<UiProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`netrx ui printed no URL in ${ms} ms; stderr:\n${err}`));
    }, ms);
    const onData = (): void => {
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve({
        url: out.slice(0, nl),
        child,
        stderr: () => err,
        stdout: () => out,
        exited,
        stop: async (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return withTimeout(exited, 20_000, `netrx ui to exit after ${signal}`);
        },
      });
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`netrx ui exited (${code}) before printing a URL; stderr:\n${err}`));
    });
  });
}

/** Polls `check` until it returns true (15 s at most). */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Debian's Chromium (or `$NETRX_CHROMIUM`), or undefined. */
export function chromiumPath(): string | undefined {
  for (const p of [process.env['NETRX_CHROMIUM'], '/usr/bin/chromium', '/usr/bin/chromium-browser']) if (p && existsSync(p)) return p;
  return undefined;
}

/** Headless Chromium through playwright-core (no browser download). */
export async function launchBrowser(executablePath: string) {
  const { chromium } = await import('playwright-core');
  // As root, Chromium's sandbox cannot start; a container's small /dev/shm would crash its renderer.
  return chromium.launch({ executablePath, args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--disable-dev-shm-usage'] });
}
