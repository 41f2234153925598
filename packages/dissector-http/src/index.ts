/**
 * `@netrx/dissector-http`: HTTP/1.1 on reassembled TCP streams, and the `http.upgrade` table.
 *
 * @packageDocumentation
 */
export { headerValue } from './types.js';
export type { HttpHeader, HttpMessageBase, HttpRequest, HttpResponse, HttpUpgrade } from './types.js';
