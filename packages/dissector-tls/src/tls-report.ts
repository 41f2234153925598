import type { Connection, Diagnostic, Direction } from '@netrx/core';
import { cipherSuiteName } from './cipher-suites.js';
import type { ClientHello } from './client-hello.js';
import { TLS13 } from './connection-keys.js';
import { versionName } from './hello-reader.js';
import { TlsNotDecryptedReasons, type TlsCode, type TlsNotDecryptedReason } from './tls-codes.js';
import type { TlsConnectionEvent, TlsDirectionStats } from './types.js';

/** What the handshake established, as the connection's summary reports it. */
export interface TlsHandshakeFacts {
  readonly clientHello: ClientHello | undefined;
  /** The version of the final ServerHello, once it was seen (0 before). */
  readonly version: number;
  readonly suiteId: number | undefined;
  readonly alpn: string | undefined;
  readonly helloRetryRequest: boolean;
  readonly resumed: boolean;
  readonly keyUpdates: number;
  /** Whether every record that authenticated was handed on. */
  readonly decrypted: boolean;
  readonly stats: Readonly<Record<Direction, TlsDirectionStats>>;
}

/**
 * What one TLS connection will say when it ends: its diagnostics (the first `maxWarnings` kept,
 * all counted), why it was not decrypted (the first reason given), the span of packets it covered,
 * and the `tls.connection` event built from them ({@link TlsReport.event}).
 *
 * @internal
 */
export class TlsReport {
  private readonly warnings: Diagnostic[] = [];
  private warningCount = 0;
  /** Why the connection is not decrypted, once that is decided. */
  failed: { readonly reason: TlsNotDecryptedReason; readonly text: string } | undefined;
  private firstTs: bigint | undefined;
  private firstFrame = 0;
  private lastTs = 0n;
  private lastFrame = 0;

  constructor(private readonly maxWarnings: number) {}

  /** Notes the time and frame of bytes seen. */
  stamp(ts: bigint, frame: number): void {
    if (this.firstTs === undefined) {
      this.firstTs = ts;
      this.firstFrame = frame;
    }
    if (ts > this.lastTs) this.lastTs = ts;
    if (frame > this.lastFrame) this.lastFrame = frame;
  }

  /** Adds a diagnostic. */
  note(d: Diagnostic): void {
    this.warningCount++;
    if (this.warnings.length < this.maxWarnings) this.warnings.push(d);
  }

  /** Adds a warning with this code. */
  warn(code: TlsCode, message: string, offset?: number): void {
    this.note({ code, severity: 'warning', message, ...(offset !== undefined ? { offset } : {}) });
  }

  /** Records why the connection is not decrypted; false when a reason was already given. */
  fail(reason: TlsNotDecryptedReason, text: string): boolean {
    if (this.failed) return false;
    this.failed = { reason, text };
    return true;
  }

  /** The `tls.connection` event of `connection`, ending at `ts`/`frame`. */
  event(connection: Connection, ts: bigint, frame: number, f: TlsHandshakeFacts): TlsConnectionEvent {
    const ch = f.clientHello;
    return {
      type: 'tls.connection',
      connection,
      dir: 'c2s',
      firstTs: this.firstTs ?? ts,
      lastTs: this.lastTs > ts ? this.lastTs : ts,
      firstFrame: this.firstTs === undefined ? frame : this.firstFrame,
      lastFrame: this.lastFrame > frame ? this.lastFrame : frame,
      ...(ch?.serverName !== undefined ? { sni: ch.serverName } : {}),
      ...(ch?.alpn !== undefined ? { alpnOffered: ch.alpn } : {}),
      ...(f.alpn !== undefined ? { alpn: f.alpn } : {}),
      ...(f.version !== 0 ? { version: versionName(f.version) } : {}),
      ...(f.suiteId !== undefined ? { suite: cipherSuiteName(f.suiteId) } : {}),
      ...(ch !== undefined ? { clientRandom: randomHex(ch) } : {}),
      helloRetryRequest: f.helloRetryRequest,
      resumed: f.resumed,
      keyUpdates: f.keyUpdates,
      decrypted: f.decrypted && this.failed === undefined,
      ...(this.failed !== undefined ? { reason: this.failed.reason, reasonText: this.failed.text } : {}),
      stats: { c2s: { ...f.stats.c2s }, s2c: { ...f.stats.s2c } },
      warnings: this.warnings,
      warningCount: this.warningCount,
    };
  }
}

/** The client random of a ClientHello in hex (what a key log line names), `?` without one. */
export function randomHex(ch: ClientHello | undefined): string {
  return ch === undefined ? '?' : Buffer.from(ch.random).toString('hex');
}

/** The `no-key` reason in words: the client random, and which key log lines it needs. */
export function noKeyText(version: number, ch: ClientHello | undefined): string {
  const what = version === TLS13 ? 'the four TLS 1.3 traffic secrets (handshake and _0 of each side)' : 'CLIENT_RANDOM (the master secret)';
  return `${TlsNotDecryptedReasons['no-key']} ${randomHex(ch)} (needs ${what})`;
}

/** The `key-mismatch` reason in words, with the client random. */
export function keyMismatchText(ch: ClientHello | undefined): string {
  return `${TlsNotDecryptedReasons['key-mismatch']} (client random ${randomHex(ch)})`;
}
