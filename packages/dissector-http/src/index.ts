/**
 * `@netrx/dissector-http`: HTTP/1.1 on reassembled TCP streams, and the `http.upgrade` table.
 *
 * @packageDocumentation
 */
export { headerValue } from './types.js';
export type { HttpHeader, HttpMessageBase, HttpRequest, HttpResponse, HttpUpgrade } from './types.js';
export { HttpMessageParser, DEFAULT_HTTP_LIMITS } from './http-message-parser.js';
export type { HttpParserLimits, HttpParserSink, ParsedHttpMessage } from './http-message-parser.js';
export { parseHead } from './http-head.js';
export type { HttpHead, HttpRequestHead, HttpResponseHead, ParseHeadResult } from './http-head.js';
export { KNOWN_METHODS, probeStartLine } from './http-probe.js';
export { httpClientDecider, looksLikeHttpRequest, looksLikeHttpResponse } from './http-start-line.js';
export { HttpStreamDissector, createHttpDissectorFactory, httpDissector } from './http-dissector.js';
export type { HttpDissectorOptions } from './http-dissector.js';
export { httpPlugin } from './http-plugin.js';
export { httpTransactions } from './http-transactions.js';
export type { HttpTransaction, HttpTransactionsOptions } from './http-transactions.js';
export { httpMessageJson } from './http-json.js';
