/**
 * `@netrx/cli`: the `netrx` command, and the default pipeline in one call for applications.
 *
 * @packageDocumentation
 */
export { capture, createCaptureRegistry } from './capture.js';
export type { CaptureOptions } from './capture.js';
export { defaultPlugins, createCliRegistry } from './pipeline.js';
export { main, USAGE } from './main.js';
export type { Command } from './main.js';
export { parseArgs } from './args.js';
export type { CliArgs, OutputFormat } from './args.js';
export { LineWriter } from './output.js';
export type { CliIO } from './output.js';
