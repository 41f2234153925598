#!/usr/bin/env node
// Writes one TCP connection's packets to a pcapng file of its own. The connection is named by its
// stream index, as `netrx tcp` and `netrx ws` print it (`#1`). The packets are taken from the
// dissected frames by their 4-tuple; the index comes from the same pipeline `netrx` uses.
import { createWriteStream } from 'node:fs';
import { filter, lastValueFrom, map, take } from 'rxjs';
import { findLayer } from '@netrx/core';
import { createPipeline } from '@netrx/pipeline';
import { writePcapng } from '@netrx/source-file';

const [file, streamArg, outPath] = process.argv.slice(2);
if (!file || streamArg === undefined || !outPath) {
  console.error('usage: extract-connection.mjs CAPTURE STREAM_INDEX OUT.pcapng');
  process.exit(2);
}
const stream = Number(streamArg);
const pipeline = createPipeline({ file });

// First pass: which endpoints is stream N?
const open = await lastValueFrom(
  pipeline.frames().pipe(
    pipeline.streams(),
    filter((e) => e.type === 'open' && e.connection.id === stream),
    take(1),
  ),
  { defaultValue: undefined },
);
if (!open) {
  console.error(`extract-connection: no TCP stream #${stream} in ${file}`);
  process.exit(1);
}
const { client, server } = open.connection;
const key = (addr, port) => `${addr}|${port}`;
const ends = new Set([key(client.address, client.port), key(server.address, server.port)]);

/** Whether a packet is one of the connection's: both of its endpoints are the connection's. */
function belongs(packet) {
  const ip = findLayer(packet, 'ipv4') ?? findLayer(packet, 'ipv6');
  const tcp = findLayer(packet, 'tcp');
  if (!ip || !tcp) return false;
  const a = key(ip.src, tcp.srcPort);
  const b = key(ip.dst, tcp.dstPort);
  return a !== b && ends.has(a) && ends.has(b);
}

// Second pass: write its packets.
const out = createWriteStream(outPath);
let count = 0;
await lastValueFrom(
  pipeline.frames().pipe(
    pipeline.packets(),
    filter(belongs),
    map((p) => p.frame),
    writePcapng(out),
    map(() => count++),
  ),
  { defaultValue: undefined },
);
await new Promise((resolve) => out.end(resolve));
console.log(`wrote ${count} packets of stream #${stream} (${key(client.address, client.port)} ⇄ ${key(server.address, server.port)}) to ${outPath}`);
