#!/usr/bin/env node
// The inspector on a capture file or a live capture, until Ctrl-C, on the library alone (`netrx ui`
// is the command; this script keeps `--max-chars` for the bench), from the built packages
// (run `npx tsc -b packages/cli` first).
//   node packages/inspector/scripts/serve.mjs -r FILE [--port N] [--host H] [--open] [--max N] [--max-chars N]
//   node packages/inspector/scripts/serve.mjs -i DEVICE [filter…]
import { corePlugin, createRegistry, dissect } from '@netrx/core';
import { dissectStreams, reassembleTcp, tcpPlugin } from '@netrx/dissector-tcp';
import { httpPlugin } from '@netrx/dissector-http';
import { websocketPlugin } from '@netrx/dissector-websocket';
import { fromCaptureFile } from '@netrx/source-file';
import { keepConnectionEvents, runInspector, yieldToEventLoop } from '@netrx/inspector';

const argv = process.argv.slice(2);
const o = { filter: [] };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '-r') o.file = argv[++i];
  else if (a === '-i') o.device = argv[++i];
  else if (a === '--port') o.port = Number(argv[++i]);
  else if (a === '--host') o.host = argv[++i];
  else if (a === '--max') o.maxMessages = Number(argv[++i]);
  else if (a === '--max-chars') o.maxChars = Number(argv[++i]);
  else if (a === '--open') o.open = true;
  else o.filter.push(a);
}
const registry = createRegistry([corePlugin, tcpPlugin, httpPlugin, websocketPlugin]);
let frames;
if (o.file) frames = fromCaptureFile(o.file, { beforeNextChunk: yieldToEventLoop });
else if (o.device) {
  const { fromLiveCapture } = await import('@netrx/source-live');
  frames = fromLiveCapture({ device: o.device, filter: o.filter.join(' ') || undefined });
} else {
  console.error('usage: serve.mjs -r FILE | -i DEVICE [filter…] [--port N] [--host H] [--open] [--max N]');
  process.exit(2);
}
const events$ = frames.pipe(dissect(registry), reassembleTcp(registry), keepConnectionEvents(dissectStreams(registry)));
process.exitCode = await runInspector({
  events$,
  title: o.file ?? `${o.device} ${o.filter.join(' ')}`.trim(),
  port: o.port,
  host: o.host,
  open: o.open,
  maxMessages: o.maxMessages,
  maxChars: o.maxChars,
  stdout: process.stdout,
  stderr: process.stderr,
});
