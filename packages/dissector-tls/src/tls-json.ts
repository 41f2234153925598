import { formatEndpoint, formatTimestamp } from '@netrx/core';
import type { TlsConnectionEvent, TlsDirectionStats } from './types.js';

/**
 * One TLS connection as a JSON line, the contract `netrx tls --format jsonl` writes: `ts` (when
 * the connection ended, `seconds.nanoseconds`), `stream`, `client`, `server` (and what the TCP
 * connection itself came through, as the other JSON lines have it), `sni`, `alpn` (chosen) and
 * `alpnOffered`, `version`, `suite`, `decrypted`; when not decrypted, `reason` (a key of
 * `TlsNotDecryptedReasons`) and `reasonText`; `clientRandom` (what a key log line names),
 * `resumed`, `helloRetryRequest`, `keyUpdates`; per direction (`c2s`, `s2c`) `records`, `bytes`
 * (record bytes, headers included), `plaintextBytes` handed on, `authFailures`, `undecrypted`;
 * and, when there are any, `warnings` (code, message, stream offset) and `warningCount`.
 * Fields not known (no SNI, no ServerHello) are left out.
 *
 * @example
 * ```ts
 * events$.pipe(filter((e) => e.type === 'tls.connection')).subscribe((e) => console.log(tlsConnectionJson(e)));
 * // {"ts":"1700000000.500000000","stream":0,"client":"127.0.0.1:43246","server":"127.0.0.1:8443",
 * //  "sni":"localhost","alpn":"http/1.1","alpnOffered":["http/1.1"],"version":"TLSv1.3",
 * //  "suite":"TLS_AES_128_GCM_SHA256","decrypted":true,"clientRandom":"19ed…","resumed":false,
 * //  "helloRetryRequest":false,"keyUpdates":0,"c2s":{"records":12,"bytes":18105,…},"s2c":{…}}
 * ```
 */
export function tlsConnectionJson(e: TlsConnectionEvent): string {
  const c = e.connection;
  const o: Record<string, unknown> = {
    ts: formatTimestamp(e.lastTs),
    stream: c.id,
    client: formatEndpoint(c.client),
    server: formatEndpoint(c.server),
    ...c.via,
  };
  if (e.sni !== undefined) o.sni = e.sni;
  if (e.alpn !== undefined) o.alpn = e.alpn;
  if (e.alpnOffered !== undefined) o.alpnOffered = e.alpnOffered;
  if (e.version !== undefined) o.version = e.version;
  if (e.suite !== undefined) o.suite = e.suite;
  o.decrypted = e.decrypted;
  if (e.reason !== undefined) {
    o.reason = e.reason;
    o.reasonText = e.reasonText;
  }
  if (e.clientRandom !== undefined) o.clientRandom = e.clientRandom;
  o.resumed = e.resumed;
  o.helloRetryRequest = e.helloRetryRequest;
  o.keyUpdates = e.keyUpdates;
  o.c2s = direction(e.stats.c2s);
  o.s2c = direction(e.stats.s2c);
  if (e.warningCount > 0) {
    o.warnings = e.warnings.map((d) => (d.offset === undefined ? { code: d.code, message: d.message } : { code: d.code, message: d.message, offset: d.offset }));
    o.warningCount = e.warningCount;
  }
  return JSON.stringify(o);
}

function direction(s: Readonly<TlsDirectionStats>): object {
  return { records: s.records, bytes: s.bytes, plaintextBytes: s.plaintextBytes, authFailures: s.authFailures, undecrypted: s.undecrypted };
}
