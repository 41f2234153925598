import { spawn } from 'node:child_process';
import { LinkType } from '@netrx/core';
import { fromCaptureFile } from '@netrx/source-file';
import type { BackendHandle, BackendSink } from './backend.js';
import { classifyCaptureFailure, LiveCaptureError } from './live-capture-error.js';
import type { LiveCaptureStats, ResolvedLiveOptions } from './options.js';

/** How long tcpdump may take to start capturing, or to exit once asked to. */
const START_TIMEOUT_MS = 10_000;
const EXIT_TIMEOUT_MS = 3_000;
/** Most stderr kept: tcpdump says little, but a broken one must not fill memory. */
const MAX_STDERR = 64 * 1024;

/** tcpdump's link-type names (from its "listening on" line) that netrx decodes. */
const LINK_NAMES: Record<string, number> = {
  EN10MB: LinkType.ETHERNET,
  NULL: LinkType.NULL,
  LOOP: LinkType.LOOP,
  RAW: LinkType.RAW,
  LINUX_SLL: LinkType.LINUX_SLL,
  LINUX_SLL2: LinkType.LINUX_SLL2,
};

/** The arguments tcpdump runs with: pcap to stdout, packet-buffered, nanosecond kernel timestamps. */
export function tcpdumpArgs(o: ResolvedLiveOptions): string[] {
  // --immediate-mode: hand each packet over as it arrives; without it libpcap (TPACKET_V3) holds
  // packets up to a timeout, and those still held when tcpdump is stopped are lost.
  // -U: flush the output after each packet, so the pipeline sees it at once.
  const args = ['-i', o.device, '--immediate-mode', '-U', '--time-stamp-precision=nano', '-w', '-'];
  if (o.snaplen !== undefined) args.push('-s', String(o.snaplen));
  args.push('-B', String(Math.max(1, Math.ceil(o.bufferSize / 1024))));
  if (o.filter !== undefined) args.push(o.filter);
  return args;
}

/**
 * Runs `tcpdump -U -w -` as a child process and reads its stdout with the project's own pcap
 * reader ({@link fromCaptureFile}): kernel timestamps (nanoseconds), LINUX_SLL2 on `any`, no
 * native build. Resolves once tcpdump says it is listening. Kernel drops are read from the
 * summary tcpdump prints when it exits.
 */
export function openTcpdump(o: ResolvedLiveOptions, sink: BackendSink, stats: LiveCaptureStats): Promise<BackendHandle> {
  return new Promise<BackendHandle>((resolve, reject) => {
    // detached: its own process group, so a Ctrl-C at the terminal reaches only this process,
    // which then stops tcpdump itself (and so knows the exit is wanted, and collects its counts).
    const child = spawn(o.tcpdumpPath, tcpdumpArgs(o), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stderr = '';
    let started = false;
    let stopping = false;
    let disposed = false;
    let exited = false;
    let readerDone = false;
    let linkType: number | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    // A capture child must not outlive this process.
    const onProcessExit = (): void => void child.kill('SIGKILL');
    process.once('exit', onProcessExit);

    const startTimer = setTimeout(() => {
      if (started) return;
      child.kill('SIGKILL');
      reject(new LiveCaptureError('failed', `tcpdump did not start capturing on ${o.device} within ${START_TIMEOUT_MS / 1000} s: ${stderr.trim() || 'it said nothing'}`));
    }, START_TIMEOUT_MS);

    const finish = (): void => {
      if (exited && readerDone && !disposed) sink.end();
    };
    const handle: BackendHandle = {
      get linkType() {
        return linkType;
      },
      stop() {
        if (stopping || exited) return;
        stopping = true;
        // SIGINT: tcpdump flushes what it holds, prints its counts and exits.
        child.kill('SIGINT');
        killTimer = setTimeout(() => child.kill('SIGKILL'), EXIT_TIMEOUT_MS).unref();
      },
      dispose() {
        if (disposed) return;
        disposed = true;
        subscription.unsubscribe();
        if (!exited) {
          child.kill('SIGTERM');
          killTimer ??= setTimeout(() => child.kill('SIGKILL'), EXIT_TIMEOUT_MS).unref();
        }
      },
    };

    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(startTimer);
      process.removeListener('exit', onProcessExit);
      exited = true;
      const e =
        err.code === 'ENOENT'
          ? new LiveCaptureError('no-backend', `the tcpdump backend is not available: ${o.tcpdumpPath} was not found on PATH; install tcpdump (apt-get install tcpdump) or use the cap backend`)
          : new LiveCaptureError('failed', `could not run ${o.tcpdumpPath}: ${err.message}`, { cause: err });
      if (!started) reject(e);
      else if (!disposed) sink.fail(e);
    });

    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      if (stderr.length < MAX_STDERR) stderr += s;
      if (!started && /listening on/.test(stderr)) {
        started = true;
        clearTimeout(startTimer);
        const m = /link-type (\S+)/.exec(stderr);
        linkType = m ? LINK_NAMES[m[1]!] : undefined;
        stats.linkType ??= linkType;
        resolve(handle);
      }
    });

    child.once('exit', (code, signal) => {
      clearTimeout(startTimer);
      clearTimeout(killTimer);
      process.removeListener('exit', onProcessExit);
      exited = true;
      const drops = /(\d+) packets? dropped by kernel/.exec(stderr);
      if (drops) stats.kernelDropped = Number(drops[1]);
      const message = stderr.replace(/^tcpdump: /gm, '').replace(/^listening on .*$/m, '').trim();
      if (!started) {
        subscription.unsubscribe();
        reject(classifyCaptureFailure(message || `tcpdump exited (${signal ?? code}) before capturing`, o.device, o.filter, 'tcpdump'));
      } else if (!stopping && !disposed) {
        sink.fail(new LiveCaptureError('failed', `tcpdump stopped capturing on ${o.device} (exit ${signal ?? code}): ${message || 'no message'}`));
      }
      finish();
    });

    const subscription = fromCaptureFile(child.stdout, { name: 'tcpdump output' }).subscribe({
      next: (frame) => {
        if (linkType === undefined) stats.linkType = linkType = frame.linkType;
        sink.frame(frame);
      },
      error: (err: Error) => {
        readerDone = true;
        // Output cut short because tcpdump was stopped is not an error.
        if (!disposed && !stopping && started) sink.fail(new LiveCaptureError('failed', `reading tcpdump's output failed: ${err.message}`, { cause: err }));
        finish();
      },
      complete: () => {
        readerDone = true;
        finish();
      },
    });
  });
}
