/**
 * `@netrx/dissector-http`: HTTP/1.1 on reassembled TCP streams, and the `http.upgrade` table.
 *
 * @packageDocumentation
 * @module @netrx/dissector-http
 */
export { headerValue } from './types.js';
export type { HttpHeader, HttpMessageBase, HttpRequest, HttpResponse, HttpUpgrade } from './types.js';
export { HttpCodes } from './http-codes.js';
export type { HttpCode } from './http-codes.js';
export { splitHeaderList } from './http-header-list.js';
export { HttpMessageParser, DEFAULT_HTTP_LIMITS } from './http-message-parser.js';
export type { HttpParserLimits, HttpParserSink, ParsedHttpMessage } from './http-message-parser.js';
export type { HttpHead, HttpRequestHead, HttpResponseHead } from './http-head.js';
export { httpClientDecider, looksLikeHttpRequest, looksLikeHttpResponse, probeStartLine } from './http-start-line.js';
export { createHttpDissectorFactory, httpDissector } from './http-dissector.js';
export type { HttpDissectorOptions } from './http-dissector.js';
export { httpPlugin } from './http-plugin.js';
export { httpTransactions } from './http-transactions.js';
export type { HttpTransaction, HttpTransactionsOptions } from './http-transactions.js';
export { httpMessageJson } from './http-json.js';
export type { HttpJsonOptions } from './http-json.js';
export { decodeHttpBody } from './http-body.js';
export type { HttpBody, HttpBodyOptions } from './http-body.js';
