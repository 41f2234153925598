#!/usr/bin/env node
// A consumer-group consumer of what netrx writes to Redis Streams: reads every shard of KEY
// (KEY:0 … KEY:{N-1}) with XREADGROUP, acknowledges with XACK, and prints each connection's
// message rate. Start it several times with the same --group and different --name: Redis hands
// each entry to one of them.
//
//   node consumer.mjs redis://127.0.0.1:6379/netrx [--group netrx] [--name NAME] [--count 100]
//        [--interval SECONDS] [--idle-exit SECONDS] [--json] [--report-ids]
//
// It needs only the `redis` client: a consumer knows nothing of netrx but the entry fields
// (id, source, stream, dir, type, ts, client, server, json).
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { createClient } from 'redis';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    group: { type: 'string', default: 'netrx' },
    name: { type: 'string', default: `${hostname()}-${process.pid}` },
    count: { type: 'string', default: '100' },
    interval: { type: 'string', default: '1' },
    'idle-exit': { type: 'string' },
    json: { type: 'boolean', default: false },
    'report-ids': { type: 'boolean', default: false },
  },
});
if (positionals.length !== 1) {
  console.error('usage: node consumer.mjs redis://HOST:PORT/KEY [--group G] [--name NAME] [--count N] [--interval S] [--idle-exit S] [--json] [--report-ids]');
  process.exit(2);
}

const url = new URL(positionals[0]);
const key = decodeURIComponent(url.pathname.slice(1));
const client = createClient({
  socket: { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 6379) },
  ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
  ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
  RESP: 2,
});
client.on('error', (err) => console.error(`redis: ${err.message}`));
try {
  await client.connect();
} catch (err) {
  console.error(`cannot connect to Redis at ${url.host}: ${err.message}`);
  process.exit(1);
}

// The shard count: from the URL, else what the first writer recorded in KEY:shards.
const shards = Number(url.searchParams.get('shards') ?? (await client.get(`${key}:shards`)) ?? 16);
const streams = Array.from({ length: shards }, (_, i) => `${key}:${i}`);
const group = values.group;
const me = values.name;

// One group per shard, reading from the beginning, so a group created after netrx started
// still sees everything; BUSYGROUP means another consumer made it first.
for (const s of streams) {
  try {
    await client.sendCommand(['XGROUP', 'CREATE', s, group, '0', 'MKSTREAM']);
  } catch (err) {
    if (!String(err.message).startsWith('BUSYGROUP')) throw err;
  }
}
console.error(`${me}: reading ${streams.length} shards of ${key} in group ${group}`);

/** Per connection (`source #stream client ⇄ server`): messages this interval, and in all. */
const perConnection = new Map();
/** Entries handed to this consumer by id: at-least-once delivery may bring an id twice. */
const seen = new Set();
let messages = 0;
let duplicates = 0;
let lastNew = performance.now();

function handle(fields) {
  if (seen.has(fields.id)) {
    duplicates++;
    return;
  }
  seen.add(fields.id);
  messages++;
  lastNew = performance.now();
  const conn = `${fields.source} #${fields.stream} ${fields.client} ⇄ ${fields.server}`;
  const c = perConnection.get(conn) ?? { interval: 0, total: 0, firstTs: Infinity, lastTs: -Infinity };
  c.interval++;
  c.total++;
  // Packet time (seconds since the epoch, as in the JSON line): the rate in the capture itself.
  const ts = Number(fields.ts);
  if (ts < c.firstTs) c.firstTs = ts;
  if (ts > c.lastTs) c.lastTs = ts;
  perConnection.set(conn, c);
  // What a real consumer would do with the message: JSON.parse(fields.json) …
}

const intervalMs = Number(values.interval) * 1000;
let lastReport = performance.now();
function report(final = false) {
  const now = performance.now();
  const secs = (now - lastReport) / 1000;
  lastReport = now;
  const rows = final ? [...perConnection] : [...perConnection].filter(([, c]) => c.interval > 0);
  const captureSpan = (c) => Math.max(0, c.lastTs - c.firstTs);
  if (values.json) {
    const rates = Object.fromEntries(
      rows.map(([k, c]) => [k, final ? { total: c.total, captureSeconds: captureSpan(c) } : { perSecond: secs > 0 ? c.interval / secs : 0, total: c.total }]),
    );
    const line = { consumer: me, messages, duplicates, rates };
    if (final) {
      line.done = true;
      if (values['report-ids']) line.ids = [...seen];
    }
    console.log(JSON.stringify(line));
  } else if (final) {
    for (const [conn, c] of rows) {
      const span = captureSpan(c);
      console.log(`${me} ${conn}: ${c.total} messages${span > 0 ? `, ${(c.total / span).toFixed(1)} msg/s over ${span.toFixed(3)} s of capture time` : ''}`);
    }
    console.log(`${me}: ${messages} messages from ${perConnection.size} connections${duplicates ? `, ${duplicates} duplicates skipped` : ''}`);
  } else {
    for (const [conn, c] of rows) console.log(`${me} ${conn}: ${(c.interval / secs).toFixed(1)} msg/s (${c.total} in all)`);
  }
  for (const [, c] of rows) c.interval = 0;
}

/** Reads a batch (`>`: new entries; `0`: this consumer's pending ones, after a restart), handles it, acknowledges it. */
async function readOnce(id, block) {
  const args = ['XREADGROUP', 'GROUP', group, me, 'COUNT', values.count, ...(block ? ['BLOCK', String(block)] : []), 'STREAMS', ...streams, ...streams.map(() => id)];
  const reply = await client.sendCommand(args);
  if (!reply) return 0;
  let n = 0;
  for (const [stream, entries] of reply) {
    const ids = [];
    for (const [entryId, flat] of entries) {
      // A pending entry trimmed away by MAXLEN comes back with no fields: just acknowledge it.
      if (flat) {
        const fields = {};
        for (let i = 0; i < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
        handle(fields);
      }
      ids.push(entryId);
      n++;
    }
    if (ids.length) await client.sendCommand(['XACK', stream, group, ...ids]);
  }
  return n;
}

// First what this consumer was given and did not acknowledge before (it crashed), then new entries.
while ((await readOnce('0', 0)) > 0);

const idleExitMs = values['idle-exit'] === undefined ? undefined : Number(values['idle-exit']) * 1000;
let stopping = false;
process.once('SIGINT', () => (stopping = true));
process.once('SIGTERM', () => (stopping = true));
while (!stopping) {
  await readOnce('>', Math.min(1000, intervalMs));
  if (performance.now() - lastReport >= intervalMs) report();
  if (idleExitMs !== undefined && performance.now() - lastNew >= idleExitMs) break;
}
report(true);
await client.close();
