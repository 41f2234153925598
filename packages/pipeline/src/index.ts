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
export type { FrameSourceOptions, PipelineOptions } from './pipeline-options.js';
export { Tokens } from './tokens.js';
export { tcpConnectionSummaries } from './tcp-connection-summaries.js';
export type { TcpConnectionSummary, TcpDirectionSummary } from './tcp-connection-summaries.js';
export { packetEndpoints, packetSummaries, packetSummary, packetSummaryJson } from './packet-summaries.js';
export type { PacketSummary } from './packet-summaries.js';
export { captureLines, defaultWorkers, mainShare } from './parallel/capture-lines.js';
export type { CaptureLinesOptions, LineChunk, LineSourceHooks } from './parallel/capture-lines.js';
export { captureJsonLines } from './parallel/capture-json-lines.js';
export type { CaptureJsonLinesOptions } from './parallel/capture-json-lines.js';
export type { JsonLinesArgs, JsonLinesKind } from './parallel/json-lines-job.js';
export { defineLineJob } from './parallel/line-job.js';
export type { LineJob, LineJobFactory, LineJobSpec, StageOptions } from './parallel/line-job.js';
export type { LineSink } from './parallel/line-sink.js';
export type { JobStats } from './parallel/job-runner.js';
export { TABLES_IN_FLIGHT } from './parallel/frame-dispatcher.js';
