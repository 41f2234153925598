import { appEventJsonHead } from '@netrx/core';
import { decodeHttpBody, type HttpBodyOptions } from './http-body.js';
import type { HttpRequest, HttpResponse } from './types.js';

/** What {@link httpMessageJson} adds to the contract's fields. */
export interface HttpJsonOptions {
  /**
   * Write the body ({@link decodeHttpBody}, with these limits), after every other field: `body`
   * (text) or `bodyBase64`, `bodyEncoding` (the content-codings undone), `bodyTruncated` (bytes
   * left out), `bodyError`. Only for a message with a body. Off by default.
   */
  readonly body?: HttpBodyOptions | boolean;
}

/**
 * One HTTP message as a JSON line, the contract `netrx http --format jsonl` writes: `ts` (when
 * its last byte was captured, `seconds.nanoseconds`), `stream`, `client`, `server`, `dir`,
 * `type` (`request` | `response`), `method` and `target` or `status` and `reason`, `version`,
 * `headers` as `[name, value]` pairs in wire order and case, `bodyLength` (de-chunked, on the
 * wire), and when there are any, `trailers` and `warnings` (codes and messages); with
 * `options.body`, the body last ({@link HttpJsonOptions.body}).
 *
 * @example
 * ```ts
 * events$.pipe(filter((e) => e.type === 'http.request' || e.type === 'http.response'))
 *   .subscribe((m) => console.log(httpMessageJson(m)));
 * // {"ts":"1795488732.597491000","stream":0,"client":"127.0.0.1:36674","server":"127.0.0.1:7360",
 * //  "dir":"c2s","type":"request","method":"GET","target":"/","version":"HTTP/1.1",
 * //  "headers":[["Host","127.0.0.1:7360"]],"bodyLength":0}
 * ```
 */
export function httpMessageJson(m: HttpRequest | HttpResponse, options: HttpJsonOptions = {}): string {
  const o: Record<string, unknown> = {
    ...appEventJsonHead(m),
  };
  if (m.type === 'http.request') {
    o.type = 'request';
    o.method = m.method;
    o.target = m.target;
  } else {
    o.type = 'response';
    o.status = m.status;
    o.reason = m.reason;
  }
  o.version = m.version;
  o.headers = m.headers.map((h) => [h.name, h.value]);
  o.bodyLength = m.bodyLength ?? m.body.length;
  if (m.trailers.length > 0) o.trailers = m.trailers.map((h) => [h.name, h.value]);
  if (m.diagnostics?.length) o.warnings = m.diagnostics.map((d) => (d.offset === undefined ? { code: d.code, message: d.message } : { code: d.code, message: d.message, offset: d.offset }));
  if (options.body && (m.bodyLength ?? m.body.length) > 0) {
    const b = decodeHttpBody(m, options.body === true ? {} : options.body);
    if (b.text !== undefined) o.body = b.text;
    else o.bodyBase64 = Buffer.from(b.bytes.buffer, b.bytes.byteOffset, b.bytes.byteLength).toString('base64');
    if (b.encoding !== undefined) o.bodyEncoding = b.encoding;
    if (b.truncated > 0) o.bodyTruncated = b.truncated;
    if (b.error !== undefined) o.bodyError = b.error;
  }
  return JSON.stringify(o);
}
