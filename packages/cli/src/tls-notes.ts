import type { AppEvent } from '@netrx/core';
import type { CliIO } from './output.js';

/**
 * Counts the TLS connections a command could not show because they were not decrypted, for one
 * line on stderr at the end (`netrx ws: 2 TLS connections not decrypted (no-key: 2) …`): an empty
 * output must not look like "no WebSocket here" when it is "no key".
 */
export class UndecryptedTls {
  private readonly byReason = new Map<string, number>();
  private count = 0;

  /** Looks at one event of the pipeline: counts a `tls.connection` that was not decrypted. */
  see(e: AppEvent): void {
    if (e.type !== 'tls.connection' || e.decrypted) return;
    this.count++;
    const reason = e.reason ?? 'unknown';
    this.byReason.set(reason, (this.byReason.get(reason) ?? 0) + 1);
  }

  /** Writes the line, if any connection was not decrypted. */
  report(command: string, io: CliIO): void {
    if (this.count === 0) return;
    const reasons = [...this.byReason].map(([r, n]) => `${r}: ${n}`).join(', ');
    const hint = this.byReason.has('no-key') ? '; give keys with --keylog FILE (or SSLKEYLOGFILE)' : '';
    io.stderr.write(`netrx ${command}: ${this.count} TLS connection${this.count === 1 ? '' : 's'} not decrypted (${reasons}): nothing shown from ${this.count === 1 ? 'it' : 'them'}; netrx tls lists why${hint}\n`);
  }
}
