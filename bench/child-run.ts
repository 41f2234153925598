import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TIME = '/usr/bin/time';

/** What one measured run of a command did. */
export interface ChildRun {
  /** Exit status, or null when a signal ended it. */
  readonly status: number | null;
  /** The signal that ended it (from the child, or ours on a timeout). */
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly wallSeconds: number;
  /** User + system CPU time of the command, seconds (from `/usr/bin/time`; undefined without it). */
  readonly cpuSeconds?: number;
  /** Peak resident set size, bytes (from `/usr/bin/time`). */
  readonly peakRssBytes?: number;
  /** Bytes written to standard output. */
  readonly stdoutBytes: number;
  /** The end of standard error (at most `stderrKeep` bytes), as text. */
  readonly stderr: string;
}

/** Options of {@link runMeasured}. */
export interface RunOptions {
  /** Kill the command (its whole process group) after this many seconds. */
  readonly timeoutSeconds: number;
  /** Bytes of standard error kept (the end); default 64 KiB. */
  readonly stderrKeep?: number;
  /** Keep the first this many bytes of standard output (default 0: only count them). */
  readonly stdoutKeep?: number;
}

let runs = 0;

/**
 * Runs `cmd args` under `/usr/bin/time -f '%e %U %S %M'` for its CPU time and peak RSS (the
 * children's rusage; `process.resourceUsage()` only sees this process), counting its standard
 * output without keeping it and keeping the end of its standard error. The command runs in a
 * process group of its own, so a timeout kills it and anything it started. Without
 * `/usr/bin/time` it still runs, with no CPU time or RSS.
 */
export function runMeasured(cmd: string, args: readonly string[], o: RunOptions): Promise<ChildRun & { stdoutHead: Buffer }> {
  const useTime = existsSync(TIME);
  const timeFile = join(tmpdir(), `netrx-bench-time-${process.pid}-${runs++}`);
  const argv = useTime ? ['-f', '%e %U %S %M', '-o', timeFile, cmd, ...args] : [...args];
  const keep = o.stderrKeep ?? 64 << 10;
  const headKeep = o.stdoutKeep ?? 0;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(useTime ? TIME : cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdoutBytes = 0;
    const head: Buffer[] = [];
    let headBytes = 0;
    let err: Buffer[] = [];
    let errBytes = 0;
    let timedOut = false;
    child.stdout.on('data', (b: Buffer) => {
      stdoutBytes += b.length;
      if (headBytes < headKeep) {
        head.push(b.subarray(0, headKeep - headBytes));
        headBytes += Math.min(b.length, headKeep - headBytes);
      }
    });
    child.stderr.on('data', (b: Buffer) => {
      err.push(b);
      errBytes += b.length;
      if (errBytes > 2 * keep) {
        const all = Buffer.concat(err);
        err = [all.subarray(all.length - keep)];
        errBytes = keep;
      }
    });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        // The group: /usr/bin/time and the command it started.
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, o.timeoutSeconds * 1000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      const wallSeconds = (performance.now() - t0) / 1000;
      let status = code;
      let signal: string | null = sig;
      let cpuSeconds: number | undefined;
      let peakRssBytes: number | undefined;
      if (useTime && existsSync(timeFile)) {
        const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
        rmSync(timeFile, { force: true });
        // "Command terminated by signal N" before the numbers when the command was killed.
        const killed = lines.map((l) => /terminated by signal (\d+)/.exec(l)).find(Boolean);
        if (killed) {
          signal = signalName(Number(killed[1]));
          status = null;
        }
        const [, user, sys, rssKb] = (lines.pop() ?? '').split(' ').map(Number);
        if (Number.isFinite(user) && Number.isFinite(sys)) cpuSeconds = user! + sys!;
        if (Number.isFinite(rssKb)) peakRssBytes = rssKb! * 1024;
      }
      const stderrAll = Buffer.concat(err);
      resolve({
        status,
        signal,
        timedOut,
        wallSeconds,
        cpuSeconds,
        peakRssBytes,
        stdoutBytes,
        stderr: stderrAll.subarray(Math.max(0, stderrAll.length - keep)).toString('utf8'),
        stdoutHead: Buffer.concat(head),
      });
    });
  });
}

function signalName(n: number): string {
  const names: Record<number, string> = { 6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 15: 'SIGTERM', 4: 'SIGILL', 7: 'SIGBUS', 8: 'SIGFPE' };
  return names[n] ?? `signal ${n}`;
}

/** The last non-empty line of `text` ('' when none). */
export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trimEnd()).filter(Boolean);
  return lines[lines.length - 1] ?? '';
}
