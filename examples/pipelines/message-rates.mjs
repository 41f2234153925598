#!/usr/bin/env node
// WebSocket messages per connection and direction, and their rate over the connection's life:
// `groupBy` the connection, `reduce` each group to its counters.
import { fileURLToPath } from 'node:url';
import { groupBy, mergeMap, reduce } from 'rxjs';
import { capture } from '@netrx/pipeline';
import { formatEndpoint } from '@netrx/core';
import { websocketMessages } from '@netrx/dissector-websocket';

const file = process.argv[2] ?? fileURLToPath(new URL('../chat-server/capture/chat.pcap', import.meta.url));

/** Counters of one connection's messages. */
const fresh = () => ({ c2s: 0, s2c: 0, bytes: 0, first: undefined, last: undefined, connection: undefined });

capture({ file })
  .pipe(
    websocketMessages(),
    groupBy((m) => m.connection.id),
    mergeMap((messages) =>
      messages.pipe(
        reduce((acc, m) => {
          acc[m.dir]++;
          acc.bytes += m.payload.length;
          acc.first ??= m.firstTs;
          acc.last = m.lastTs;
          acc.connection = m.connection;
          return acc;
        }, fresh()),
      ),
    ),
  )
  .subscribe({
    next: (r) => {
      const seconds = Number(r.last - r.first) / 1e9;
      const total = r.c2s + r.s2c;
      const rate = seconds > 0 ? `${(total / seconds).toFixed(1)} msg/s` : 'one instant';
      console.log(
        `#${r.connection.id} ${formatEndpoint(r.connection.client)} ⇄ ${formatEndpoint(r.connection.server)}  ` +
          `${total} messages (${r.c2s} →, ${r.s2c} ←), ${r.bytes} bytes over ${seconds.toFixed(3)} s: ${rate}`,
      );
    },
    error: (err) => {
      console.error(`message-rates: ${err.message}`);
      process.exitCode = 1;
    },
  });
