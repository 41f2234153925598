/**
 * `@netrx/dissector-tcp`: the TCP header dissector, connection tracking and stream reassembly
 * (`reassembleTcp(registry)`), per-connection grouping (`tcpStreams()`) and the stream-dissector
 * dispatcher (`dissectStreams()`).
 *
 * @packageDocumentation
 */
export { TcpCodes, TcpFlag, decodeTcp, tcpDissector } from './tcp.js';
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
