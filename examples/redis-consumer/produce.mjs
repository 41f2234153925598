#!/usr/bin/env node
// Writes every WebSocket message of a capture to Redis Streams with the library: the pipeline of
// `netrx ws`, each message's JSON line made a record, and toRedisStreams() at the end.
//
//   node produce.mjs CAPTURE redis://127.0.0.1:6379/netrx [SOURCE]
//
// (`npm run build` first: it uses the packages' dist/.) The command does the same: `netrx ws -r
// CAPTURE --sink URL --sink-source SOURCE`; this is how a program of yours would.
import { fileURLToPath } from 'node:url';
import { lastValueFrom, map } from 'rxjs';
import { corePlugin, createRegistry, dissect } from '@netrx/core';
import { dissectStreams, reassembleTcp, tcpPlugin } from '@netrx/dissector-tcp';
import { httpPlugin } from '@netrx/dissector-http';
import { websocketMessageJson, websocketMessages, websocketPlugin } from '@netrx/dissector-websocket';
import { fromCaptureFile } from '@netrx/source-file';
import { RedisRecordBuilder, createRedisSink, toRedisStreams } from '@netrx/sink-redis';

/**
 * Reads `capture` and writes its WebSocket messages to the sink URL as `source`; resolves with the
 * sink's counters (written, retried, dropped…). Connects before reading: an unreachable Redis
 * rejects before anything is read.
 */
export async function produce(capture, url, source) {
  const sink = await createRedisSink({ target: url, ...(source ? { source } : {}) });
  const registry = createRegistry([corePlugin, tcpPlugin, httpPlugin, websocketPlugin]);
  const records = new RedisRecordBuilder(sink.source);
  return lastValueFrom(
    // The file is read only as fast as Redis takes the records.
    fromCaptureFile(capture, { beforeNextChunk: () => sink.ready() }).pipe(
      dissect(registry),
      reassembleTcp(registry),
      dissectStreams(registry),
      websocketMessages(),
      map((m) => records.appEvent(m, m.kind, websocketMessageJson(m))),
      toRedisStreams(sink),
    ),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [capture, url, source] = process.argv.slice(2);
  if (!capture || !url) {
    console.error('usage: node produce.mjs CAPTURE redis://HOST:PORT/KEY [SOURCE]');
    process.exit(2);
  }
  try {
    const s = await produce(capture, url, source);
    console.error(`${s.written} records written to Redis, ${s.retried} resent after a reconnection, ${s.dropped} dropped`);
  } catch (err) {
    console.error(`produce: ${err.message}`);
    process.exit(1);
  }
}
