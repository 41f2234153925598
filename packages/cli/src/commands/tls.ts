import { formatEndpoint } from '@netrx/core';
import { tlsConnectionJson, type TlsConnectionEvent, type TlsDirectionStats } from '@netrx/dissector-tls';
import { filter } from 'rxjs';
import type { CliArgs } from '../args.js';
import type { CliIO } from '../output.js';
import { runCommand } from '../run.js';

/** The fields of `netrx tls --format jsonl` records, for `-Y`. */
export const TLS_FIELDS: readonly string[] = [
  'ts', 'stream', 'client', 'server', 'sni', 'alpn', 'alpnOffered', 'version', 'suite', 'decrypted', 'reason', 'reasonText',
  'clientRandom', 'resumed', 'helloRetryRequest', 'keyUpdates', 'c2s', 's2c', 'warnings', 'warningCount',
];

/**
 * `netrx tls`: one line per TLS connection when it ends (the rest at the end of input): server
 * name, ALPN, version, cipher suite, whether it was decrypted and, if not, why — no key for its
 * client random, keys that do not authenticate, a suite netrx does not decrypt, a handshake not
 * captured… — with records and bytes per direction. Keys come from `--keylog FILE` (or
 * `SSLKEYLOGFILE`) and from the Decryption Secrets Blocks of a pcapng. `--format jsonl` writes
 * {@link tlsConnectionJson}'s contract; `-Y` filters over its fields (`'not decrypted'`,
 * `'reason == "no-key"'`), `--stream N` keeps one connection.
 */
export async function tls(args: CliArgs, io: CliIO): Promise<number> {
  const line = args.format === 'jsonl' ? tlsConnectionJson : (e: TlsConnectionEvent) => tlsTextLine(e, args.full);
  return runCommand(args, io, {
    stages: (pipeline) => (frames) => frames.pipe(pipeline.events(), filter((e): e is TlsConnectionEvent => e.type === 'tls.connection')),
    jsonRecord: (e) => JSON.parse(tlsConnectionJson(e)) as object,
    fields: TLS_FIELDS,
    streamOf: (e) => e.connection.id,
    each: (e, out, shown) => {
      shown.add(e.connection.id);
      if (!args.quiet) out.line(line(e));
    },
    shown: 'TLS connections',
    // Its records are the tls.connection events, warnings and all.
    showsWarning: (e) => e.type === 'tls.connection',
  });
}

/**
 * One line for people:
 *
 * `#0 127.0.0.1:43246 → 127.0.0.1:8443 localhost TLSv1.3 TLS_AES_128_GCM_SHA256 http/1.1 decrypted  c2s 12 records 18105B  s2c 20 records 34955B`
 *
 * or, for a connection not decrypted, `not decrypted (no-key): no key for this client random 19ed… (needs …)`.
 */
export function tlsTextLine(e: TlsConnectionEvent, full = false): string {
  const c = e.connection;
  const what = [e.sni, e.version, e.suite, e.alpn].filter((x) => x !== undefined).join(' ');
  const status = e.decrypted ? 'decrypted' : `not decrypted (${e.reason}): ${shorten(e.reasonText ?? '', full)}`;
  const dir = (name: string, s: Readonly<TlsDirectionStats>): string => {
    const extra = [s.authFailures ? `${s.authFailures} not authenticated` : '', s.undecrypted ? `${s.undecrypted} not decrypted` : ''].filter(Boolean);
    return `${name} ${s.records} records ${s.bytes}B${extra.length ? ` (${extra.join(', ')})` : ''}`;
  };
  const warnings = e.warningCount ? ` [${[...new Set(e.warnings.map((w) => w.code))].join(',')}${e.warningCount > e.warnings.length ? ',…' : ''}]` : '';
  return `#${c.id} ${formatEndpoint(c.client)} → ${formatEndpoint(c.server)}${what ? ` ${what}` : ''} ${status}  ${dir('c2s', e.stats.c2s)}  ${dir('s2c', e.stats.s2c)}${warnings}`;
}

/** Client randoms are 64 hex digits: shortened in text output unless `--full`. */
function shorten(s: string, full: boolean): string {
  return full ? s : s.replace(/\b([0-9a-f]{12})[0-9a-f]{52}\b/g, '$1…');
}
