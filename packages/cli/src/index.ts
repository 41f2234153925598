/**
 * `@netrx/cli`: the `netrx` command — arguments, output writers, exit codes. The pipelines it runs
 * are `@netrx/pipeline`'s; applications use that package.
 *
 * @packageDocumentation
 * @module @netrx/cli
 */
export { main, USAGE, VERSION } from './main.js';
export type { Command } from './main.js';
export { parseArgs } from './args.js';
export type { CliArgs, OutputFormat } from './args.js';
export { LineWriter } from './output.js';
export type { CliIO } from './output.js';
