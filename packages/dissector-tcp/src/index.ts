/**
 * `@netrx/dissector-tcp`: the TCP header dissector (added to `ip.proto` 6 by `tcpPlugin`),
 * connection tracking and stream reassembly (`reassembleTcp(registry)`, or `TcpReassembler`
 * without RxJS), per-connection grouping (`tcpStreams()`) and the stream-dissector dispatcher
 * (`dissectStreams()`, and `createStreamDispatch()` for a dissector that unwraps a layer). It
 * declares the `tcp.port` table and the `tcp` and `tcp.client` heuristic lists.
 *
 * @packageDocumentation
 * @module @netrx/dissector-tcp
 */
export { TcpCodes, TcpFlag, decodeTcp } from './tcp.js';
export type { TcpHeaderOptions, TcpLayer, TcpSackBlock } from './tcp.js';
export { tcpPlugin } from './tcp-plugin.js';
export { TcpReassembler } from './tcp-reassembler.js';
export { createReassemblerTotals } from './reassembler-options.js';
export type { ReassembleTcpOptions, ReassemblerTotals } from './reassembler-options.js';
export { reassembleTcp } from './reassemble-tcp.js';
export { tcpStreams } from './tcp-streams.js';
export type { TcpConnectionStreams } from './tcp-streams.js';
export { dissectStreams } from './dissect-streams.js';
export type { DissectStreamsOptions } from './dissect-streams.js';
export { StreamDispatchCodes, createStreamDispatch } from './stream-dispatch.js';
export type { StreamDispatchOptions } from './stream-dispatch.js';
export type { StreamDispatchLimits } from './dissector-choice.js';
