/**
 * `@netrx/pipeline`: the default netrx pipeline for applications — `capture()`, source selection
 * (file or live), the default plugin set, the composition root (one tsyringe container per
 * pipeline: plugins, registry, options, clock, TLS key store), the summary operators behind `netrx tcp`, `netrx
 * packets` and `netrx stats`, capture filters on files (libpcap's compiler, a BPF interpreter) and
 * display filters over JSON records.
 *
 * @packageDocumentation
 * @module @netrx/pipeline
 */
export { Pipeline, createContainer, createPipeline, createPipelineContainer } from './composition-root.js';
export { capture } from './capture.js';
export { createDefaultPlugins, defaultPlugins } from './default-plugins.js';
export { openFrames } from './open-frames.js';
export { filterFrames } from './filter-frames.js';
export { compileCaptureFilter } from './capture-filter.js';
export type { CaptureFilterOptions } from './capture-filter.js';
export { DisplayFilterError, compileDisplayFilter } from './display-filter.js';
export type { DisplayFilter, DisplayFilterOptions } from './display-filter.js';
export type { BpfProgram } from './bpf-program.js';
export type { FrameSourceOptions, PipelineOptions } from './pipeline-options.js';
export { Tokens } from './tokens.js';
export { isWarningEvent, somethingDropped, warningsOf } from './drop-counts.js';
export type { DropCounts } from './drop-counts.js';
export { memoryBytes, parseByteSize } from './memory-size.js';
export { tcpConnectionSummaries } from './tcp-connection-summaries.js';
export { connectionStats } from './connection-stats.js';
export type { CaptureStatsTotals, ConnectionStats, LargestMessage, PerDirection, Rates, StatsRecord } from './connection-stats.js';
export type { TcpConnectionSummary, TcpDirectionSummary } from './tcp-connection-summaries.js';
export { packetEndpoints, packetSummaries, packetSummary, packetSummaryJson, tcpFlagString } from './packet-summaries.js';
export type { PacketSummary } from './packet-summaries.js';
export { PARALLEL_FILE_BYTES, captureLines, defaultWorkers, mainShare } from './parallel/capture-lines.js';
export type { CaptureLinesOptions, LineChunk, LineSourceHooks } from './parallel/capture-lines.js';
export { captureJsonLines } from './parallel/capture-json-lines.js';
export type { CaptureJsonLinesOptions } from './parallel/capture-json-lines.js';
export type { JsonLinesArgs, JsonLinesKind } from './parallel/json-lines-job.js';
export { defineLineJob } from './parallel/line-job.js';
export type { LineJob, LineJobFactory, LineJobSpec, StageOptions } from './parallel/line-job.js';
export type { LineSink } from './parallel/line-sink.js';
export type { JobStats } from './parallel/job-runner.js';
export type { ThreadStats } from './parallel/thread-stats.js';
export { ByteLines } from './byte-lines.js';
