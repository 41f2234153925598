/**
 * `@netrx/pipeline`: the default netrx pipeline for applications — `capture()`, source selection
 * (file or live), the default plugin set, the composition root (one tsyringe container per
 * pipeline: plugins, registry, options, clock) and the summary operators behind `netrx tcp` and
 * `netrx packets`.
 *
 * @packageDocumentation
 */
export { Pipeline, createContainer, createPipeline, createPipelineContainer } from './composition-root.js';
export { capture } from './capture.js';
export { defaultPlugins } from './default-plugins.js';
export { openFrames } from './open-frames.js';
export { filterFrames } from './filter-frames.js';
export { compileCaptureFilter } from './capture-filter.js';
export type { CaptureFilterOptions } from './capture-filter.js';
export { parseBpfDecimal, runBpf } from './bpf-program.js';
export type { BpfProgram } from './bpf-program.js';
export type { FrameSourceOptions, PipelineOptions } from './pipeline-options.js';
export { Tokens } from './tokens.js';
export { tcpConnectionSummaries } from './tcp-connection-summaries.js';
export type { TcpConnectionSummary, TcpDirectionSummary } from './tcp-connection-summaries.js';
export { packetEndpoints, packetSummaries, packetSummary, packetSummaryJson } from './packet-summaries.js';
export type { PacketSummary } from './packet-summaries.js';
